"""The long tables: their fragments rendered with Jinja2 (see portal/jinja2.py), and dates.

A table's headings and rows are one template under ``jinja2/``; the page
around it stays a Django template that shows the fragment as ``{{ table }}``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from django.template import engines
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe

# Django date format characters that strftime writes the same way.
_STRFTIME = {"d": "%d", "m": "%m", "Y": "%Y", "y": "%y", "H": "%H", "i": "%M", "s": "%S"}


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
    same text as that filter; the format is looked up once, and a format of
    numbers only (``m/d/Y``, ``Y/m/d``) goes through strftime rather than
    Django's general formatter.
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
