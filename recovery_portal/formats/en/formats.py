"""English: the portal's own formats (see recovery_portal/formats/__init__.py), and dates written as in Britain.

Django's "en" is American ("Nov. 30, 2026, 6 p.m."), which reads oddly next to a Norwegian 24-hour timetable
and ends a sentence with "p.m.."; English readers here get the day before the month and the 24-hour clock.
"""

DATE_FORMAT = "j F Y"  # '30 November 2026'
DATETIME_FORMAT = "j F Y H:i"  # '30 November 2026 18:00'
DAY_MONTH_FORMAT = "j F"  # '30 November'
WEEKDAY_DATE_FORMAT = "l j F"  # 'Monday 30 November'
WEEKDAY_DATETIME_FORMAT = "l j F H:i"  # 'Monday 30 November 18:00'
SHORT_DAY_MONTH_FORMAT = "j M"  # '30 Nov'
SHORT_WEEKDAY_DATE_FORMAT = "D j M"  # 'Mon 30 Nov'
