"""CSV exports of the lists (Subscriptions, Customers, Indirect resellers): streamed, formula-guarded."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from django.http import StreamingHttpResponse

# A spreadsheet runs a cell starting with one of these as a formula, also after
# the whitespace some of them skip (tab, carriage return, line feed, space).
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r", "\n", " ")


# Rows are sent in chunks of about this many characters: one chunk per row made
# the server write (and the WSGI layer iterate) 254,000 times for a distributor's
# subscriptions, four times as long as reading them.
CHUNK_SIZE = 64 * 1024


def csv_response(*, filename: str, headers: Iterable, rows: Iterable) -> StreamingHttpResponse:
    """A streamed CSV download: the headers, then the rows in chunks of about CHUNK_SIZE
    characters, so memory stays flat however many rows the iterable yields."""

    def stream():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([str(header) for header in headers])
        leads = FORMULA_LEADS
        for row in rows:
            # A cell a spreadsheet would run as a formula is written as text (a leading
            # quote); None is written empty by csv itself.
            writer.writerow(
                [
                    "'" + value if isinstance(value, str) and value[:1] in leads else value
                    for value in row
                ]
            )
            if buffer.tell() >= CHUNK_SIZE:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
