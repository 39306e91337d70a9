import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STRONG_KEY = "k" * 20 + "-a-long-random-looking-secret-for-tests-only-1234567890"


def load_settings(**env):
    base = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, "-c", "import recovery_portal.settings as s; print(s.SESSION_COOKIE_NAME, s.DEBUG)"],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = load_settings(DJANGO_ENV="production", DATABASE_URL="postgresql://db.example.no/kurs")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_the_development_key():
    result = load_settings(
        DJANGO_ENV="production",
        DATABASE_URL="postgresql://db.example.no/kurs",
        DJANGO_SECRET_KEY="django-insecure-" + "x" * 60,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_a_database_url():
    result = load_settings(DJANGO_ENV="production", DJANGO_SECRET_KEY=STRONG_KEY)
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


def test_production_uses_host_prefixed_secure_cookies_and_no_debug():
    result = load_settings(
        DJANGO_ENV="production", DJANGO_SECRET_KEY=STRONG_KEY, DATABASE_URL="postgresql://db.example.no/kurs"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["__Host-sessionid", "False"]


def trusted_proxy_settings(**env):
    base = {key: value for key, value in os.environ.items() if key not in ("TRUSTED_PROXY_COUNT", "CLIENT_IP_HEADER")}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import recovery_portal.settings as s; "
            "print(s.ALLAUTH_TRUSTED_PROXY_COUNT, s.ALLAUTH_TRUSTED_CLIENT_IP_HEADER)",
        ],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_no_proxy_is_trusted_unless_configured():
    result = trusted_proxy_settings()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0", "None"]


def test_the_trusted_proxy_comes_from_the_environment():
    result = trusted_proxy_settings(TRUSTED_PROXY_COUNT="1", CLIENT_IP_HEADER="X-Real-IP")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1", "X-Real-IP"]


def test_a_negative_proxy_count_is_refused():
    result = trusted_proxy_settings(TRUSTED_PROXY_COUNT="-1")
    assert result.returncode != 0
    assert "TRUSTED_PROXY_COUNT" in result.stderr
