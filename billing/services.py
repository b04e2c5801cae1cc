"""Writes of money: price list entries, tiers, per-reseller prices, charges, closing months."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import pricing
from billing.models import (
    Charge,
    PartnershipTier,
    PriceListEntry,
    ResellerPrice,
    Statement,
    Tier,
    TierPrice,
)
from billing.money import line_amount, prorate
from portal import audit
from portal.audit import Verb
from portal.errors import ServiceError
from subscriptions import terms

FREQUENCY_MONTHS = {"monthly": 1, "annual": 12, "triennial": 36}


class BillingError(ServiceError):
    """A price or tier change that cannot be made."""


# Billing periods ------------------------------------------------------------


def local_date(instant: dt.datetime) -> dt.date:
    return instant.astimezone(terms.term_zone()).date()


def billing_period(subscription, on: dt.date) -> tuple[dt.date, dt.date]:
    """The billing period ``[start, end)`` of the subscription's term that holds ``on``.

    Periods are counted from the term's start in the frequency's months, the
    way a term is (``terms.term_last_day``); the last one ends with the term.
    """
    start = local_date(subscription.term_start)
    end_of_term = terms.term_last_date(subscription.term_end) + dt.timedelta(days=1)
    months = FREQUENCY_MONTHS[subscription.billing_frequency]
    period_start, k = start, 0
    while True:
        k += 1
        period_end = min(terms.term_last_day(start, k * months) + dt.timedelta(days=1), end_of_term)
        if on < period_end or period_end >= end_of_term:
            return period_start, period_end
        period_start = period_end


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


# Charges --------------------------------------------------------------------


def open_statement(*, provider_id, reseller_id, currency: str, on: dt.date) -> Statement:
    """The open statement a charge of ``on`` lands in, locked until the caller commits.

    Its own month's, or the first later month not yet closed (a correction to a
    closed month is a line of the next). The lock makes the closing job wait
    for the charge, so no charge is written into a statement as it closes.
    """
    month = first_of_month(on)
    key = {"provider_id": provider_id, "reseller_id": reseller_id}
    while True:
        statement = (
            Statement.objects.select_for_update(no_key=True).filter(month=month, **key).first()
        )
        if statement is None:
            Statement.objects.bulk_create(
                [Statement(month=month, currency=currency, **key)], ignore_conflicts=True
            )
            continue
        if not statement.is_closed:
            return statement
        month = next_month(month)


def build_charge(
    *,
    subscription,
    kind: str,
    quantity: int,
    on: dt.date,
    full_period: bool,
    prices: dict | None = None,
):
    """An unsaved charge for ``quantity`` licences from ``on`` to the end of its period.

    ``full_period`` charges the whole period (purchase, period start, renewal);
    otherwise the days left from ``on``. A negative quantity is a credit.
    Returns None when the offer has no price on the day (it is not sold for money).
    ``prices``: a batch's prices already resolved, by (reseller, offer, term, frequency, day).
    """
    location = subscription.reseller_location
    reseller = location.organisation if location is not None else None
    key = (
        reseller.pk if reseller else None,
        subscription.offer_id,
        subscription.term,
        subscription.billing_frequency,
        on,
    )
    price = prices.get(key) if prices is not None else None
    if price is None:
        try:
            price = pricing.resolve_price(
                provider=subscription.provider,
                reseller=reseller,
                offer=subscription.offer,
                term=subscription.term,
                billing_frequency=subscription.billing_frequency,
                on=on,
            )
        except pricing.NoPrice as no_price:
            price = no_price
        if prices is not None:
            prices[key] = price
    if isinstance(price, pricing.NoPrice):
        return None
    start, end = billing_period(subscription, on)
    period_days = (end - start).days
    first_day = 0 if full_period else min(max((on - start).days, 0), period_days)
    currency = price.currency
    full = line_amount(unit_price=price.unit_price, quantity=quantity, currency=currency)
    full_cost = line_amount(unit_price=price.unit_cost, quantity=quantity, currency=currency)
    kw = {"start_day": first_day, "end_day": period_days, "period_days": period_days}
    amount = prorate(full=full, currency=currency, **kw)
    cost = prorate(full=full_cost, currency=currency, **kw)
    return Charge(
        provider=subscription.provider,
        subscription=subscription,
        customer_id=subscription.customer_id,
        reseller=reseller,
        location_mpn_id=location.location_partner_id if location is not None else "",
        kind=kind,
        offer=subscription.offer,
        term=subscription.term,
        billing_frequency=subscription.billing_frequency,
        quantity=quantity,
        unit_price=price.unit_price,
        unit_cost=price.unit_cost,
        days=period_days - first_day,
        period_days=period_days,
        amount=amount,
        cost=cost,
        margin=amount - cost,
        currency=currency,
        charged_on=on,
    )


def place_charges(charges: list[Charge]) -> list[Charge]:
    """Put each charge on its open statement (in key order, so two writers never deadlock)."""
    # A statement once locked stays this transaction's: charges of the same
    # reseller and month share one look-up.
    opened: dict[tuple, Statement] = {}
    for charge in sorted(charges, key=lambda c: (c.provider_id, c.reseller_id or 0, c.charged_on)):
        key = (
            charge.provider_id,
            charge.reseller_id,
            charge.currency,
            first_of_month(charge.charged_on),
        )
        if key not in opened:
            opened[key] = open_statement(
                provider_id=charge.provider_id,
                reseller_id=charge.reseller_id,
                currency=charge.currency,
                on=charge.charged_on,
            )
        statement = opened[key]
        charge.statement, charge.month = statement, statement.month
    return charges


@transaction.atomic
def charge_record(*, subscription, kind: str, quantity: int, now=None, full_period: bool = False):
    """Write the charge of money moving on a subscription now (None: the offer has no price)."""
    on = local_date(now or timezone.now())
    charge = build_charge(
        subscription=subscription, kind=kind, quantity=quantity, on=on, full_period=full_period
    )
    if charge is not None:
        place_charges([charge])
        charge.save()
    return charge


def charges_for_purchases(subscriptions, *, now) -> list[Charge]:
    """The purchase charges of new subscriptions (their whole first period), in one INSERT."""
    on, prices = local_date(now), {}
    charges = [
        build_charge(
            subscription=s,
            kind=Charge.Kind.PURCHASE,
            quantity=s.quantity,
            on=on,
            full_period=True,
            prices=prices,
        )
        for s in subscriptions
    ]
    return Charge.objects.bulk_create(place_charges([c for c in charges if c is not None]))


def charges_for_renewals(subscriptions, *, now) -> int:
    """The renewal charges of a batch of renewed subscriptions, in one INSERT."""
    charges = []
    for sub in subscriptions:
        charge = build_charge(
            subscription=sub,
            kind=Charge.Kind.RENEWAL,
            quantity=sub.quantity,
            on=local_date(sub.term_start),
            full_period=True,
        )
        if charge is not None:
            charges.append(charge)
    Charge.objects.bulk_create(place_charges(charges))
    return len(charges)


PERIOD_BATCH_SIZE = 1000


def charges_bill_periods_due(*, now=None, batch_size: int = PERIOD_BATCH_SIZE) -> int:
    """Charge each billing period that has started inside a term (monthly billing of a year).

    The first period of a term is charged by the purchase or the renewal. Walks
    the live subscriptions billed more often than their term over keys;
    idempotent (one period charge per subscription and day, under a unique
    constraint) and safe when two run at once.
    """
    from django.db.models import Q

    from subscriptions.models import Subscription

    today = local_date(now or timezone.now())
    split = Subscription.objects.filter(
        status__in=(Subscription.Status.ACTIVE, Subscription.Status.SUSPENDED)
    ).filter(
        Q(billing_frequency="monthly", term__in=["P1Y", "P3Y"])
        | Q(billing_frequency="annual", term="P3Y")
    )
    written, after = 0, 0
    while True:
        batch = list(
            split.filter(pk__gt=after)
            .select_related("provider", "offer", "reseller_location__organisation")
            .order_by("pk")[:batch_size]
        )
        if not batch:
            return written
        after = batch[-1].pk
        charges = []
        for sub in batch:
            start, _end = billing_period(sub, today)
            if start == local_date(sub.term_start) or start > today:
                continue
            charge = build_charge(
                subscription=sub,
                kind=Charge.Kind.PERIOD,
                quantity=sub.quantity,
                on=start,
                full_period=True,
            )
            if charge is not None:
                charges.append(charge)
        with transaction.atomic():
            done = set(
                Charge.objects.filter(
                    kind=Charge.Kind.PERIOD,
                    subscription__in=[c.subscription_id for c in charges],
                ).values_list("subscription_id", "charged_on")
            )
            fresh = [c for c in charges if (c.subscription_id, c.charged_on) not in done]
            Charge.objects.bulk_create(place_charges(fresh), ignore_conflicts=True)
        written += len(fresh)


# Price lists, tiers, per-reseller prices --------------------------------------


def _not_in_past(effective_from: dt.date) -> None:
    if effective_from < timezone.localdate():
        raise BillingError(
            _(
                "A price cannot take effect in the past: the charges already written used the old one."
            ),
            field="effective_from",
        )


@transaction.atomic
def price_entry_add(
    *,
    provider,
    offer,
    term: str,
    billing_frequency: str,
    cost: Decimal,
    reseller_price: Decimal,
    retail_price: Decimal,
    effective_from: dt.date,
    actor,
) -> PriceListEntry:
    """Add a price from a date on (today or later): earlier entries stay as history."""
    _not_in_past(effective_from)
    currency = pricing.currency_of(provider)
    from billing.money import quantize

    values = {
        "cost": quantize(cost, currency),
        "reseller_price": quantize(reseller_price, currency),
        "retail_price": quantize(retail_price, currency),
    }
    entry, created = PriceListEntry.objects.select_for_update().get_or_create(
        provider=provider,
        offer=offer,
        term=term,
        billing_frequency=billing_frequency,
        effective_from=effective_from,
        defaults={**values, "created_by": actor if actor and actor.is_authenticated else None},
    )
    if not created:
        if effective_from <= timezone.localdate():
            raise BillingError(
                _("This price is in effect already: add a new one from a later date."),
                field="effective_from",
            )
        # A scheduled (future) entry may still be replaced: nothing was charged at it.
        for name, value in values.items():
            setattr(entry, name, value)
        entry.save(update_fields=list(values))
    audit.record(
        org=provider,
        actor=actor,
        verb=Verb.PRICE_SCHEDULED,
        obj=entry,
        after={
            "offer": offer.sku,
            "term": term,
            "billing_frequency": billing_frequency,
            "reseller_price": str(values["reseller_price"]),
            "effective_from": effective_from.isoformat(),
        },
    )
    return entry


@transaction.atomic
def tier_save(
    *, provider, name: str, percent_off: Decimal, actor, tier: Tier | None = None
) -> Tier:
    """Create a tier, or change a tier's name and percentage off."""
    if not Decimal(0) <= percent_off <= Decimal(100):
        raise BillingError(_("Enter a percentage from 0 to 100."), field="percent_off")
    if (
        Tier.objects.for_org(provider)
        .filter(name=name)
        .exclude(pk=getattr(tier, "pk", None))
        .exists()
    ):
        raise BillingError(_("A tier with this name exists already."), field="name")
    before = {"name": tier.name, "percent_off": str(tier.percent_off)} if tier else None
    if tier is None:
        tier = Tier.objects.create(provider=provider, name=name, percent_off=percent_off)
    else:
        tier.name, tier.percent_off = name, percent_off
        tier.save(update_fields=["name", "percent_off"])
    audit.record(
        org=provider,
        actor=actor,
        verb=Verb.TIER_SAVED,
        obj=tier,
        before=before,
        after={"name": name, "percent_off": str(percent_off)},
    )
    return tier


