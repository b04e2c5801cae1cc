"""Server-drawn bar charts: the geometry of each bar, axis and legend, drawn by a template.

No charting library and no script: the SVG is markup the page carries, within
the Content Security Policy (presentation attributes and classes, no inline
style). Each bar is a link to the list it summarises, with an accessible name
that says what it shows; the chart's <title> and <desc> name and summarise it,
and the same numbers are a table (and a CSV file) next to it.

Colours are the Okabe–Ito palette (told apart with the common colour-vision
deficiencies); each series also has its own fill pattern and the legend's
words, so a grey print still tells them apart.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

# (css class, pattern id) per series; the template defines the patterns.
SERIES_STYLES = (
    ("series-a", "solid"),
    ("series-b", "hatch"),
    ("series-c", "dots"),
)


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k that is at least ``value`` (1 for nothing)."""
    if value <= 0:
        return 1
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        candidate = step * 10**exponent
        if candidate >= value:
            return candidate
    return 10 ** (exponent + 1)  # pragma: no cover - the loop ends at 10


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    name: str  # the accessible name: what the bar is and its value
    href: str
    css: str
    pattern: str


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "start"


@dataclass
class Chart:
    key: str
    title: str
    description: str
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)
    labels: list[Text] = field(default_factory=list)
    values: list[Text] = field(default_factory=list)
    gridlines: list[tuple[float, float, float, Text]] = field(default_factory=list)
    legend: list[tuple[Text, str, str, float, float]] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    # The rows as the CSV file holds them: plain numbers, not formatted ones.
    csv_rows: list[list] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.rows


def horizontal_bars(
    *,
    key: str,
    title: str,
    description: str,
    label_header: str,
    value_header: str,
    items: Sequence[tuple[str, float | int | Decimal, str]],
    fmt: Callable,
    name: Callable[[str, str], str],
    width: int = 640,
    label_width: int = 220,
    row_height: int = 30,
) -> Chart:
    """One bar per item (label, value, link), longest first as given; a top-N list."""
    top = 8
    chart = Chart(key, title, description, width, top + row_height * max(len(items), 1) + 8)
    chart.headers = [label_header, value_header]
    plot = width - label_width - 80
    ceiling = nice_ceiling(max((float(v) for _, v, _ in items), default=0))
    for i, (label, value, href) in enumerate(items):
        y = top + i * row_height
        length = plot * float(value) / ceiling
        shown = fmt(value)
        chart.bars.append(
            Bar(
                x=label_width,
                y=y + 5,
                width=round(max(length, 1), 1),
                height=row_height - 10,
                name=name(label, shown),
                href=href,
                css=SERIES_STYLES[0][0],
                pattern=SERIES_STYLES[0][1],
            )
        )
        chart.labels.append(Text(label_width - 8, y + row_height / 2 + 5, _clip(label), "end"))
        chart.values.append(Text(label_width + length + 6, y + row_height / 2 + 5, shown))
        chart.rows.append([label, shown])
        chart.csv_rows.append([label, value])
    return chart


def grouped_columns(
    *,
    key: str,
    title: str,
    description: str,
    period_header: str,
    periods: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | int | Decimal], Sequence[str]]],
    fmt: Callable,
    name: Callable[[str, str, str], str],
    csv_periods: Sequence[str] | None = None,
    axis_labels: Sequence[tuple[str, str]] | None = None,
    axis_fmt: Callable | None = None,
    width: int = 720,
    height: int = 300,
) -> Chart:
    """Columns per period, one per series (name, values, links), with a legend above.

    ``periods`` name the periods in full (the table, the bars' names); ``axis_labels``
    are the axis's short two-line labels (e.g. the month, and the year where it changes).
    """
    left, right, top, bottom = 84, 12, 40, 44
    chart = Chart(key, title, description, width, height)
    chart.headers = [period_header, *[s[0] for s in series]]
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [float(v) for _, vals, _ in series for v in vals]
    # Four round steps; a count's step is a whole number.
    tick = max(nice_ceiling(max(values, default=0) / 4), 1)
    tick = int(tick) if tick == int(tick) else tick
    ceiling = tick * 4
    for step in range(5):
        y = top + plot_h - plot_h * step / 4
        label = Text(left - 6, y + 4, (axis_fmt or fmt)(tick * step), "end")
        chart.gridlines.append((left, width - right, round(y, 1), label))
    slot = plot_w / max(len(periods), 1)
    bar_w = min(slot * 0.8 / max(len(series), 1), 28)
    for s, (series_name, vals, hrefs) in enumerate(series):
        css, pattern = SERIES_STYLES[s % len(SERIES_STYLES)]
        legend_x = left + s * 170
        chart.legend.append((Text(legend_x + 20, 20, series_name), css, pattern, legend_x, 9))
        for p, (value, href) in enumerate(zip(vals, hrefs, strict=True)):
            h = plot_h * float(value) / ceiling
            x = left + p * slot + (slot - bar_w * len(series)) / 2 + s * bar_w
            chart.bars.append(
                Bar(
                    x=round(x, 1),
                    y=round(top + plot_h - max(h, 1), 1),
                    width=round(bar_w - 1, 1),
                    height=round(max(h, 1), 1),
                    name=name(series_name, periods[p], fmt(value)),
                    href=href,
                    css=css,
                    pattern=pattern,
                )
            )
    for p, period in enumerate(periods):
        x = round(left + p * slot + slot / 2, 1)
        first, second = axis_labels[p] if axis_labels else (period, "")
        chart.labels.append(Text(x, height - bottom + 16, first, "middle"))
        if second:
            chart.labels.append(Text(x, height - bottom + 31, second, "middle"))
        chart.rows.append([period, *[fmt(vals[p]) for _, vals, _ in series]])
        chart.csv_rows.append([(csv_periods or periods)[p], *[vals[p] for _, vals, _ in series]])
    return chart


def _clip(label: str, limit: int = 26) -> str:
    """A label short enough for the chart's margin (the table and the bar's name hold it whole)."""
    return label if len(label) <= limit else label[: limit - 1] + "…"
