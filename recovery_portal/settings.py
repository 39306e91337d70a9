"""Settings for the recovery course portal: one module, driven by environment variables.

Local use needs no configuration at all. Production (``DJANGO_ENV=production``)
refuses to start without ``DATABASE_URL`` and a real ``DJANGO_SECRET_KEY``.
See README.md, "Configuration".
"""

import os
from pathlib import Path

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from recovery_portal.database import database_config

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DJANGO_ENV = os.environ.get("DJANGO_ENV", "development")
PRODUCTION = DJANGO_ENV == "production"

_DEV_SECRET_KEY = "django-insecure-local-development-only-never-in-production"  # noqa: S105
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "" if PRODUCTION else _DEV_SECRET_KEY)
if PRODUCTION and (len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure")):
    raise ImproperlyConfigured(
        "DJANGO_ENV=production needs DJANGO_SECRET_KEY: a random value of at least 50 characters."
    )
if PRODUCTION and not os.environ.get("DATABASE_URL"):
    raise ImproperlyConfigured("DJANGO_ENV=production needs DATABASE_URL (a PostgreSQL server).")

DEBUG = env_bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_filters",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "pgtrigger",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    # base/ is what every app shares and imports none; its tables are the background work's own (base/models.py).
    "base",
    "recovery_portal",
    # Imports between the portal's apps run one way, from each app to those above it in this list
    # (tests/test_imports.py).
    "audit",
    "accounts",
    "courses",
    "enrolment",
    "referrals",
    "catalogue",
    "mypage",
    "administration",
    "demo",
]

MIDDLEWARE = [
    # First, so what every other middleware logs (a refused Host header, say) carries the request's id too.
    "audit.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "recovery_portal.middleware.PermissionsPolicy",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "recovery_portal.middleware.PostedFormsWithoutControlCharacters",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "accounts.middleware.StaffSessionPolicyMiddleware",
    "accounts.middleware.RequireStaffMFAMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "recovery_portal.urls"
WSGI_APPLICATION = "recovery_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "recovery_portal.context_processors.site",
            ],
        },
    },
]

DATABASES = {"default": database_config(base_dir=BASE_DIR, url=os.environ.get("DATABASE_URL"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# One cache shared by every process (rate limits must not count per process).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "portal_cache",
    },
    # Each process's own memory, for small read-mostly things that may be a minute old (the
    # catalogue's filter choices) or never change while the process runs (the page chrome rendered
    # per language and menu, in base.html). Never for anything that must agree between processes.
    "local": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "portal-local",
        "OPTIONS": {"MAX_ENTRIES": 20000},
    },
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "mypage:my_page"

# Sign-in (django-allauth): e-mail is the only identifier; citizens may sign in with an e-mailed code.
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupExtraForm"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True  # one address per person; changing it replaces the old one
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
# allauth's default rate limits stay on (login, failed logins, codes, sign-up, password reset),
# counted in the database cache that every process shares.
# The limits per address count the client's address. Behind the municipality's proxy the connecting address is the
# proxy's, so the proxies in front of the portal are named here: how many of them append to X-Forwarded-For
# (TRUSTED_PROXY_COUNT), or the header one of them sets to the client's address (CLIENT_IP_HEADER, e.g. X-Real-IP).
# Without them, the headers are ignored (anyone can send them). The one definition of a request's client address is
# allauth's adapter: get_adapter().get_client_ip(request).
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
if ALLAUTH_TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT is the number of proxies in front of the portal: 0 or more.")
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = os.environ.get("CLIENT_IP_HEADER", "").strip() or None
MFA_ADAPTER = "accounts.adapter.MFAAdapter"
MFA_FORMS = {"add_webauthn": "accounts.forms.AddPasskeyForm", "edit_webauthn": "accounts.forms.EditPasskeyForm"}
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = os.environ.get("PORTAL_NAME", "Kurskatalogen")
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = not PRODUCTION
USERSESSIONS_TRACK_ACTIVITY = True

# Staff sessions: signed out after 30 idle minutes and at the latest 10 hours after signing in.
STAFF_SESSION_IDLE_SECONDS = int(os.environ.get("STAFF_SESSION_IDLE_SECONDS", str(30 * 60)))
STAFF_SESSION_MAX_SECONDS = int(os.environ.get("STAFF_SESSION_MAX_SECONDS", str(10 * 60 * 60)))
SESSION_COOKIE_AGE = 14 * 24 * 60 * 60
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Language: bokmål first; nynorsk, Danish and English complete too.
LANGUAGE_CODE = "nb"
LANGUAGES = [
    ("nb", _("Norsk bokmål")),
    ("nn", _("Norsk nynorsk")),
    ("da", _("Dansk")),
    ("en", _("English")),
]
# Our own strings, then django-allauth in our words: all of it in nynorsk (allauth ships none), and in the other
# three the texts we word more plainly than allauth. Both win over the apps' own catalogues.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_thirdparty"]
# Date fields are <input type="date"> and "datetime-local", whose value must be ISO 8601 in every language;
# recovery_portal/formats/ puts the ISO formats first where Django's own locale does not (Danish). It also holds the
# portal's own formats (a session's weekday and date) and English dates as written in Britain, for every language.
FORMAT_MODULE_PATH = ["recovery_portal.formats"]
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Background work: the Django Tasks API, stored in PostgreSQL, run by `manage.py run_worker` (base/worker.py).
# Tasks are queued inside the transaction of the change that calls for them (base/tasks.py).
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "email"],
    }
}

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Kurskatalogen <kurs@example.no>")

