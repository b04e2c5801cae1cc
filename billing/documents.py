"""Files of prices and statements: CSV (UTF-8 with a BOM, headers in the reader's language)
and the statement's printable PDF (Japanese text in a CJK font)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.money import fmt, quantize

BOM = "\ufeff"

# Where Debian's fonts-noto-cjk puts the font; the first one found is used.
CJK_FONT_PATHS = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto-cjk/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc"),
)


class FontMissing(RuntimeError):
    """The CJK font the PDF needs is not installed."""


def cjk_font() -> Path:
    """The Noto Sans CJK font file; a clear error when it is not installed."""
    for path in CJK_FONT_PATHS:
        if path.exists():
            return path
    raise FontMissing(
        "The statement PDF needs the Noto Sans CJK font (Debian package fonts-noto-cjk); "
        "none of these files exists: " + ", ".join(str(p) for p in CJK_FONT_PATHS)
    )


# A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r", "\n", " ")


def cell(value):
    if isinstance(value, str) and value[:1] in FORMULA_LEADS:
        return "'" + value
    return "" if value is None else value


def to_csv(headers, rows) -> str:
    """A whole CSV file as text, BOM first (a spreadsheet then reads it as UTF-8)."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerow([str(h) for h in headers])
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return out.getvalue()


# Price list -----------------------------------------------------------------

PRICE_COLUMNS = [
    ("sku", gettext_lazy("SKU")),
    ("offer", gettext_lazy("Offer")),
    ("term", gettext_lazy("Term")),
    ("billing_frequency", gettext_lazy("Billing frequency")),
    ("cost", gettext_lazy("Cost")),
    ("reseller_price", gettext_lazy("Reseller price")),
    ("retail_price", gettext_lazy("Suggested retail price")),
    ("effective_from", gettext_lazy("Effective from")),
]


def price_list_csv(entries, currency: str) -> str:
    return to_csv(
        [label for _key, label in PRICE_COLUMNS],
        (
            [
                e.offer.sku,
                e.offer.name,
                e.term,
                e.billing_frequency,
                quantize(e.cost, currency),
                quantize(e.reseller_price, currency),
                quantize(e.retail_price, currency),
                e.effective_from.isoformat(),
            ]
            for e in entries
        ),
    )


def header_keys() -> dict[str, str]:
    """Header text (English or Japanese, whichever the file has) -> column key."""
    from django.utils import translation

    keys = {}
    for language in ("en", "ja"):
        with translation.override(language):
            for key, label in PRICE_COLUMNS:
                keys[str(label).strip().lower()] = key
    for key, _label in PRICE_COLUMNS:
        keys[key] = key
    return keys


def read_price_csv(data: bytes) -> list[dict]:
    """The rows of an uploaded price list CSV, keyed by column (headers in English or Japanese)."""
    text = data.decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text))
    rows = list(reader)
    if not rows:
        return []
    keys = header_keys()
    columns = [keys.get(h.strip().lower()) for h in rows[0]]
    return [
        {key: value.strip() for key, value in zip(columns, row, strict=False) if key}
        for row in rows[1:]
        if any(v.strip() for v in row)
    ]


# Statements -----------------------------------------------------------------


def statement_headers(*, with_cost: bool) -> list:
    headers = [
        _("Date"),
        _("Customer"),
        _("Reseller (MPN ID)"),
        _("Offer"),
        _("Term"),
        _("Billing frequency"),
        _("Kind"),
        _("Quantity"),
        _("Unit price"),
        _("Days"),
        _("Amount"),
    ]
    if with_cost:
        headers += [_("Cost"), _("Margin")]
    return headers


def statement_line(charge, *, with_cost: bool) -> list:
    row = [
        charge.charged_on.isoformat(),
        charge.customer.company_name,
        charge.location_mpn_id,
        charge.offer.name,
        charge.get_term_display(),
        charge.get_billing_frequency_display(),
        charge.get_kind_display(),
        charge.quantity,
        quantize(charge.unit_price, charge.currency),
        f"{charge.days}/{charge.period_days}",
        quantize(charge.amount, charge.currency),
    ]
    if with_cost:
        row += [quantize(charge.cost, charge.currency), quantize(charge.margin, charge.currency)]
    return row


def statement_csv_lines(statement, charges, *, with_cost: bool):
    """The statement's CSV as a stream of text: BOM and header, lines, then the total."""
    out = io.StringIO()
    writer = csv.writer(out)

    def flush():
        text = out.getvalue()
        out.seek(0)
        out.truncate()
        return text

    out.write(BOM)
    writer.writerow([str(h) for h in statement_headers(with_cost=with_cost)])
    yield flush()
    for charge in charges:
        writer.writerow([cell(v) for v in statement_line(charge, with_cost=with_cost)])
        yield flush()
    currency = statement.currency
    total = [
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        str(_("Total")),
        quantize(statement.total, currency),
    ]
    if with_cost:
        total += [quantize(statement.cost, currency), quantize(statement.margin, currency)]
    writer.writerow(total)
    yield flush()


def statement_pdf(*, statement, charges, title: str, with_cost: bool) -> bytes:
    """The printable statement: a header, its lines, the total; Japanese in Noto Sans CJK."""
    import logging

    from fpdf import FPDF

    # fontTools reports every glyph of the font subset at INFO: not for the logs.
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    font = cjk_font()
    pdf = FPDF(orientation="L", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_font("cjk", fname=str(font), collection_font_number=0)
    # The document information names the total too: a reader (or a test) finds it
    # without extracting the page's text.
    pdf.set_subject(fmt(statement.total, statement.currency))
    pdf.set_title(title)
    pdf.add_page()
    pdf.set_font("cjk", size=14)
    pdf.cell(text=title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=9)
    currency = statement.currency
    headers = statement_headers(with_cost=with_cost)
    # Millimetres; A4 landscape leaves 277 between the margins.
    if with_cost:
        widths = [20, 32, 26, 36, 14, 16, 28, 12, 20, 14, 22, 18, 18]
    else:
        widths = [20, 42, 26, 50, 16, 18, 32, 12, 22, 14, 24]
    numeric = set(range(7, len(widths)))

    def row(values, height, border=0):
        for index, (value, width) in enumerate(zip(values, widths, strict=True)):
            text = str(value)
            while text and pdf.get_string_width(text) > width - 2:
                text = text[:-1]
            pdf.cell(
                w=width, h=height, text=text, border=border, align="R" if index in numeric else "L"
            )
        pdf.ln()

    pdf.ln(2)
    row(headers, 6, border="B")
    for charge in charges:
        row(statement_line(charge, with_cost=with_cost), 5)
    pdf.ln(3)
    pdf.set_font("cjk", size=12)
    total = _("Total: %(total)s") % {"total": fmt(statement.total, currency)}
    pdf.cell(text=total, new_x="LMARGIN", new_y="NEXT")
    if with_cost:
        pdf.set_font("cjk", size=9)
        pdf.cell(
            text=_("Cost: %(cost)s · Margin: %(margin)s")
            % {"cost": fmt(statement.cost, currency), "margin": fmt(statement.margin, currency)}
        )
    return bytes(pdf.output())
