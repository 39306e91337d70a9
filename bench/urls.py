"""The portal's URLs plus ``/bench/floor``, which exists only under bench.settings.

The portal's patterns are added as they are rather than with ``include()``, because Django
does not allow ``i18n_patterns`` inside an included URLconf.
"""

from django.urls import path

from bench import views
from recovery_portal import urls as portal_urls

urlpatterns = [
    path("bench/floor", views.floor, name="bench-floor"),
    *portal_urls.urlpatterns,
]
