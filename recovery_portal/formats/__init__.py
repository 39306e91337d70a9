"""Locale formats (FORMAT_MODULE_PATH): what differs from Django's own locale files, and the portal's own formats.

The portal's own formats are named like Django's and used the same way, `{{ value|date:"WEEKDAY_DATE_FORMAT" }}`:

- DAY_MONTH_FORMAT: a day of this year, "30. november" / "30 November".
- WEEKDAY_DATE_FORMAT: a session's day, "mandag 30. november" / "Monday 30 November".
- WEEKDAY_DATETIME_FORMAT: the same with the time it starts, "mandag 30. november 18:00".
- SHORT_DAY_MONTH_FORMAT and SHORT_WEEKDAY_DATE_FORMAT: for buttons and tables, "30. nov" / "man 30. nov".

Django looks such a name up in the current language's module only, and where none defines it prints the name
itself as a format (a string of letters and dates), so every language in settings.LANGUAGES defines them
(tests/test_formats.py checks).
"""