@transaction.atomic
def tier_price_set(
    *, tier: Tier, offer, price: Decimal, effective_from: dt.date, actor
) -> TierPrice:
    """Give a tier a fixed price for an offer from a date on (today or later)."""
    _not_in_past(effective_from)
    from billing.money import quantize

    value = quantize(price, pricing.currency_of(tier.provider))
    row, _created = TierPrice.objects.update_or_create(
        tier=tier, offer=offer, effective_from=effective_from, defaults={"price": value}
    )
    audit.record(
        org=tier.provider,
        actor=actor,
        verb=Verb.TIER_PRICE_SET,
        obj=tier,
        after={
            "offer": offer.sku,
            "price": str(value),
            "effective_from": effective_from.isoformat(),
        },
    )
    return row


@transaction.atomic
def reseller_tier_set(*, provider, reseller, tier: Tier | None, actor) -> None:
    """Put a partnered reseller in a tier (None: no tier, the default prices)."""
    from partners.models import Partnership

    if not Partnership.objects.for_org(provider).active().filter(reseller=reseller).exists():
        raise BillingError(_("This reseller is not partnered with you."), status=404)
    if tier is not None and tier.provider_id != provider.pk:
        raise BillingError(_("Choose one of your tiers."), field="tier")
    previous = PartnershipTier.objects.filter(provider=provider, reseller=reseller).first()
    before = previous.tier.name if previous else None
    if tier is None:
        PartnershipTier.objects.filter(provider=provider, reseller=reseller).delete()
    else:
        PartnershipTier.objects.update_or_create(
            provider=provider, reseller=reseller, defaults={"tier": tier}
        )
    audit.record(
        org=provider,
        actor=actor,
        verb=Verb.RESELLER_TIER_SET,
        obj=reseller,
        before={"tier": before},
        after={"tier": tier.name if tier else None},
    )


