"""The Jinja2 environment of the long tables' fragments (templates under ``jinja2/``).

A list page shows 50 rows; through Django's template language each row costs
tens of microseconds per variable, and the rows were most of a page's time at
distributor scale. Jinja2 compiles a template to Python, so a row costs a few
microseconds, with escaping by design: autoescape is on, translations come
from Django's catalogues (the i18n extension: ``{% trans %}``, ``_()``), dates
go through the ``date`` filter (``portal.tables.date_formatter``, the text of
Django's ``date`` filter), URLs through ``url()`` or, in a row loop,
``url_builder()``. A fragment holds a table's headings and its rows together,
so their columns cannot drift; the page around it stays a Django template.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import quote

from django.urls import get_resolver, get_script_prefix, reverse
from django.utils import translation

from jinja2 import Environment, pass_eval_context
from portal.tables import date_formatter

# What reverse() leaves unquoted in a path (django.urls.resolvers), and values that need none.
_SAFE = "!$&'()*+,;=/~:@"
_PLAIN = re.compile(r"[A-Za-z0-9_.-]*")


def environment(**options) -> Environment:
    env = Environment(**options)  # noqa: S701 (autoescape is on in settings.TEMPLATES)
    env.install_gettext_callables(
        gettext=translation.gettext,
        ngettext=translation.ngettext,
        newstyle=True,
        pgettext=translation.pgettext,
        npgettext=translation.npgettext,
    )
    env.filters["date"] = format_date
    env.globals["url"] = url
    env.globals["url_builder"] = url_builder
    return env


def url(viewname: str, *args, **kwargs) -> str:
    """``reverse(viewname, args=args, kwargs=kwargs)``, as ``{% url %}`` gives it."""
    return reverse(viewname, args=args or None, kwargs=kwargs or None)


@pass_eval_context
def format_date(eval_ctx, value, format_name: str = "DATE_FORMAT") -> str:
    """The ``date`` filter: ``value`` in the current time zone and language's ``format_name``.

    The formatter is made once per format and rendering (a table's 50 rows), not per value.
    """
    formatters = eval_ctx.__dict__.setdefault("date_formatters", {})
    formatter = formatters.get(format_name)
    if formatter is None:
        formatter = formatters[format_name] = date_formatter(format_name)
    return formatter(value)


def url_builder(viewname: str) -> Callable[..., str]:
    """A function giving ``viewname``'s URL for its keyword arguments, as reverse() does.

    For the rows of a long table: reverse() matches the URL's pattern again on
    every call (25–40 µs; three links on 50 rows are 5 ms of a 10 ms page),
    this fills in the format string that Django's resolver keeps for the URL
    (tests/portal/test_jinja2.py checks both give the same URL).
    """
    resolver, prefix = get_resolver(), get_script_prefix()
    *namespaces, name = viewname.split(":")
    for namespace in namespaces:
        extra, resolver = resolver.namespace_dict[namespace]
        prefix += extra
    possibilities, _pattern, _defaults, converters = resolver.reverse_dict.getlist(name)[0]
    template, params = possibilities[0]
    to_url = {param: converters[param].to_url for param in params if param in converters}
    template = prefix + template

    def build(**kwargs) -> str:
        values = {}
        for param, value in kwargs.items():
            text = to_url[param](value) if param in to_url else str(value)
            values[param] = text if _PLAIN.fullmatch(text) else quote(text, safe=_SAFE)
        return template % values

    return build
