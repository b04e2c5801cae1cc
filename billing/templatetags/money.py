from django import template

from billing.money import MINOR_UNITS, quantize

register = template.Library()


@register.filter
def money(amount, currency):
    """An amount in its currency's minor units, grouped: 1,234.50 (empty: 0)."""
    if currency not in MINOR_UNITS:
        return amount
    return f"{quantize(amount or 0, currency):,}"