@transaction.atomic
def reseller_price_set(
    *, provider, reseller, offer, price: Decimal, effective_from: dt.date, actor
) -> ResellerPrice:
    """Give one reseller its own price for an offer from a date on (today or later)."""
    from partners.models import Partnership

    _not_in_past(effective_from)
    if not Partnership.objects.for_org(provider).active().filter(reseller=reseller).exists():
        raise BillingError(_("This reseller is not partnered with you."), status=404)
    from billing.money import quantize

    value = quantize(price, pricing.currency_of(provider))
    row, _created = ResellerPrice.objects.update_or_create(
        provider=provider,
        reseller=reseller,
        offer=offer,
        effective_from=effective_from,
        defaults={"price": value},
    )
    audit.record(
        org=provider,
        actor=actor,
        verb=Verb.RESELLER_PRICE_SET,
        obj=reseller,
        after={
            "offer": offer.sku,
            "price": str(value),
            "effective_from": effective_from.isoformat(),
        },
    )
    return row


# Statements -----------------------------------------------------------------


@dataclass
class CloseRun:
    month: dt.date
    statements: int = 0


CLOSE_BATCH_SIZE = 500


def statements_close_month(*, month: dt.date, batch_size: int = CLOSE_BATCH_SIZE) -> CloseRun:
    """Close every open statement of ``month`` (a month that has ended), in batches.

    Idempotent and safe when two run at once: a batch locks its open
    statements (``SKIP LOCKED``: another run takes other ones; a charge being
    written holds its statement until it commits), sums their charges in the
    database and marks them closed. A second run finds none open.
    """
    month = first_of_month(month)
    if month >= first_of_month(timezone.localdate()):
        raise BillingError(_("Only a month that has ended can be closed."))
    run = CloseRun(month=month)
    while True:
        closed = _close_batch(month=month, batch_size=batch_size)
        if not closed:
            return run
        run.statements += closed


