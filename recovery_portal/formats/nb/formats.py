"""Norwegian bokmål: the portal's own formats (see recovery_portal/formats/__init__.py)."""

DAY_MONTH_FORMAT = "j. F"  # '30. november'
WEEKDAY_DATE_FORMAT = "l j. F"  # 'mandag 30. november'
WEEKDAY_DATETIME_FORMAT = "l j. F H:i"  # 'mandag 30. november 18:00'
SHORT_DAY_MONTH_FORMAT = "j. b"  # '30. nov'
SHORT_WEEKDAY_DATE_FORMAT = "D j. b"  # 'man 30. nov'
