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
from django.utils.translation import get_language

# Django date format characters written from the value's fields, as Django writes them:
# as fields of a str.format() template (``y``: the year's last two digits, ``M``: the
# month's abbreviation, passed by name).
_FIELDS = {
    "d": "{0.day:02d}",
    "j": "{0.day}",
    "m": "{0.month:02d}",
    "n": "{0.month}",
    "Y": "{0.year:04d}",
    "y": "{y:02d}",
    "H": "{0.hour:02d}",
    "G": "{0.hour}",
    "i": "{0.minute:02d}",
    "s": "{0.second:02d}",
    "M": "{M}",
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


def _format_template(pattern: str) -> str | None:
    """``pattern`` (Django's date format syntax) as a str.format() template of the value's
    fields (see _FIELDS), or None when it has more than those."""
    out = []
    for char in pattern:
        if char in _FIELDS:
            out.append(_FIELDS[char])
        elif re.match(r"[A-Za-z\\]", char):
            return None
        else:
            out.append(char.replace("{", "{{").replace("}", "}}"))
    return "".join(out)


# The months' abbreviations by language: a process's catalogues do not change while it runs.
_MONTHS: dict[str | None, dict[int, str]] = {}


def _month_abbreviations() -> dict[int, str]:
    """The months' abbreviations in the active language (``M``), translated once per process
    and language, not for each table written (a dozen lazy translations each time)."""
    from django.utils.dates import MONTHS_3

    language = get_language()
    months = _MONTHS.get(language)
    if months is None:
        months = _MONTHS[language] = {n: str(name).title() for n, name in MONTHS_3.items()}
    return months


def date_formatter(format_name: str) -> Callable[[date | datetime | None], str]:
    """Format values (dates, or times in the current time zone) with ``format_name``.

    ``format_name``: a format setting of the active language (``SHORT_DATE_FORMAT``)
    or a format itself (``Y-m-d``), as the template filter ``date`` takes. The
    same text as that filter; the format is looked up once, and a format of
    the value's fields and month names (``j M Y``, ``Y/m/d H:i``) is written
    from them rather than by Django's general formatter.
    """
    pattern = get_format(format_name)
    template = _format_template(pattern)
    zone = timezone.get_current_timezone()
    months = _month_abbreviations() if "{M}" in (template or "") else {}

    def formatted(value: date | datetime | None) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime) and timezone.is_aware(value):
            value = value.astimezone(zone)
        if template is None:
            return format_date(value, pattern)
        return template.format(value, y=value.year % 100, M=months.get(value.month, ""))

    return formatted
