"""The portal's own date formats (recovery_portal/formats/) exist in every language it speaks."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.formats import date_format, get_format

PORTAL_FORMATS = [
    *("DAY_MONTH_FORMAT", "WEEKDAY_DATE_FORMAT", "WEEKDAY_DATETIME_FORMAT"),
    *("SHORT_DAY_MONTH_FORMAT", "SHORT_WEEKDAY_DATE_FORMAT"),
]


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
@pytest.mark.parametrize("name", PORTAL_FORMATS)
def test_every_language_defines_the_portals_own_date_formats(language, name):
    """Where no module defines a format's name, Django uses the name itself as the format, and a page shows a
    jumble of weekday letters and numbers instead of a date."""
    assert get_format(name, lang=language) != name


@pytest.mark.parametrize(
    ("language", "written"),
    [("nb", "30. november"), ("nn", "30. november"), ("da", "30. november"), ("en", "30 November")],
)
def test_a_day_and_month_read_as_the_reader_writes_them(language, written):
    with translation.override(language):
        assert date_format(dt.date(2026, 11, 30), "DAY_MONTH_FORMAT") == written


@pytest.mark.parametrize(
    ("language", "written"),
    [("nb", "man 30. nov"), ("nn", "man 30. nov"), ("da", "man 30. nov"), ("en", "Mon 30 Nov")],
)
def test_a_short_weekday_and_date_for_buttons_and_tables(language, written):
    with translation.override(language):
        assert date_format(dt.date(2026, 11, 30), "SHORT_WEEKDAY_DATE_FORMAT") == written
