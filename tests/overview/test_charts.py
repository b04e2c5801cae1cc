"""The chart geometry and the SVG the template draws from it."""

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from overview import charts

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize(
    ("value", "ceiling"),
    [(0, 1), (0.75, 1), (1, 1), (3, 5), (4, 5), (11, 20), (21, 25), (240, 250), (2600, 5000)],
)
def test_nice_ceiling_rounds_up_to_a_round_number(value, ceiling):
    assert charts.nice_ceiling(value) == ceiling


def _bars(items):
    return charts.horizontal_bars(
        key="top",
        title="Top",
        description="The top ones.",
        label_header="Name",
        value_header="Count",
        items=items,
        fmt=str,
        name=lambda label, value: f"{label}: {value}",
    )


def test_horizontal_bars_are_as_long_as_their_values_and_link_each():
    chart = _bars([("A", 100, "/a"), ("B", 50, "/b"), ("C", 0, "/c")])
    a, b, c = chart.bars
    assert b.width == pytest.approx(a.width / 2, abs=0.1)
    assert c.width == 1  # an empty bar stays a visible, clickable sliver
    assert [bar.href for bar in chart.bars] == ["/a", "/b", "/c"]
    assert [bar.name for bar in chart.bars] == ["A: 100", "B: 50", "C: 0"]
    assert chart.rows == [["A", "100"], ["B", "50"], ["C", "0"]]
    assert a.y < b.y < c.y


def test_a_long_label_is_clipped_on_the_axis_but_whole_in_the_table_and_name():
    name = "Microsoft 365 Business Premium and more"
    chart = _bars([(name, 3, "/x")])
    assert chart.labels[0].text.endswith("…") and len(chart.labels[0].text) == 26
    assert chart.rows[0][0] == name and chart.bars[0].name.startswith(name)


def test_grouped_columns_have_a_bar_per_series_and_period_with_round_ticks():
    chart = charts.grouped_columns(
        key="months",
        title="Months",
        description="Per month.",
        period_header="Month",
        periods=["January 2026", "February 2026"],
        axis_labels=[("Jan", "2026"), ("Feb", "")],
        series=[("New", [3, 1], ["/n", "/n"]), ("Removed", [0, 2], ["/r", "/r"])],
        fmt=str,
        name=lambda series, period, value: f"{series}, {period}: {value}",
    )
    assert len(chart.bars) == 4
    assert [label.text for _, _, _, label in chart.gridlines] == ["0", "1", "2", "3", "4"]
    assert [t.text for t in chart.labels] == ["Jan", "2026", "Feb"]
    assert chart.bars[0].name == "New, January 2026: 3"
    assert {bar.pattern for bar in chart.bars} == {"solid", "hatch"}
    assert chart.rows == [["January 2026", "3", "0"], ["February 2026", "1", "2"]]
    baseline = chart.bars[0].y + chart.bars[0].height
    assert all(bar.y + bar.height == pytest.approx(baseline) for bar in chart.bars)


def test_money_columns_take_decimals():
    chart = charts.grouped_columns(
        key="money",
        title="Money",
        description="Money.",
        period_header="Month",
        periods=["M1"],
        series=[("Charges", [Decimal("1234.56")], ["/s"])],
        fmt=str,
        name=lambda *a: "x",
    )
    assert chart.csv_rows == [["M1", Decimal("1234.56")]]


def test_the_template_draws_named_svg_with_focusable_links_and_no_inline_style():
    chart = _bars([("A <b>", 2, "/a?x=1&y=2"), ("B", 1, "/b")])
    with translation.override("en"):  # whatever language an earlier test left active
        html = render_to_string("overview/_chart.html", {"chart": chart})
    start, end = html.index("<svg"), html.index("</svg>") + len("</svg>")
    svg = ET.fromstring(
        html[start:end].replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
    )
    assert svg.get("role") == "group"
    assert svg.get("aria-labelledby") == "top-title"
    assert svg.find(f"{SVG}title").text == "Top"
    assert svg.find(f"{SVG}desc").text == "The top ones."
    links = svg.findall(f"{SVG}a")
    assert [a.get("href") for a in links] == ["/a?x=1&y=2", "/b"]
    assert links[0].get("aria-label") == "A <b>: 2"  # escaped in the markup, parsed back here
    assert "style=" not in html
    assert "<summary>Show as table</summary>" in html
    assert "/overview/chart.csv?chart=top" in html


def test_an_empty_chart_says_so_instead_of_drawing():
    chart = _bars([])
    html = render_to_string("overview/_chart.html", {"chart": chart})
    assert "<svg" not in html and "The top ones." in html
