"""Reading an uploaded CSV: encoding, size and shape checks before any row is looked at.

Every refusal is a ``CsvRefused`` with a message for the user; nothing is
written for a refused file.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass

from django.utils.translation import gettext as _

from portal.errors import ServiceError

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
MAX_FIELD_CHARS = 1_000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ENCODINGS = {"utf-8": "UTF-8", "cp932": "Shift_JIS (CP932)"}


class CsvRefused(ServiceError):
    """A file that cannot be imported (the message says why)."""


class EncodingUnsure(CsvRefused):
    """The bytes read as more than one encoding: the user chooses."""


@dataclass(frozen=True)
class Column:
    key: str
    en: str
    ja: str
    required: bool = True


@dataclass(frozen=True)
class ParsedFile:
    encoding: str
    content_hash: str
    # (row number as a spreadsheet shows it, {column key: value})
    rows: list[tuple[int, dict[str, str]]]


def content_hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _looks_binary(raw: bytes) -> bool:
    return b"\x00" in raw[:8192] or raw[:4] in (b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0")


def decode(raw: bytes, chosen: str = "") -> tuple[str, str]:
    """The text and the encoding it was read with (``chosen``, or detected)."""
    if not raw.strip(b"\xef\xbb\xbf \r\n\t"):
        raise CsvRefused(_("The file is empty."))
    if len(raw) > MAX_BYTES:
        raise CsvRefused(_("The file is larger than 10 MB. Split it into smaller files."))
    if _looks_binary(raw):
        raise CsvRefused(
            _(
                "This is not a CSV text file. Save it from your spreadsheet as CSV and upload it again."
            )
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        chosen = "utf-8"
        raw = raw[3:]
    if chosen:
        try:
            return raw.decode(chosen), chosen
        except UnicodeDecodeError as exc:
            raise CsvRefused(
                _("The file cannot be read as %(encoding)s (byte %(position)s).")
                % {"encoding": ENCODINGS.get(chosen, chosen), "position": exc.start + 1}
            ) from exc
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("cp932")
    except UnicodeDecodeError as exc:
        raise CsvRefused(
            _("The file is neither UTF-8 nor Shift_JIS. Save it as CSV UTF-8 and upload it again.")
        ) from exc
    # Latin-1 text (é, ü) also reads as Shift_JIS, as kanji; Japanese text has
    # kana somewhere. Without any, ask rather than guess.
    if not any("\u3041" <= ch <= "\u30ff" for ch in text):
        raise EncodingUnsure(
            _(
                "The file's encoding could not be recognised with certainty. Choose it and upload again."
            ),
            field="encoding",
        )
    return text, "cp932"


def header_keys(header: list[str], columns: list[Column]) -> list[str]:
    """The column keys of a header row in English or Japanese; refuses unknown or missing ones."""
    by_label = {}
    for column in columns:
        by_label[column.en.casefold()] = column.key
        by_label[column.ja.casefold()] = column.key
        by_label[column.key.casefold()] = column.key
    keys, unknown = [], []
    for label in header:
        key = by_label.get(label.strip().casefold())
        if key is None:
            unknown.append(label.strip())
        keys.append(key or "")
    if unknown:
        raise CsvRefused(
            _("Unknown columns: %(columns)s. Start from the template.")
            % {"columns": ", ".join(unknown)[:300]}
        )
    missing = [c.en for c in columns if c.required and c.key not in keys]
    if missing:
        raise CsvRefused(_("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)})
    return keys


def parse(raw: bytes, columns: list[Column], chosen_encoding: str = "") -> ParsedFile:
    """The rows of an uploaded file as dicts keyed by column, or CsvRefused."""
    text, encoding = decode(raw, chosen_encoding)
    if "\x00" in text:
        raise CsvRefused(_("The file contains NUL characters."))
    reader = csv.reader(io.StringIO(text, newline=""))
    csv.field_size_limit(MAX_FIELD_CHARS * 4 + 1)
    try:
        header = next(reader, None)
        if not header or not any(h.strip() for h in header):
            raise CsvRefused(_("The file is empty."))
        keys = header_keys(header, columns)
        rows = []
        for values in reader:
            number = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(rows) >= MAX_ROWS:
                raise CsvRefused(
                    _("The file has more than %(max)s rows. Split it into smaller files.")
                    % {"max": f"{MAX_ROWS:,}"}
                )
            if len(values) > len(keys):
                raise CsvRefused(
                    _("Row %(row)s has more cells than the header has columns.") % {"row": number}
                )
            row = {}
            for key, value in zip(keys, values, strict=False):
                if len(value) > MAX_FIELD_CHARS:
                    raise CsvRefused(
                        _("Row %(row)s has a cell longer than %(max)s characters.")
                        % {"row": number, "max": MAX_FIELD_CHARS}
                    )
                if value.startswith(FORMULA_STARTS) and not _is_number(value):
                    raise CsvRefused(
                        _(
                            "Row %(row)s has a cell that starts like a spreadsheet formula "
                            "(=, +, -, @). Remove the formula and upload again."
                        )
                        % {"row": number}
                    )
                row[key] = value.strip()
            rows.append((number, row))
    except csv.Error as exc:
        raise CsvRefused(
            _("The file is not valid CSV (line %(line)s).") % {"line": reader.line_num}
        ) from exc
    if not rows:
        raise CsvRefused(_("The file has a header but no rows."))
    return ParsedFile(encoding=encoding, content_hash=content_hash(raw), rows=rows)


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def template_csv(columns: list[Column], language: str, example: list[str]) -> bytes:
    """A header row (and one example row) in ``language``; UTF-8 with a BOM for Excel."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.ja if language == "ja" else c.en for c in columns])
    writer.writerow(example)
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")
