"""Money without floats: currencies, quantizing and prorating, pure functions.

Amounts are ``Decimal`` in the currency's minor units (JPY has none, USD two).
A line is rounded once, half-up. Prorating is cumulative: the share of days
``[a, b)`` of an ``n``-day period is ``round(full·b/n) − round(full·a/n)``, so
the shares of any split of a period add up to the full amount exactly.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 code -> minor units (the currencies a provider may bill in).
MINOR_UNITS: dict[str, int] = {
    "USD": 2,
    "EUR": 2,
    "GBP": 2,
    "AUD": 2,
    "CAD": 2,
    "CHF": 2,
    "SGD": 2,
    "JPY": 0,
    "KRW": 0,
    "BHD": 3,
}
CURRENCY_CHOICES = [(code, code) for code in sorted(MINOR_UNITS)]


def _require_decimal(value) -> Decimal:
    # A float in a money path is a bug: 0.1 is not one tenth.
    if isinstance(value, float):
        raise TypeError("money is Decimal, never float")
    return value if isinstance(value, Decimal) else Decimal(value)


def exponent(currency: str) -> Decimal:
    """The quantum of ``currency``: Decimal('1') for JPY, Decimal('0.01') for USD."""
    return Decimal(1).scaleb(-MINOR_UNITS[currency])


def quantize(amount, currency: str) -> Decimal:
    """``amount`` rounded half-up to the currency's minor unit."""
    return _require_decimal(amount).quantize(exponent(currency), rounding=ROUND_HALF_UP)


def line_amount(*, unit_price, quantity: int, currency: str) -> Decimal:
    """A full period's amount: unit price × quantity, rounded once."""
    return quantize(_require_decimal(unit_price) * quantity, currency)


def prorate(*, full, start_day: int, end_day: int, period_days: int, currency: str) -> Decimal:
    """The share of ``full`` for days ``[start_day, end_day)`` of a ``period_days``-day period."""
    if not 0 <= start_day <= end_day <= period_days or period_days <= 0:
        raise ValueError("days out of the period")
    full = _require_decimal(full)
    upto_end = quantize(full * end_day / period_days, currency)
    upto_start = quantize(full * start_day / period_days, currency)
    return upto_end - upto_start


def fmt(amount, currency: str) -> str:
    """An amount as shown on pages and in files: 1,234.50 USD (grouped, its minor units)."""
    value = quantize(amount, currency)
    return f"{value:,} {currency}"
