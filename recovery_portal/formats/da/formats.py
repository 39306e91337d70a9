"""Danish: Django renders a date field's value with the first input format, which for Danish is "25.10.2006".

A browser's <input type="date"> (and "datetime-local") only takes ISO 8601 and shows such a value as an empty
field; the Nu HTML checker calls it an error. ISO comes first here, so every date field is filled in correctly;
Danish dates typed by hand are still understood.
"""

DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # '2006-10-25', what <input type="date"> sends and shows
    "%d.%m.%Y",  # '25.10.2006'
]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",  # '2006-10-25 14:30:59', a valid datetime-local value
    "%Y-%m-%d %H:%M:%S.%f",  # '2006-10-25 14:30:59.000200'
    "%Y-%m-%d %H:%M",  # '2006-10-25 14:30'
    "%d.%m.%Y %H:%M:%S",  # '25.10.2006 14:30:59'
    "%d.%m.%Y %H:%M:%S.%f",  # '25.10.2006 14:30:59.000200'
    "%d.%m.%Y %H:%M",  # '25.10.2006 14:30'
]

# The portal's own formats (see recovery_portal/formats/__init__.py).
DAY_MONTH_FORMAT = "j. F"  # '30. november'
WEEKDAY_DATE_FORMAT = "l j. F"  # 'mandag 30. november'
WEEKDAY_DATETIME_FORMAT = "l j. F H:i"  # 'mandag 30. november 18:00'

SHORT_DAY_MONTH_FORMAT = "j. b"  # '30. nov'
SHORT_WEEKDAY_DATE_FORMAT = "D j. b"  # 'man 30. nov'
