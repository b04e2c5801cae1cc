"""Reads of prices, charges and statements, always given the organisation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone

from billing import pricing
from billing.models import Charge, PriceListEntry, ResellerPrice, Statement, Tier
from billing.services import first_of_month
from portal.tenancy import get_for_org


def price_entries(*, org, q: str = "", offer: str = "", term: str = ""):
    """The provider's price list entries, newest first per offer and term (history included)."""
    entries = PriceListEntry.objects.for_org(org).select_related("offer")
    if q:
        entries = entries.filter(Q(offer__name__icontains=q) | Q(offer__sku__icontains=q))
    if offer:
        entries = entries.filter(offer__uuid=offer)
    if term:
        entries = entries.filter(term=term)
    return entries.order_by(
        "offer__name", "offer_id", "term", "billing_frequency", "-effective_from", "id"
    )


def priced_offers(*, org):
    """The offers the provider's price list names (the filter's choices: a catalogue, short)."""
    from subscriptions.models import Offer

    return Offer.objects.filter(
        pk__in=PriceListEntry.objects.for_org(org).values("offer_id")
    ).order_by("name", "id")


def entries_in_effect(*, provider, on: dt.date, q: str = "", term: str = ""):
    """The entry in effect on ``on`` per offer, term and frequency (one row each)."""
    newer = PriceListEntry.objects.filter(
        provider=provider,
        offer=OuterRef("offer"),
        term=OuterRef("term"),
        billing_frequency=OuterRef("billing_frequency"),
        effective_from__gt=OuterRef("effective_from"),
        effective_from__lte=on,
    )
    entries = (
        PriceListEntry.objects.for_org(provider)
        .filter(effective_from__lte=on)
        .exclude(Exists(newer))
        .select_related("offer")
    )
    if q:
        entries = entries.filter(Q(offer__name__icontains=q) | Q(offer__sku__icontains=q))
    if term:
        entries = entries.filter(term=term)
    return entries.order_by("offer__name", "offer_id", "term", "billing_frequency")


def reseller_prices(*, reseller, provider, on: dt.date, q: str = "", term: str = ""):
    """What ``reseller`` pays ``provider`` for each offer on ``on``: its price, never the cost."""
    entries = list(entries_in_effect(provider=provider, on=on, q=q, term=term))
    return pricing.resolve_for_entries(provider=provider, reseller=reseller, entries=entries, on=on)


def providers_of(reseller):
    from partners.models import Organisation, Partnership

    return Organisation.objects.filter(
        pk__in=Partnership.objects.for_org(reseller).active().values("provider_id")
    ).order_by("legal_name", "id")


def affected_resellers(*, provider, offer):
    """Resellers whose price of ``offer`` follows the list (no own price of it): a change reaches them."""
    from billing.models import PartnershipTier, TierPrice
    from partners.models import Organisation, Partnership

    own = ResellerPrice.objects.filter(provider=provider, offer=offer, reseller=OuterRef("pk"))
    fixed = PartnershipTier.objects.filter(
        provider=provider,
        reseller=OuterRef("pk"),
        tier__in=TierPrice.objects.filter(offer=offer).values("tier_id"),
    )
    return (
        Organisation.objects.filter(
            pk__in=Partnership.objects.for_org(provider).active().values("reseller_id")
        )
        .exclude(Exists(own))
        .exclude(Exists(fixed))
        .order_by("legal_name", "id")
    )


def tiers(*, org):
    return Tier.objects.for_org(org).annotate(resellers=Count("members")).order_by("name", "id")


# Statements -------------------------------------------------------------------


def current_month() -> dt.date:
    return first_of_month(timezone.localdate())


_SUMS = {"lines": Count("id"), "total": Sum("amount"), "cost": Sum("cost"), "margin": Sum("margin")}


def statements(*, org):
    """The statements ``org`` may read, newest month first: a provider's every reseller's
    and its direct customers', a reseller's own (paged over keys by the view)."""
    return Statement.objects.for_org(org).order_by("-month", "id")


def with_open_totals(rows: list[Statement]) -> list[Statement]:
    """Give the open statements among ``rows`` their running totals (one query for all)."""
    open_ids = [s.pk for s in rows if not s.is_closed]
    if open_ids:
        sums = {
            row["statement_id"]: row
            for row in Charge.objects.filter(statement_id__in=open_ids)
            .values("statement_id")
            .annotate(**_SUMS)
            .order_by()
        }
        for statement in rows:
            row = sums.get(statement.pk)
            if row is not None:
                statement.lines, statement.total = row["lines"], row["total"]
                statement.cost, statement.margin = row["cost"], row["margin"]
    return rows


def statement_rows(keys):
    return Statement.objects.filter(pk__in=keys).select_related("provider", "reseller")


def month_total(*, provider, month: dt.date) -> dict:
    """The provider's total for a month: every reseller's and the direct customers' charges."""
    return Charge.objects.for_org(provider).filter(month=month).aggregate(**_SUMS)


def statement_for(*, org, statement_id) -> Statement:
    """One statement ``org`` may read (its running totals when open), or 404."""
    statement = get_for_org(
        Statement.objects.select_related("provider", "reseller"), org, uuid=statement_id
    )
    return with_open_totals([statement])[0]


def statement_charges(statement: Statement):
    """The statement's lines (ordered for paging over keys)."""
    return Charge.objects.filter(statement=statement).order_by("charged_on", "id")


def charge_rows(keys):
    return Charge.objects.filter(pk__in=keys).select_related("offer", "customer")


@dataclass
class SubscriptionPrice:
    unit_price_label: str
    cost_label: str = ""
    margin_label: str = ""


def subscription_price(*, org, subscription) -> SubscriptionPrice | None:
    """The unit price the credited reseller pays today; cost and margin to the provider only."""
    from billing.money import fmt

    location = subscription.reseller_location
    try:
        price = pricing.resolve_price(
            provider=subscription.provider,
            reseller=location.organisation if location else None,
            offer=subscription.offer,
            term=subscription.term,
            billing_frequency=subscription.billing_frequency,
            on=timezone.localdate(),
        )
    except pricing.NoPrice:
        return None
    shown = SubscriptionPrice(unit_price_label=fmt(price.unit_price, price.currency))
    if org.is_provider:
        shown.cost_label = fmt(price.unit_cost, price.currency)
        shown.margin_label = fmt(price.unit_price - price.unit_cost, price.currency)
    return shown