# Text messages (base/sms.py), chosen like e-mail backends: printed in development, 46elks' HTTP API in production.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "base.sms.FortySixElksBackend" if PRODUCTION else "base.sms.ConsoleBackend")
SMS_SENDER = os.environ.get("SMS_SENDER", "Kurs")  # up to 11 letters and digits, shown as who sent it
SMS_46ELKS_USERNAME = os.environ.get("SMS_46ELKS_USERNAME", "")
SMS_46ELKS_PASSWORD = os.environ.get("SMS_46ELKS_PASSWORD", "")
SMS_46ELKS_URL = os.environ.get("SMS_46ELKS_URL", "https://api.46elks.com/a1/sms")

# A sign-up without an account holds its seat this long, until it is confirmed from the e-mail or text message;
# one client address (a home, a day centre's network) may hold this many seats an hour (enrolment.services.holds).
SEAT_HOLD_MINUTES = int(os.environ.get("SEAT_HOLD_MINUTES", "30"))
SEAT_HOLDS_PER_CLIENT_PER_HOUR = int(os.environ.get("SEAT_HOLDS_PER_CLIENT_PER_HOUR", "30"))

# The public address of the portal, used in calendar files and structured data.
PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
PORTAL_NAME = os.environ.get("PORTAL_NAME", "Kurskatalogen")

# Security. Cookies and HSTS are strict in production; local http keeps working.
SESSION_COOKIE_HTTPONLY = True
# Messages wait in the session, not in a cookie of their own: "Logget inn som <address>" must not travel readable.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Permissions Policy ({feature: allowed origins}): the browser features a page of ours may use. Passkeys (allauth.mfa's
# WebAuthn pages) are the only one in use; the powerful ones it does not use are off, for our pages and anything they
# might embed. Only names Chromium knows: it warns about any other (tests/browser/test_headers.py).
PERMISSIONS_POLICY = {
    "publickey-credentials-create": ("self",),
    "publickey-credentials-get": ("self",),
    **dict.fromkeys(
        [
            "accelerometer",
            "autoplay",
            "browsing-topics",
            "camera",
            "clipboard-read",
            "compute-pressure",
            "digital-credentials-get",
            "display-capture",
            "encrypted-media",
            "fullscreen",
            "gamepad",
            "geolocation",
            "gyroscope",
            "hid",
            "identity-credentials-get",
            "idle-detection",
            "local-fonts",
            "local-network-access",
            "magnetometer",
            "microphone",
            "midi",
            "otp-credentials",
            "payment",
            "picture-in-picture",
            "screen-wake-lock",
            "serial",
            "speaker-selection",
            "storage-access",
            "usb",
            "window-management",
            "xr-spatial-tracking",
        ],
        (),
    ),
}

# Content Security Policy: everything from our own origin, nothing inline but JSON-LD.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

# Logs go to stdout. Request paths carry no personal data (see README, "Privacy").
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Each line carries the id of the request it was written in (the X-Request-ID header, the audit rows'
    # request id), "-" outside a request.
    "filters": {
        "request_id": {"()": "audit.context.RequestIdLogFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "plain",
            "filters": ["request_id"],
        },
    },
    "root": {"handlers": ["stdout"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "pgserver": {"level": "WARNING"},
    },
}
