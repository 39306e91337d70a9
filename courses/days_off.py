"""The days nobody is expected at a course: a country's public holidays, and Christmas Eve and New Year's Eve.

The public holidays come from the ``holidays`` package (the law's list, Easter and Store Bededag included).
Christmas Eve and New Year's Eve are on neither Norway's nor Denmark's list of public holidays (Denmark's
package lists them only as "optional"), but shops and services close early, most people are off from midday,
and nobody comes to a course then, so the portal treats them as days off in both countries. Sundays, which
Norway's law also counts as holy days, are not days off here: some groups meet on Sundays on purpose."""

import datetime as dt
from collections.abc import Iterable

import holidays
from django.utils.translation import get_language
from django.utils.translation import gettext as _

# The portal's languages as the package names them; the package has no nynorsk, so nynorsk gets bokmål.
_PACKAGE_LANGUAGES = {"nb": "no", "nn": "no", "da": "da", "en": "en_US"}


def _eves() -> dict[tuple[int, int], str]:
    return {(12, 24): _("Julaften"), (12, 31): _("Nyttårsaften")}


def days_off(country: str, years: Iterable[int]) -> dict[dt.date, str]:
    """Every day off in ``country`` ("NO" or "DK") in the given years, with its name in the active language (the
    country's own language where the package has no translation)."""
    years = sorted(set(years))
    kind = holidays.country_holidays(country).__class__
    language = _PACKAGE_LANGUAGES.get((get_language() or "").split("-")[0])
    if language not in kind.supported_languages:
        language = kind.default_language
    found = dict(holidays.country_holidays(country, years=years, language=language, categories=(holidays.PUBLIC,)))
    for year in years:
        for (month, day), name in _eves().items():
            found.setdefault(dt.date(year, month, day), name)
    return found
