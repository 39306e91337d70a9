from allauth.account.decorators import secure_admin_login
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from recovery_portal import views

# The Django admin login gets allauth's rate limits too.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]

urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("personvern/", views.privacy, name="privacy"),
    path("tilgjengelighet/", views.accessibility, name="accessibility"),
    path("", include("catalogue.urls")),
    path("", include("accounts.urls")),
    path("", include("mypage.urls")),
    path("", include("administration.urls")),
    path("", include("enrolment.urls")),
    path("", include("referrals.urls")),
    path("konto/", include("allauth.urls")),
    prefix_default_language=False,
)
