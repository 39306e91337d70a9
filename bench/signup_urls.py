"""The portal's URLs plus ``/bench/signup-floor/<run_id>/``, which exists only under bench.signup_settings.

The portal's patterns are added as they are rather than with ``include()``, because Django does
not allow ``i18n_patterns`` inside an included URLconf.
"""

from django.urls import path

from bench import signup_views
from recovery_portal import urls as portal_urls

urlpatterns = [
    path("bench/signup-floor/<int:run_id>/", signup_views.floor, name="bench-signup-floor"),
    *portal_urls.urlpatterns,
]
