"""Rows of the long list tables, built in Python.

A list page shows 50 rows; through the template language each row costs tens
of microseconds per variable (a lookup, a filter, escaping, localisation), and
the rows were most of a page's time at distributor scale. The rows' markup is
built here instead, as Django's admin builds its changelist rows: every value
escaped with ``escape``, the page's fixed strings (labels, URL prefixes)
worked out once per table, not once per row. The table around the rows, its
headings and pagination stay in the templates.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime
from html import escape as _escape

from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from portal.audit import verb_label
from portal.selectors import change_summary

# Django date format characters that strftime writes the same way.
_STRFTIME = {"d": "%d", "m": "%m", "Y": "%Y", "y": "%y", "H": "%H", "i": "%M", "s": "%S"}


def escape(value) -> str:
    """``value`` as HTML text: &, <, >, " and ' escaped (what Django's escape does)."""
    return _escape(str(value), quote=True)


def _strftime_pattern(pattern: str) -> str | None:
    """``pattern`` (Django's date format syntax) for strftime, or None when it has more."""
    out = []
    for char in pattern:
        if char in _STRFTIME:
            out.append(_STRFTIME[char])
        elif re.match(r"[A-Za-z\\]", char):
            return None
        else:
            out.append(char.replace("%", "%%"))
    return "".join(out)


def date_formatter(format_name: str) -> Callable[[datetime | None], str]:
    """Format values in the current time zone with ``format_name``.

    ``format_name``: a format setting of the active language (``SHORT_DATE_FORMAT``)
    or a format itself (``Y-m-d``), as the template filter ``date`` takes. The
    same text as that filter; the format is
    looked up once per table, and a format of numbers only (``m/d/Y``,
    ``Y/m/d``) goes through strftime rather than Django's general formatter.
    """
    pattern = get_format(format_name)
    simple = _strftime_pattern(pattern)
    zone = timezone.get_current_timezone()

    def formatted(value: datetime | None) -> str:
        if value is None:
            return ""
        if timezone.is_aware(value):
            value = value.astimezone(zone)
        return value.strftime(simple) if simple is not None else format_date(value, pattern)

    return formatted


def join_rows(rows: Iterable[str]) -> SafeString:
    # Every row is built by the tables modules, each value through escape().
    return mark_safe("".join(rows))


def activity_rows(rows) -> SafeString:
    """One ``<tr>`` per activity event (rows from portal.selectors.activity_rows)."""
    when = date_formatter("Y-m-d H:i:s")
    system = escape(_("System"))
    html = []
    for row in rows:
        actor = f"{row['actor_first_name'] or ''} {row['actor_last_name'] or ''}".strip()
        actor = escape(actor or row["actor_email"]) if row["actor_email"] else system
        subject = escape(row["object_type"])
        if row["object_repr"]:
            subject += f": {escape(row['object_repr'])}"
        html.append(
            f"<tr><td>{when(row['created_at'])}</td><td>{actor}</td>"
            f"<td>{escape(verb_label(row['verb']))}</td><td>{subject}</td>"
            f'<td><code class="change">{escape(change_summary(row["before"], row["after"]))}'
            "</code></td></tr>"
        )
    return join_rows(html)
