"""The portal's two date formats in English: a date, and a date with its time (24-hour).

Non-breaking spaces keep a date on one line; the same two formats serve the
Django and Jinja2 templates, emails and messages (Django's "N j, Y, P" gave
"Dec. 26, 2026, 12:01 p.m." and a sentence ending "p.m..").
"""

DATE_FORMAT = SHORT_DATE_FORMAT = "j\u00a0M\u00a0Y"
DATETIME_FORMAT = SHORT_DATETIME_FORMAT = "j\u00a0M\u00a0Y,\u00a0H:i"
TIME_FORMAT = "H:i"
