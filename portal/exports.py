"""CSV exports of the lists (Subscriptions, Customers, Indirect resellers): streamed, formula-guarded."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from django.db import connections
from django.db.models import CharField, F, Func, QuerySet, TextField
from django.http import StreamingHttpResponse

# A spreadsheet runs a cell starting with one of these as a formula, also after
# the whitespace some of them skip (tab, carriage return, line feed, space).
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r", "\n", " ")


# The same leads as SQL text, for a formula guard PostgreSQL applies (FormulaGuarded).
SQL_FORMULA_LEADS = "'=', '+', '-', '@', CHR(9), CHR(13), CHR(10), ' '"

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


class FormulaGuarded(Func):
    """A text cell as ``csv_response`` writes it, computed by the database: a value a
    spreadsheet would run as a formula gets a leading quote; NULL stays NULL (empty)."""

    output_field = CharField()

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        # The value three times (tested, prefixed, kept), so its parameters too.
        return (
            f"CASE WHEN LEFT({sql}, 1) IN ({SQL_FORMULA_LEADS}) THEN '''' || {sql} ELSE {sql} END",
            (*params, *params, *params),
        )


def query_csv_response(
    *, filename: str, headers: Iterable, queryset: QuerySet, columns: Iterable
) -> StreamingHttpResponse:
    """A streamed CSV download of ``queryset``'s rows, one cell per column (a field
    path or an expression, in order), in the queryset's order.

    On PostgreSQL the database writes the rows itself (``COPY (SELECT …) TO STDOUT
    WITH (FORMAT csv)``, every text cell formula-guarded in SQL) and they are passed on
    in chunks of about CHUNK_SIZE bytes as they arrive: nothing is held but one chunk,
    and no row becomes Python values. Elsewhere the rows are read in batches and
    written by ``csv_response``. Both write the same cells: NULL empty, formulas as
    text; PostgreSQL ends its lines with a line feed, Python's csv with CR LF.
    """
    cells = {
        f"csv_{n}": F(column) if isinstance(column, str) else column
        for n, column in enumerate(columns)
    }
    rows = queryset.annotate(**cells).values_list(*cells)
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return csv_response(filename=filename, headers=headers, rows=rows.iterator(chunk_size=5000))
    text = {
        name
        for name in cells
        if isinstance(rows.query.annotations[name].output_field, CharField | TextField)
    }
    guarded = queryset.annotate(
        **{
            name: FormulaGuarded(expression) if name in text else expression
            for name, expression in cells.items()
        }
    ).values_list(*cells)
    sql, params = guarded.query.sql_with_params()
    # The headers in the request's language, written before the response leaves the view.
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([str(header) for header in headers])
    head = buffer.getvalue().encode()

    def stream():
        yield head
        connection.ensure_connection()
        # psycopg merges the parameters into COPY's query on the client.
        with (
            connection.connection.cursor() as cursor,
            cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy,
        ):
            chunk = bytearray()
            for data in copy:
                chunk += data
                if len(chunk) >= CHUNK_SIZE:
                    yield bytes(chunk)
                    chunk.clear()
            yield bytes(chunk)

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
