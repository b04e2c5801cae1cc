"""CSV exports of the lists (Subscriptions, Customers, Indirect resellers): streamed, formula-guarded."""

from __future__ import annotations

import csv
from collections.abc import Iterable

from django.http import StreamingHttpResponse


class _Echo:
    """A file-like object whose write returns the line, so csv.writer can feed a stream."""

    def write(self, value):
        return value


# A spreadsheet runs a cell starting with one of these as a formula, also after
# the whitespace some of them skip (tab, carriage return, line feed, space).
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r", "\n", " ")


def csv_safe(value):
    """A cell's value that a spreadsheet shows as text, never runs as a formula."""
    if isinstance(value, str) and value[:1] in FORMULA_LEADS:
        return "'" + value
    return "" if value is None else value


def csv_response(*, filename: str, headers: Iterable, rows: Iterable) -> StreamingHttpResponse:
    """A streamed CSV download: the headers, then each row as the iterable yields it."""
    writer = csv.writer(_Echo())

    def stream():
        yield writer.writerow([str(header) for header in headers])
        for row in rows:
            yield writer.writerow([csv_safe(value) for value in row])

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