@transaction.atomic
def _close_batch(*, month: dt.date, batch_size: int) -> int:
    batch = list(
        Statement.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("provider", "reseller")
        .filter(month=month, status=Statement.Status.OPEN)
        .order_by("id")[:batch_size]
    )
    if not batch:
        return 0
    sums = {
        row["statement_id"]: row
        for row in Charge.objects.filter(statement__in=batch)
        .values("statement_id")
        .annotate(lines=Count("id"), total=Sum("amount"), cost=Sum("cost"), margin=Sum("margin"))
        .order_by()
    }
    now = timezone.now()
    zero = Decimal(0)
    events = []
    for statement in batch:
        row = sums.get(statement.pk, {})
        statement.lines = row.get("lines") or 0
        statement.total = row.get("total") or zero
        statement.cost = row.get("cost") or zero
        statement.margin = row.get("margin") or zero
        statement.status, statement.closed_at = Statement.Status.CLOSED, now
        events.append(
            audit.build(
                org=statement.provider,
                actor=None,
                verb=Verb.STATEMENT_CLOSED,
                obj=statement,
                after={"month": month.isoformat(), "total": str(statement.total)},
            )
        )
    Statement.objects.bulk_update(
        batch, ["lines", "total", "cost", "margin", "status", "closed_at"]
    )
    audit.record_many(events)
    return len(batch)


