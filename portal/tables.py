"""The long tables: their fragments rendered with Jinja2 (see portal/jinja2.py), and dates.

A table's headings and rows are one template under ``jinja2/``; the page
around it stays a Django template that shows the fragment as ``{{ table }}``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime

from django.template import engines
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe

# Django date format characters written from the value's fields, as Django writes them.
_FIELDS = {
    "d": lambda v: f"{v.day:02d}",
    "j": lambda v: str(v.day),
    "m": lambda v: f"{v.month:02d}",
    "n": lambda v: str(v.month),
    "Y": lambda v: f"{v.year:04d}",
    "y": lambda v: f"{v.year % 100:02d}",
    "H": lambda v: f"{v.hour:02d}",
    "G": lambda v: str(v.hour),
    "i": lambda v: f"{v.minute:02d}",
    "s": lambda v: f"{v.second:02d}",
}


def render_fragment(request, template_name: str, context: dict) -> SafeString:
    """The Jinja2 fragment ``template_name`` (autoescaped), to show in a Django template."""
    return engine_output(engines["jinja2"].get_template(template_name).render(context, request))


def fragment_macro(template_name: str, name: str):
    """The macro ``name`` of a Jinja2 fragment, to call once per item (its output is Markup)."""
    return getattr(engines["jinja2"].env.get_template(template_name).module, name)


def engine_output(html: str) -> SafeString:
    """Jinja2's output (or a join of it), marked safe for Django's templates.

    Only for text the Jinja2 engine wrote: every value in it was escaped by its autoescape.
    """
    return mark_safe(html)  # noqa: S308


def _field_writers(pattern: str) -> list | None:
    """``pattern`` (Django's date format syntax) as a list of writers, or None when it has more.

    A writer is a literal string or a function of the value. ``M`` (the month's
    abbreviation) is looked up once in the active language.
    """
    from django.utils.dates import MONTHS_3

    out = []
    for char in pattern:
        if char in _FIELDS:
            out.append(_FIELDS[char])
        elif char == "M":
            months = {n: str(name).title() for n, name in MONTHS_3.items()}
            out.append(lambda v, months=months: months[v.month])
        elif re.match(r"[A-Za-z\\]", char):
            return None
        else:
            out.append(char)
    return out


def date_formatter(format_name: str) -> Callable[[date | None], str]:
    """Format values (a datetime in the current time zone, or a date) with ``format_name``.

    ``format_name``: a format setting of the active language (``SHORT_DATE_FORMAT``)
    or a format itself (``Y-m-d``), as the template filter ``date`` takes. The
    same text as that filter; the format is looked up once, and a format of
    the value's fields and month names (``j M Y``, ``Y/m/d H:i``) is written
    from them rather than by Django's general formatter.
    """
    pattern = get_format(format_name)
    writers = _field_writers(pattern)
    zone = timezone.get_current_timezone()

    def formatted(value: datetime | None) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime) and timezone.is_aware(value):
            value = value.astimezone(zone)
        if writers is None:
            return format_date(value, pattern)
        return "".join(w if isinstance(w, str) else w(value) for w in writers)

    return formatted
