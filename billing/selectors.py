"""Reads of prices, charges and statements, always given the organisation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone

from billing import pricing
from billing.models import Charge, PriceListEntry, ResellerPrice, Statement, Tier
from billing.services import first_of_month, next_month


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


@dataclass
class StatementRow:
    """One statement: closed (a row) or the open month's, summed from its charges.

    ``party`` is the other side as the viewer names it in a URL: to a provider
    the reseller's uuid (or "direct"), to a reseller the provider's uuid.
    """

    month: dt.date
    provider: object
    reseller: object | None
    party: str
    currency: str
    lines: int
    total: Decimal
    cost: Decimal
    margin: Decimal
    closed: bool

    @property
    def party_name(self):
        return self.reseller or None


def current_month() -> dt.date:
    return first_of_month(timezone.localdate())


_SUMS = {"lines": Count("id"), "total": Sum("amount"), "cost": Sum("cost"), "margin": Sum("margin")}


def _row(*, org, month, provider, reseller, currency, sums, closed) -> StatementRow:
    zero = Decimal(0)
    if org.is_provider:
        party = str(reseller.uuid) if reseller else "direct"
    else:
        party = str(provider.uuid)
    return StatementRow(
        month=month,
        provider=provider,
        reseller=reseller,
        party=party,
        currency=currency,
        lines=sums.get("lines") or 0,
        total=sums.get("total") or zero,
        cost=sums.get("cost") or zero,
        margin=sums.get("margin") or zero,
        closed=closed,
    )


def open_statements(*, org, month: dt.date | None = None) -> list[StatementRow]:
    """The open month's statements for ``org``: a provider's per reseller (and direct), a
    reseller's per provider. Summed by the database, in two queries."""
    from partners.models import Organisation

    month = month or current_month()
    totals = list(
        Charge.objects.for_org(org)
        .filter(month=month)
        .values("provider_id", "reseller_id", "currency")
        .annotate(**_SUMS)
        .order_by("provider_id", "reseller_id")
    )
    orgs = Organisation.objects.in_bulk(
        {t["reseller_id"] for t in totals if t["reseller_id"]} | {t["provider_id"] for t in totals}
    )
    rows = [
        _row(
            org=org,
            month=month,
            provider=orgs[t["provider_id"]],
            reseller=orgs.get(t["reseller_id"]),
            currency=t["currency"],
            sums=t,
            closed=False,
        )
        for t in totals
    ]
    other = (lambda r: r.reseller) if org.is_provider else (lambda r: r.provider)
    rows.sort(key=lambda r: (other(r) is None, other(r).legal_name if other(r) else ""))
    return rows


def closed_statements(*, org):
    """Closed statements visible to ``org``, newest month first (paged over keys by the view)."""
    return Statement.objects.for_org(org).order_by("-month", "id")


def closed_statement_rows(*, org, keys) -> list[StatementRow]:
    return [
        _row(
            org=org,
            month=s.month,
            provider=s.provider,
            reseller=s.reseller,
            currency=s.currency,
            sums={"lines": s.lines, "total": s.total, "cost": s.cost, "margin": s.margin},
            closed=True,
        )
        for s in Statement.objects.filter(pk__in=keys)
        .select_related("reseller", "provider")
        .order_by("-month", "id")
    ]


def statement_for(*, org, month: dt.date, party: str) -> StatementRow | None:
    """One statement (closed or open) of ``party`` for ``org``; None when ``org`` may not see it.

    To a reseller, ``party`` is a provider it is (or was) partnered with; to a
    provider, one of its resellers or "direct".
    """
    from partners.models import Organisation, Partnership

    if org.is_reseller:
        provider = Organisation.objects.filter(
            uuid=party,
            pk__in=Partnership.objects.for_org(org).values("provider_id"),
        ).first()
        if provider is None:
            return None
        reseller = org
    else:
        provider = org
        if party == "direct":
            reseller = None
        else:
            reseller = Organisation.objects.filter(
                uuid=party,
                pk__in=Partnership.objects.for_org(org).values("reseller_id"),
            ).first()
            if reseller is None:
                return None
    closed = Statement.objects.filter(provider=provider, reseller=reseller, month=month).first()
    if closed is not None:
        sums = {"lines": closed.lines, "total": closed.total, "cost": closed.cost}
        sums["margin"] = closed.margin
        return _row(
            org=org,
            month=month,
            provider=provider,
            reseller=reseller,
            currency=closed.currency,
            sums=sums,
            closed=True,
        )
    sums = Charge.objects.filter(provider=provider, reseller=reseller, month=month).aggregate(
        **_SUMS
    )
    if not sums["lines"] and month != current_month():
        return None
    return _row(
        org=org,
        month=month,
        provider=provider,
        reseller=reseller,
        currency=pricing.currency_of(provider),
        sums=sums,
        closed=False,
    )


def statement_charges(statement: StatementRow):
    """The statement's lines (ordered for paging over keys)."""
    return Charge.objects.filter(
        provider=statement.provider, reseller=statement.reseller, month=statement.month
    ).order_by("charged_on", "id")


def charge_rows(keys):
    return Charge.objects.filter(pk__in=keys).select_related("offer", "customer")


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    return month, next_month(month)


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