def statements_close_due(*, now=None) -> CloseRun:
    """Close last month's statements (what Celery beat runs on the 1st)."""
    today = local_date(now or timezone.now())
    last_month = first_of_month(first_of_month(today) - dt.timedelta(days=1))
    return statements_close_month(month=last_month)


# Notices and imports --------------------------------------------------------------


def _notify_price_change(*, entry: PriceListEntry) -> int:
    """Email each reseller whose price the entry changes a notice with a CSV of its changes."""
    from billing import documents, selectors
    from portal import emails

    day_before = entry.effective_from - dt.timedelta(days=1)
    sent = 0
    for reseller in selectors.affected_resellers(provider=entry.provider, offer=entry.offer):
        price_args = {
            "provider": entry.provider,
            "reseller": reseller,
            "offer": entry.offer,
            "term": entry.term,
            "billing_frequency": entry.billing_frequency,
        }
        after = pricing.resolve_price(on=entry.effective_from, **price_args)
        try:
            before = pricing.resolve_price(on=day_before, **price_args).unit_price
        except pricing.NoPrice:
            before = None
        if before == after.unit_price:
            continue
        attachment = documents.to_csv(
            [
                _("SKU"),
                _("Offer"),
                _("Term"),
                _("Billing frequency"),
                _("Your price until then"),
                _("Your price"),
                _("Effective from"),
            ],
            [
                [
                    entry.offer.sku,
                    entry.offer.name,
                    entry.term,
                    entry.billing_frequency,
                    "" if before is None else before,
                    after.unit_price,
                    entry.effective_from.isoformat(),
                ]
            ],
        )
        emails.queue_email(
            kind="price-change",
            to=reseller.contact_email,
            org=entry.provider,
            context={
                "provider": entry.provider,
                "reseller": reseller,
                "offer": entry.offer,
                "effective_from": entry.effective_from,
                "price": after.unit_price,
                "currency": after.currency,
            },
            attachment=("price-changes.csv", "text/csv", attachment),
        )
        sent += 1
    return sent


@transaction.atomic
def price_change_schedule(*, actor, notify: bool = True, **values) -> tuple[PriceListEntry, int]:
    """Add a price list entry and email each affected reseller its change (through the outbox)."""
    entry = price_entry_add(actor=actor, **values)
    return entry, (_notify_price_change(entry=entry) if notify else 0)


@transaction.atomic
def price_list_import(*, provider, rows: list[dict], actor) -> int:
    """Add every row of an imported price list, or none: the first bad row refuses the file."""
    from django.core.exceptions import ValidationError
    from django.utils.dateparse import parse_date

    from subscriptions.models import TERM_PAIRS, Offer

    offers = {o.sku: o for o in Offer.objects.filter(sku__in=[r.get("sku", "") for r in rows])}
    added = 0
    for number, row in enumerate(rows, start=2):
        try:
            offer = offers[row.get("sku", "")]
            pair = (row.get("term", ""), row.get("billing_frequency", ""))
            if pair not in TERM_PAIRS:
                raise ValueError
            effective_from = parse_date(row.get("effective_from", ""))
            if effective_from is None:
                raise ValueError
            values = {k: Decimal(row[k]) for k in ("cost", "reseller_price", "retail_price")}
        except (KeyError, ValueError, ArithmeticError, ValidationError) as exc:
            raise BillingError(
                _(
                    "Line %(line)s: enter a known SKU, a term and billing frequency, three "
                    "amounts and a date (YYYY-MM-DD)."
                )
                % {"line": number},
                field="file",
            ) from exc
        try:
            price_entry_add(
                provider=provider,
                offer=offer,
                term=pair[0],
                billing_frequency=pair[1],
                effective_from=effective_from,
                actor=actor,
                **values,
            )
        except BillingError as exc:
            raise BillingError(
                _("Line %(line)s: %(error)s") % {"line": number, "error": exc.message},
                field="file",
            ) from exc
        added += 1
    return added
