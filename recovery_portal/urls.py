from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from recovery_portal import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]

urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("personvern/", views.privacy, name="privacy"),
    path("tilgjengelighet/", views.accessibility, name="accessibility"),
    path("", include("courses.urls")),
    prefix_default_language=False,
)
