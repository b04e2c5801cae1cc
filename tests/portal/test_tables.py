"""The Python-built table rows write dates as the template filter does, and escape every value."""

from datetime import UTC, datetime

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from portal import tables

WHEN = datetime(2026, 3, 4, 23, 30, 5, tzinfo=UTC)


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize(
    "format_name",
    ["SHORT_DATE_FORMAT", "SHORT_DATETIME_FORMAT", "DATE_FORMAT", "Y-m-d", "Y-m-d H:i:s", "j N Y"],
)
@pytest.mark.parametrize("zone", ["UTC", "Asia/Tokyo", "America/New_York"])
def test_dates_read_as_the_date_filter_writes_them(language, format_name, zone):
    template = Template("{{ value|date:format_name }}")
    with translation.override(language), timezone.override(zone):
        expected = template.render(Context({"value": WHEN, "format_name": format_name}))
        assert tables.date_formatter(format_name)(WHEN) == expected
        assert tables.date_formatter(format_name)(None) == ""


def test_values_are_escaped_like_the_template_escapes_them():
    value = """<script>alert("x")</script> & 'quoted'"""
    assert tables.escape(value) == Template("{{ value }}").render(Context({"value": value}))
    assert tables.escape(42) == "42"
