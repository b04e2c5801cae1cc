"""Money: quantizing half-up to the currency's minor units, prorating without losing a unit."""

import ast
import pathlib
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.money import MINOR_UNITS, fmt, line_amount, prorate, quantize

currencies = st.sampled_from(sorted(MINOR_UNITS))


def test_it_rounds_half_up_to_the_minor_unit():
    assert quantize(Decimal("2.345"), "USD") == Decimal("2.35")
    assert quantize(Decimal("2.5"), "JPY") == Decimal("3")
    assert quantize(Decimal("-2.5"), "JPY") == Decimal("-3")
    assert quantize(Decimal("1.0005"), "BHD") == Decimal("1.001")


def test_it_refuses_a_float():
    with pytest.raises(TypeError):
        quantize(0.1, "USD")
    with pytest.raises(TypeError):
        line_amount(unit_price=9.99, quantity=3, currency="USD")


def test_it_formats_with_the_currency_minor_units():
    assert fmt(Decimal("1234.5"), "USD") == "1,234.50 USD"
    assert fmt(Decimal("1234"), "JPY") == "1,234 JPY"


@given(
    currency=currencies,
    unit=st.decimals(min_value=0, max_value=100000, places=3, allow_nan=False),
    quantity=st.integers(min_value=-300, max_value=300),
    period_days=st.integers(min_value=1, max_value=1096),
    data=st.data(),
)
def test_prorated_shares_of_any_split_add_up_to_the_full_period(
    currency, unit, quantity, period_days, data
):
    full = line_amount(unit_price=unit, quantity=quantity, currency=currency)
    cuts = data.draw(
        st.lists(st.integers(min_value=0, max_value=period_days), max_size=12).map(sorted)
    )
    bounds = [0, *cuts, period_days]
    shares = [
        prorate(full=full, start_day=a, end_day=b, period_days=period_days, currency=currency)
        for a, b in zip(bounds, bounds[1:], strict=False)
    ]
    assert sum(shares, Decimal(0)) == full
    for share in shares:
        assert share == quantize(share, currency)


def test_no_float_literal_or_call_in_the_money_paths():
    """The billing code's arithmetic never meets a float (0.1 is not one tenth)."""
    root = pathlib.Path(__file__).resolve().parents[2] / "billing"
    offenders = []
    for path in root.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, float):
                offenders.append(f"{path.name}:{node.lineno} float literal")
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "float":
                offenders.append(f"{path.name}:{node.lineno} float()")
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "FloatField":
                offenders.append(f"{path.name}:{node.lineno} FloatField")
    assert offenders == []
