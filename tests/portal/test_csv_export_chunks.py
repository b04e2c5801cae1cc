"""CSV exports are sent in chunks of about 64 KB, read from their rows as they are sent."""

import csv
import io

from portal.exports import CHUNK_SIZE, csv_response


def test_it_sends_about_64_kb_a_chunk_not_one_row_a_chunk():
    rows = [(f"Customer {n}", f"customer{n}.example", n) for n in range(20_000)]
    response = csv_response(filename="x.csv", headers=["Name", "Domain", "N"], rows=iter(rows))
    chunks = list(response.streaming_content)
    body = b"".join(chunks)
    assert len(chunks) <= len(body) // CHUNK_SIZE + 2
    assert all(len(chunk) >= CHUNK_SIZE for chunk in chunks[:-1])
    parsed = list(csv.reader(io.StringIO(body.decode())))
    assert parsed[0] == ["Name", "Domain", "N"] and len(parsed) == 20_001
    assert parsed[-1] == ["Customer 19999", "customer19999.example", "19999"]


def test_it_reads_no_more_rows_than_one_chunk_ahead():
    taken = 0

    def rows():
        nonlocal taken
        for n in range(1_000_000):
            taken += 1
            yield (f"Customer {n}", n)

    response = csv_response(filename="x.csv", headers=["Name", "N"], rows=rows())
    stream = iter(response.streaming_content)
    first = next(stream)
    assert len(first) >= CHUNK_SIZE
    # About one chunk's rows (~20 bytes each) have been read, not the million.
    assert taken < 2 * CHUNK_SIZE // 15


def test_it_still_writes_formula_cells_as_text_and_none_empty():
    response = csv_response(
        filename="x.csv", headers=["A", "B", "C"], rows=[("=SUM(A1)", None, "-1"), ("ok", 3, "@x")]
    )
    parsed = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert parsed[1:] == [["'=SUM(A1)", "", "'-1"], ["ok", "3", "'@x"]]
