"""The price a reseller pays, resolved in this one place.

Per-reseller price → the tier's fixed price → the tier's percentage off the
default → the default reseller price; each the entry in effect on the day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from billing.models import (
    PartnershipTier,
    PriceListEntry,
    ProviderCurrency,
    ResellerPrice,
    TierPrice,
)
from billing.money import quantize
from portal.errors import ServiceError

DEFAULT_CURRENCY = "USD"


class NoPrice(ServiceError):
    """No price list entry is in effect for the offer on the day."""


@dataclass(frozen=True)
class Price:
    unit_price: Decimal
    unit_cost: Decimal
    retail_price: Decimal
    currency: str
    source: str  # reseller | tier_fixed | tier_percent | default


def currency_of(provider) -> str:
    """The provider's currency (USD until one is set)."""
    row = ProviderCurrency.objects.filter(provider=provider).values_list("currency", flat=True)
    return row.first() or DEFAULT_CURRENCY


def entry_on(*, provider, offer, term: str, billing_frequency: str, on: dt.date):
    """The price list entry in effect on ``on``, or None."""
    return (
        PriceListEntry.objects.filter(
            provider=provider,
            offer=offer,
            term=term,
            billing_frequency=billing_frequency,
            effective_from__lte=on,
        )
        .order_by("-effective_from")
        .first()
    )


def resolve_price(
    *, provider, reseller, offer, term: str, billing_frequency: str, on: dt.date
) -> Price:
    """The unit price ``reseller`` (None: a direct customer) pays for one licence on ``on``."""
    from django.utils.translation import gettext as _

    currency = currency_of(provider)
    entry = entry_on(
        provider=provider, offer=offer, term=term, billing_frequency=billing_frequency, on=on
    )
    if entry is None:
        raise NoPrice(
            _("%(offer)s has no price in effect on %(date)s.") % {"offer": offer.name, "date": on}
        )
    own = tier = fixed = None
    if reseller is not None:
        own = (
            ResellerPrice.objects.filter(
                provider=provider, reseller=reseller, offer=offer, effective_from__lte=on
            )
            .order_by("-effective_from")
            .values_list("price", flat=True)
            .first()
        )
        membership = (
            PartnershipTier.objects.filter(provider=provider, reseller=reseller)
            .select_related("tier")
            .first()
        )
        if membership is not None:
            tier = membership.tier
            fixed = (
                TierPrice.objects.filter(tier=tier, offer=offer, effective_from__lte=on)
                .order_by("-effective_from")
                .values_list("price", flat=True)
                .first()
            )
    return pick(entry=entry, own=own, tier=tier, tier_fixed=fixed, currency=currency)


def pick(*, entry, own, tier, tier_fixed, currency: str) -> Price:
    """The rule itself: own price, else the tier's fixed price, else its percentage, else default."""
    cost, retail = entry.cost, entry.retail_price
    if own is not None:
        return Price(quantize(own, currency), cost, retail, currency, "reseller")
    if tier_fixed is not None:
        return Price(quantize(tier_fixed, currency), cost, retail, currency, "tier_fixed")
    if tier is not None and tier.percent_off:
        off = entry.reseller_price * (Decimal(100) - tier.percent_off) / Decimal(100)
        return Price(quantize(off, currency), cost, retail, currency, "tier_percent")
    return Price(quantize(entry.reseller_price, currency), cost, retail, currency, "default")


def latest_by(rows, key) -> dict:
    """The newest row per ``key(row)`` of rows already in effect (ordered newest first)."""
    found: dict = {}
    for row in rows:
        found.setdefault(key(row), row)
    return found


def resolve_for_entries(*, provider, reseller, entries, on: dt.date) -> list[tuple[object, Price]]:
    """The reseller's price for each of ``entries`` (in effect on ``on``), in four queries.

    The same rule as ``resolve_price`` (``pick``), its inputs read at once.
    """
    currency = currency_of(provider)
    offers = {e.offer_id for e in entries}
    own = latest_by(
        ResellerPrice.objects.filter(
            provider=provider, reseller=reseller, offer_id__in=offers, effective_from__lte=on
        ).order_by("-effective_from"),
        lambda r: r.offer_id,
    )
    membership = (
        PartnershipTier.objects.filter(provider=provider, reseller=reseller)
        .select_related("tier")
        .first()
    )
    tier = membership.tier if membership else None
    fixed = (
        latest_by(
            TierPrice.objects.filter(
                tier=tier, offer_id__in=offers, effective_from__lte=on
            ).order_by("-effective_from"),
            lambda r: r.offer_id,
        )
        if tier
        else {}
    )
    return [
        (
            entry,
            pick(
                entry=entry,
                own=own[entry.offer_id].price if entry.offer_id in own else None,
                tier=tier,
                tier_fixed=fixed[entry.offer_id].price if entry.offer_id in fixed else None,
                currency=currency,
            ),
        )
        for entry in entries
    ]
