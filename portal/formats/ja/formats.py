"""The portal's two date formats in Japanese: a date, and a date with its time.

A non-breaking space keeps the date and its time on one line.
"""

DATE_FORMAT = SHORT_DATE_FORMAT = "Y/m/d"
DATETIME_FORMAT = SHORT_DATETIME_FORMAT = "Y/m/d\u00a0H:i"
TIME_FORMAT = "H:i"
