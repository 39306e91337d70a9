"""The portal's own date formats (recovery_portal/formats/) exist in every language it speaks."""

import pytest
from django.conf import settings
from django.utils.formats import get_format

PORTAL_FORMATS = ["WEEKDAY_DATE_FORMAT", "WEEKDAY_DATETIME_FORMAT"]


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
@pytest.mark.parametrize("name", PORTAL_FORMATS)
def test_every_language_defines_the_portals_own_date_formats(language, name):
    """Where no module defines a format's name, Django uses the name itself as the format, and a page shows a
    jumble of weekday letters and numbers instead of a date."""
    assert get_format(name, lang=language) != name
