"""The tables' Jinja2 fragments write dates as the template filter does, escape every value,
and build row URLs as reverse() does."""

import uuid
from datetime import UTC, date, datetime
from html import unescape

import pytest
from django.template import Context, Template, engines
from django.urls import reverse
from django.utils import timezone, translation

from portal import tables
from portal.jinja2 import url_builder

WHEN = datetime(2026, 3, 4, 23, 30, 5, tzinfo=UTC)


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize(
    "format_name",
    [
        "SHORT_DATE_FORMAT",
        "DATETIME_FORMAT",
        "DATE_FORMAT",
        "Y-m-d",
        "j M Y, G:i:s",
        "j N Y",
        "n/j/y",
    ],
)
@pytest.mark.parametrize("zone", ["UTC", "Asia/Tokyo", "America/New_York"])
def test_dates_read_as_the_date_filter_writes_them(language, format_name, zone):
    template = Template("{{ value|date:format_name }}")
    fragment = engines["jinja2"].from_string("{{ value|date(format_name) }}")
    with translation.override(language), timezone.override(zone):
        context = {"value": WHEN, "format_name": format_name}
        expected = template.render(Context(context))
        assert tables.date_formatter(format_name)(WHEN) == expected
        assert tables.date_formatter(format_name)(None) == ""
        assert fragment.render(context) == expected


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("format_name", ["DATE_FORMAT", "SHORT_DATE_FORMAT", "j N Y", "D j M"])
def test_a_date_without_a_time_reads_as_the_date_filter_writes_it(language, format_name):
    day = date(2026, 3, 4)  # a term's last day (subscriptions.terms.term_last_date)
    with translation.override(language):
        expected = Template("{{ value|date:format_name }}").render(
            Context({"value": day, "format_name": format_name})
        )
        assert tables.date_formatter(format_name)(day) == expected


def test_fragments_escape_every_value():
    value = """<script>alert("x")</script> & 'quoted'"""
    html = engines["jinja2"].from_string("<td>{{ value }}</td>").render({"value": value})
    assert "<script>" not in html and '"x"' not in html and "'quoted'" not in html
    assert unescape(html) == f"<td>{value}</td>"


def test_fragments_speak_the_users_language():
    fragment = engines["jinja2"].from_string('{{ _("Customers") }}')
    with translation.override("ja"):
        assert fragment.render({}) == "顧客"


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("customers:customer_detail", {"customer_id": uuid.uuid4()}),
        ("customers:customer_row", {"customer_id": uuid.uuid4()}),
        ("subscriptions:subscription_detail", {"subscription_id": uuid.uuid4()}),
        ("partners:agreement_reminder", {"partnership_id": uuid.uuid4()}),
        ("partners:partnership_remove", {"partnership_id": uuid.uuid4()}),
    ],
)
def test_row_urls_are_the_urls_reverse_gives(name, kwargs):
    assert url_builder(name)(**kwargs) == reverse(name, kwargs=kwargs)


def test_nothing_is_marked_safe_but_the_template_engines_output():
    from pathlib import Path

    from django.conf import settings

    root = Path(settings.BASE_DIR)
    marked = [
        str(path.relative_to(root))
        for apps_py in root.glob("*/apps.py")
        for path in apps_py.parent.rglob("*.py")
        if "mark_safe(" in path.read_text(encoding="utf-8")
        or "format_html(" in path.read_text(encoding="utf-8")
    ]
    assert marked == ["portal/tables.py"]


def test_it_writes_the_months_abbreviations_in_each_language_after_the_other():
    from django.utils.dateformat import format as format_date

    written = {}
    for language in ("en", "ja", "en", "ja"):
        with translation.override(language):
            text = tables.date_formatter("j M Y")(date(2026, 11, 5))
            assert written.setdefault(language, text) == text
            assert text == format_date(date(2026, 11, 5), "j M Y")
    assert written["en"] == "5 Nov 2026" and written["ja"] != written["en"]
