"""Writes on orders and subscriptions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from billing import services as billing
from billing.models import Charge
from portal import audit
from portal.audit import Verb
from portal.errors import ServiceError
from subscriptions import selectors, terms
from subscriptions.models import (
    Offer,
    Order,
    OrderLine,
    ScheduledChange,
    SeatAddition,
    Subscription,
    SubscriptionChange,
)


@dataclass(frozen=True)
class LineRequest:
    """One line of an order: an offer, a licence count, optionally the reseller credited."""

    offer: Offer
    quantity: int
    reseller: object | None = None  # partners.Organisation
    # One of the offer's (term, billing frequency) pairs, "P1Y/annual"; empty: its first.
    term_pair: str = ""


class OrderError(ServiceError):
    """An order that cannot be placed (the message says why)."""


def order_submit(
    *, provider, customer, lines: list[LineRequest], idempotency_key: uuid.UUID, actor
) -> tuple[Order, bool]:
    """Place an order and create its subscriptions; a repeated key returns the first order.

    Returns ``(order, created)``. The caller validates offers, bounds and resellers
    in its form; this re-checks the bounds so nothing out of range is ever saved.
    """
    existing = Order.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        if existing.provider_id != provider.pk:
            raise OrderError("idempotency key belongs to another organisation")
        return existing, False
    order_lines_check(lines)
    try:
        with transaction.atomic():
            [order] = orders_place(
                provider=provider,
                actor=actor,
                orders=[NewOrder(customer, lines, idempotency_key)],
            )
    except IntegrityError:
        # A concurrent double submit with the same key: the other one won.
        existing = Order.objects.filter(idempotency_key=idempotency_key, provider=provider).first()
        if existing is None:
            raise
        return existing, False
    return order, True


def order_lines_check(lines: list[LineRequest]) -> None:
    """Refuse lines of an offer not sold any more, out of its bounds or in a term it lacks."""
    for line in lines:
        if not line.offer.is_active:
            raise OrderError(f"{line.offer.name} cannot be ordered")
        if not line.offer.min_licences <= line.quantity <= line.offer.max_licences:
            raise OrderError(f"{line.offer.name}: quantity out of bounds")
        term_pair_for(offer=line.offer, value=line.term_pair)


@dataclass(frozen=True)
class NewOrder:
    """An order to place: its customer, checked lines (``order_lines_check``) and unused key."""

    customer: object  # customers.Customer
    lines: list[LineRequest]
    idempotency_key: uuid.UUID


def orders_place(*, provider, actor, orders: list[NewOrder], now=None) -> list[Order]:
    """Write orders and their subscriptions, one INSERT per table for all of them.

    One order (the wizard's, the order page's) or a hundred (a customers import)
    go through the same statements: order, lines, subscriptions with their
    cancellation window, purchase charge and history, and the activity events.
    Runs in the caller's transaction; a used key raises IntegrityError.
    """
    now = now or timezone.now()
    placed = Order.objects.bulk_create(
        [
            Order(
                provider=provider,
                customer=o.customer,
                idempotency_key=o.idempotency_key,
                submitted_by=actor,
            )
            for o in orders
        ]
    )
    pairs = [(order, line) for order, o in zip(placed, orders, strict=True) for line in o.lines]
    order_lines = OrderLine.objects.bulk_create(
        [
            OrderLine(order=order, offer=line.offer, quantity=line.quantity, reseller=line.reseller)
            for order, line in pairs
        ]
    )
    locations: dict[int, object] = {}  # the credited location of each reseller
    subscriptions = []
    for (order, line), order_line in zip(pairs, order_lines, strict=True):
        reseller = line.reseller
        if reseller is not None and reseller.pk not in locations:
            location = reseller.locations.order_by("created_at").first()
            if location is not None:
                location.organisation = reseller
            locations[reseller.pk] = location
        term, frequency = term_pair_for(offer=line.offer, value=line.term_pair)
        subscriptions.append(
            Subscription(
                provider=order.provider,
                customer=order.customer,
                offer=line.offer,
                order_line=order_line,
                quantity=line.quantity,
                reseller_location=locations[reseller.pk] if reseller is not None else None,
                # Support comes from the customer's associated reseller (which holds
                # delegated admin), not from whichever reseller is credited.
                support_contact=order.customer.reseller or order.provider,
                term=term,
                billing_frequency=frequency,
                term_start=now,
                term_end=terms.term_end_for(now, term),
            )
        )
    subscriptions = Subscription.objects.bulk_create(subscriptions)
    # The purchased licences are the first addition: removable for 168 hours.
    SeatAddition.objects.bulk_create(
        [
            SeatAddition(
                subscription=s,
                seats=s.quantity,
                added_at=now,
                window_closes_at=terms.window_closes_at(now),
            )
            for s in subscriptions
        ]
    )
    billing.charges_for_purchases(subscriptions, now=now)
    SubscriptionChange.objects.bulk_create(
        [
            SubscriptionChange(
                subscription=s,
                actor=actor,
                field="created",
                before="",
                after=f"{s.offer.name} × {s.quantity}",
            )
            for s in subscriptions
        ]
    )
    events = []
    for (order, line), s in zip(pairs, subscriptions, strict=True):
        events.append(
            audit.build(
                org=order.provider,
                actor=actor,
                verb=Verb.SUBSCRIPTION_CREATED,
                obj=s,
                after={
                    "offer": line.offer.sku,
                    "quantity": line.quantity,
                    "reseller": line.reseller.partner_id if line.reseller else None,
                    "term": s.term,
                    "billing_frequency": s.billing_frequency,
                },
            )
        )
    for order, o in zip(placed, orders, strict=True):
        events.append(
            audit.build(
                org=provider,
                actor=actor,
                verb=Verb.ORDER_SUBMITTED,
                obj=order,
                after={"customer": str(o.customer.uuid), "lines": len(o.lines)},
            )
        )
    audit.record_many(events)
    return placed


DEFAULT_TERM_PAIR = ("P1M", "monthly")


def term_pair_for(*, offer: Offer, value: str) -> tuple[str, str]:
    """The (term, billing frequency) ``value`` names, if the offer is sold in it.

    Empty: the offer's first pair (P1M/monthly for an offer the catalogue
    gives none).
    """
    pairs = [(t.term, t.billing_frequency) for t in offer.terms.all()] or [DEFAULT_TERM_PAIR]
    if not value:
        return pairs[0]
    pair = tuple(value.split("/", 1))
    if pair not in pairs:
        raise ServiceError(
            _("%(offer)s is not sold with this term and billing frequency.")
            % {"offer": offer.name},
            field="term",
        )
    return pair


def _open_window(*, subscription: Subscription, seats: int, now) -> SeatAddition:
    return SeatAddition.objects.create(
        subscription=subscription,
        seats=seats,
        added_at=now,
        window_closes_at=terms.window_closes_at(now),
    )


def when(instant) -> str:
    """An instant as the viewer reads it, with the zone named: 26 Nov 2026 14:05 UTC."""
    local = timezone.localtime(instant)
    return f"{formats.date_format(local, 'DATETIME_FORMAT')} {local.tzname()}"


class SubscriptionError(ServiceError):
    """A change that cannot be made to a subscription (the message, translated, says why)."""


class StaleSubscription(SubscriptionError):
    """The subscription changed since the form was rendered; saving would lose that change."""

    def __init__(self):
        super().__init__(_("This subscription was changed by someone else; reload"), status=409)


def _locked(subscription: Subscription, version: int) -> Subscription:
    """The subscription's row, locked for this transaction, if still at ``version``."""
    locked = (
        # Lock only the subscription's row: the joined rows (some nullable) stay free.
        Subscription.objects.select_for_update(of=("self",))
        .select_related(
            "provider",
            "offer",
            "customer",
            "reseller_location__organisation",
            "support_contact",
        )
        .get(pk=subscription.pk)
    )
    if locked.version != version:
        raise StaleSubscription()
    if locked.status == Subscription.Status.CANCELLED:
        raise SubscriptionError(_("A cancelled subscription cannot be changed."))
    if locked.status == Subscription.Status.UPGRADED:
        raise SubscriptionError(_("An upgraded subscription cannot be changed."))
    if locked.status == Subscription.Status.EXPIRED:
        raise SubscriptionError(_("An expired subscription cannot be changed."))
    return locked


def _require_provider(*, org, subscription: Subscription) -> None:
    # The credited reseller and the support contact are the provider's decisions.
    if org.pk != subscription.provider_id:
        raise PermissionDenied


def _save_change(
    *, subscription: Subscription, org, actor, field: str, before: str, after: str, verb: str
) -> Subscription:
    """Bump the version, keep the history row and write the activity event(s)."""
    subscription.version += 1
    subscription.save()
    SubscriptionChange.objects.create(
        subscription=subscription, actor=actor, field=field, before=before, after=after
    )
    orgs = {org.pk: org}
    # The provider's log shows every change of its subscriptions, including a reseller's.
    orgs.setdefault(subscription.provider_id, subscription.provider)
    for event_org in orgs.values():
        audit.record(
            org=event_org,
            actor=actor,
            verb=verb,
            obj=subscription,
            before={field: before},
            after={field: after},
        )
    return subscription


def location_label(location) -> str:
    """How a credited location reads in the history: its ID and its organisation."""
    if location is None:
        return ""
    return f"{location.location_partner_id} · {location.organisation.legal_name}"


def contact_label(org) -> str:
    return "" if org is None else f"{org.legal_name} ({org.partner_id})"


class ConfirmationNeeded(SubscriptionError):
    """The change would discard the scheduled change: the user confirms first."""


@transaction.atomic
def subscription_change_quantity(
    *,
    subscription: Subscription,
    quantity: int,
    version: int,
    org,
    actor,
    discard_scheduled: bool = False,
) -> Subscription:
    """Change the licence count now: an addition opens a 168-hour window, a decrease needs one.

    A decrease is allowed by as many licences as were added in windows still
    open; the pending scheduled change, if any, is discarded (the caller
    confirms with ``discard_scheduled``).
    """
    locked = _locked(subscription, version)
    offer = locked.offer
    if not offer.min_licences <= quantity <= offer.max_licences:
        raise SubscriptionError(
            _("Between %(min)s and %(max)s licences for this offer.")
            % {"min": offer.min_licences, "max": offer.max_licences},
            field="quantity",
        )
    if quantity == locked.quantity:
        raise SubscriptionError(
            _("The subscription already has this licence count."), field="quantity"
        )
    now = timezone.now()
    additions = list(locked.seat_additions.select_for_update())
    if quantity < locked.quantity:
        removable = terms.removable_seats(additions, now)
        wanted = locked.quantity - quantity
        if wanted > removable:
            raise SubscriptionError(
                _decrease_refused(removable=removable, additions=additions, now=now),
                field="quantity",
            )
        changed = terms.take_seats(additions, wanted, now)
        SeatAddition.objects.bulk_update(changed, ["seats_removed"])
        # Licences removed inside their window: the days left are credited.
        billing.charge_record(
            subscription=locked, kind=Charge.Kind.SEATS_REMOVED, quantity=-wanted, now=now
        )
    else:
        _open_window(subscription=locked, seats=quantity - locked.quantity, now=now)
        billing.charge_record(
            subscription=locked,
            kind=Charge.Kind.SEATS_ADDED,
            quantity=quantity - locked.quantity,
            now=now,
        )
    pending = ScheduledChange.objects.pending().filter(subscription=locked).first()
    if pending is not None:
        if not discard_scheduled:
            raise ConfirmationNeeded(
                _(
                    "Changing the licence count now discards the change scheduled for the "
                    "renewal. Confirm to go ahead."
                ),
                field="confirm_discard",
            )
        pending.status = ScheduledChange.Status.DISCARDED
        pending.closed_at = now
        pending.save(update_fields=["status", "closed_at", "updated_at"])
    before = locked.quantity
    locked.quantity = quantity
    return _save_change(
        subscription=locked,
        org=org,
        actor=actor,
        field="quantity",
        before=str(before),
        after=str(quantity),
        verb=Verb.SUBSCRIPTION_QUANTITY_CHANGED,
    )


def _decrease_refused(*, removable: int, additions, now) -> str:
    closed = terms.last_closed_window(additions, now)
    if removable and closed:
        return _(
            "Only %(count)s licences can be removed now: they were added less than 168 hours "
            "ago. The cancellation window of the others closed on %(closed)s. Schedule the "
            "new licence count for the renewal instead."
        ) % {"count": removable, "closed": when(closed)}
    if closed:
        return _(
            "Licences can no longer be removed: the cancellation window closed on %(closed)s. "
            "Schedule the new licence count for the renewal instead."
        ) % {"closed": when(closed)}
    return _(
        "Licences can be removed only within 168 hours of being added. Schedule the new "
        "licence count for the renewal instead."
    )


# Allowed status transitions: action -> (statuses it applies to, resulting status, verb).
_TRANSITIONS = {
    "suspend": (
        {Subscription.Status.ACTIVE},
        Subscription.Status.SUSPENDED,
        Verb.SUBSCRIPTION_SUSPENDED,
    ),
    "reactivate": (
        {Subscription.Status.SUSPENDED},
        Subscription.Status.ACTIVE,
        Verb.SUBSCRIPTION_REACTIVATED,
    ),
    "cancel": (
        {Subscription.Status.ACTIVE, Subscription.Status.SUSPENDED},
        Subscription.Status.CANCELLED,
        Verb.SUBSCRIPTION_CANCELLED,
    ),
}


def _transition_refused(action: str) -> str:
    return {
        "suspend": _("Only an active subscription can be suspended."),
        "reactivate": _("Only a suspended subscription can be reactivated."),
        "cancel": _("This subscription cannot be cancelled."),
    }[action]


@transaction.atomic
def subscription_set_status(
    *, subscription: Subscription, action: str, version: int, org, actor
) -> Subscription:
    """Suspend, reactivate or cancel; any other transition is refused."""
    _require_provider(org=org, subscription=subscription)
    allowed_from, new_status, verb = _TRANSITIONS[action]
    locked = _locked(subscription, version)
    if locked.status not in allowed_from:
        raise SubscriptionError(_transition_refused(action))
    if action == "cancel":
        closes = terms.cancellation_closes_at(locked.term_start)
        if timezone.now() >= closes:
            raise SubscriptionError(
                _(
                    "This subscription can no longer be cancelled: the cancellation window "
                    "closed on %(closed)s, 168 hours after the term began. Turn auto-renew off "
                    "to end it at the renewal instead."
                )
                % {"closed": when(closes)}
            )
        ScheduledChange.objects.pending().filter(subscription=locked).update(
            status=ScheduledChange.Status.DISCARDED, closed_at=timezone.now()
        )
        # Cancelled inside its window: the days left of the period are credited.
        billing.charge_record(
            subscription=locked, kind=Charge.Kind.CANCELLED, quantity=-locked.quantity
        )
    before = locked.status
    locked.status = new_status
    return _save_change(
        subscription=locked,
        org=org,
        actor=actor,
        field="status",
        before=before,
        after=new_status,
        verb=verb,
    )


@transaction.atomic
def subscription_set_reseller(
    *, subscription: Subscription, location, version: int, org, actor
) -> Subscription:
    """Credit a reseller location (validated by the caller's form), or none."""
    _require_provider(org=org, subscription=subscription)
    locked = _locked(subscription, version)
    if locked.reseller_location_id == (location.pk if location else None):
        raise SubscriptionError(_("This reseller is already credited."))
    before = location_label(locked.reseller_location)
    locked.reseller_location = location
    return _save_change(
        subscription=locked,
        org=org,
        actor=actor,
        field="reseller",
        before=before,
        after=location_label(location),
        verb=Verb.SUBSCRIPTION_RESELLER_CHANGED,
    )


@transaction.atomic
def subscription_set_support_contact(
    *, subscription: Subscription, contact, version: int, org, actor
) -> Subscription:
    """Name the provider or the customer's associated reseller as the support contact."""
    _require_provider(org=org, subscription=subscription)
    locked = _locked(subscription, version)
    allowed = {locked.provider_id, locked.customer.reseller_id} - {None}
    if contact.pk not in allowed:
        raise SubscriptionError(_("Choose the provider or the customer's associated reseller."))
    if contact.pk == locked.support_contact_id:
        raise SubscriptionError(_("This is already the designated support contact."))
    before = contact_label(locked.support_contact)
    locked.support_contact = contact
    return _save_change(
        subscription=locked,
        org=org,
        actor=actor,
        field="support_contact",
        before=before,
        after=contact_label(contact),
        verb=Verb.SUBSCRIPTION_SUPPORT_CONTACT_CHANGED,
    )


def offer_label(offer: Offer, quantity: int) -> str:
    return f"{offer.name} × {quantity}"


@transaction.atomic
def subscription_upgrade(
    *,
    subscription: Subscription,
    offer: Offer,
    quantity: int,
    version: int,
    org,
    actor,
    term_pair: str = "",
) -> Subscription:
    """Replace an active subscription by one of an offer it upgrades to; returns the new one.

    The old subscription ends as upgraded and names its successor; the new one
    keeps the credited reseller and the support contact.
    """
    _require_provider(org=org, subscription=subscription)
    locked = _locked(subscription, version)
    if locked.status != Subscription.Status.ACTIVE:
        raise SubscriptionError(_("Only an active subscription can be upgraded."))
    if not selectors.upgrade_targets(offer=locked.offer).filter(pk=offer.pk).exists():
        raise SubscriptionError(
            _("%(offer)s cannot be upgraded to %(target)s.")
            % {"offer": locked.offer.name, "target": offer.name}
        )
    if quantity < locked.quantity:
        raise SubscriptionError(
            _("Enter at least the current licence count (%(current)s).")
            % {"current": locked.quantity}
        )
    if not offer.min_licences <= quantity <= offer.max_licences:
        raise SubscriptionError(
            _("Between %(min)s and %(max)s licences for %(offer)s.")
            % {"min": offer.min_licences, "max": offer.max_licences, "offer": offer.name}
        )
    term, frequency = term_pair_for(offer=offer, value=term_pair)
    now = timezone.now()
    successor = Subscription.objects.create(
        provider=locked.provider,
        customer=locked.customer,
        offer=offer,
        quantity=quantity,
        reseller_location=locked.reseller_location,
        support_contact=locked.support_contact,
        term=term,
        billing_frequency=frequency,
        term_start=now,
        term_end=terms.term_end_for(now, term),
        auto_renew=locked.auto_renew,
    )
    _open_window(subscription=successor, seats=quantity, now=now)
    ScheduledChange.objects.pending().filter(subscription=locked).update(
        status=ScheduledChange.Status.DISCARDED, closed_at=now
    )
    before, after = offer_label(locked.offer, locked.quantity), offer_label(offer, quantity)
    SubscriptionChange.objects.create(
        subscription=successor, actor=actor, field="upgraded_from", before=before, after=after
    )
    locked.status = Subscription.Status.UPGRADED
    locked.upgraded_to = successor
    _save_change(
        subscription=locked,
        org=org,
        actor=actor,
        field="upgraded_to",
        before=before,
        after=after,
        verb=Verb.SUBSCRIPTION_UPGRADED,
    )
    return successor


def _live(locked: Subscription) -> Subscription:
    if locked.status not in (Subscription.Status.ACTIVE, Subscription.Status.SUSPENDED):
        raise SubscriptionError(_("This subscription does not renew."))
    return locked


@transaction.atomic
def subscription_set_auto_renew(
    *, subscription: Subscription, auto_renew: bool, version: int, org, actor
) -> Subscription:
    """Turn auto-renew on or off: off, the subscription ends (expires) at its term end."""
    _require_provider(org=org, subscription=subscription)
    locked = _live(_locked(subscription, version))
    if locked.auto_renew == auto_renew:
        raise SubscriptionError(
            _("Auto-renew is already on.") if auto_renew else _("Auto-renew is already off.")
        )
    locked.auto_renew = auto_renew
    return _save_change(
        subscription=locked,
        org=org,
        actor=actor,
        field="auto_renew",
        before=_on_off(not auto_renew),
        after=_on_off(auto_renew),
        verb=Verb.SUBSCRIPTION_AUTO_RENEW_CHANGED,
    )


def _on_off(value: bool) -> str:
    return "on" if value else "off"


@dataclass(frozen=True)
class ChangeRequest:
    """The next term's values: licence count, offer, term and billing frequency."""

    quantity: int
    offer: Offer
    term_pair: str


def describe_change(*, quantity: int, offer, term: str, billing_frequency: str) -> str:
    """A scheduled change as the history and the emails show it (not translated: stored)."""
    return f"{offer.name} × {quantity} · {term}/{billing_frequency}"


@transaction.atomic
def scheduled_change_save(
    *, subscription: Subscription, change: ChangeRequest, version: int, org, actor
) -> ScheduledChange:
    """Create or edit the subscription's one pending change for the next term."""
    _require_provider(org=org, subscription=subscription)
    locked = _live(_locked(subscription, version))
    offer = change.offer
    if offer.pk != locked.offer_id and not (
        selectors.upgrade_targets(offer=locked.offer).filter(pk=offer.pk).exists()
    ):
        raise SubscriptionError(
            _("%(offer)s cannot be upgraded to %(target)s.")
            % {"offer": locked.offer.name, "target": offer.name},
            field="offer",
        )
    if not offer.min_licences <= change.quantity <= offer.max_licences:
        raise SubscriptionError(
            _("Between %(min)s and %(max)s licences for %(offer)s.")
            % {"min": offer.min_licences, "max": offer.max_licences, "offer": offer.name},
            field="quantity",
        )
    term, frequency = term_pair_for(offer=offer, value=change.term_pair)
    if (change.quantity, offer.pk, term, frequency) == (
        locked.quantity,
        locked.offer_id,
        locked.term,
        locked.billing_frequency,
    ):
        raise SubscriptionError(
            _("This is what the subscription renews with already: change something.")
        )
    pending = ScheduledChange.objects.pending().filter(subscription=locked).first()
    before = (
        describe_change(
            quantity=pending.quantity,
            offer=pending.offer,
            term=pending.term,
            billing_frequency=pending.billing_frequency,
        )
        if pending
        else ""
    )
    if pending is None:
        pending = ScheduledChange(subscription=locked, created_by=actor)
    pending.quantity, pending.offer = change.quantity, offer
    pending.term, pending.billing_frequency = term, frequency
    pending.save()
    _save_change(
        subscription=locked,
        org=org,
        actor=actor,
        field="scheduled_change",
        before=before,
        after=describe_change(
            quantity=change.quantity, offer=offer, term=term, billing_frequency=frequency
        ),
        verb=Verb.SUBSCRIPTION_SCHEDULED_CHANGE_EDITED
        if before
        else Verb.SUBSCRIPTION_CHANGE_SCHEDULED,
    )
    return pending


@transaction.atomic
def scheduled_change_cancel(
    *, subscription: Subscription, version: int, org, actor
) -> Subscription:
    """Withdraw the pending change: the subscription renews as it is."""
    _require_provider(org=org, subscription=subscription)
    locked = _locked(subscription, version)
    pending = ScheduledChange.objects.pending().filter(subscription=locked).first()
    if pending is None:
        raise SubscriptionError(_("No change is scheduled."))
    pending.status = ScheduledChange.Status.CANCELLED
    pending.closed_at = timezone.now()
    pending.save(update_fields=["status", "closed_at", "updated_at"])
    return _save_change(
        subscription=locked,
        org=org,
        actor=actor,
        field="scheduled_change",
        before=describe_change(
            quantity=pending.quantity,
            offer=pending.offer,
            term=pending.term,
            billing_frequency=pending.billing_frequency,
        ),
        after="",
        verb=Verb.SUBSCRIPTION_SCHEDULED_CHANGE_CANCELLED,
    )


# Subscriptions renewed per transaction: one lock set, a few bulk statements.
RENEWAL_BATCH_SIZE = 500


@dataclass
class RenewalRun:
    renewed: int = 0
    expired: int = 0
    batches: int = 0


def subscriptions_renew_due(*, now=None, batch_size: int = RENEWAL_BATCH_SIZE) -> RenewalRun:
    """Renew (or expire) every live subscription whose term has ended by ``now``.

    Idempotent: a renewed subscription's term ends in the future, so a second
    run finds nothing. Two runs at once share the work: each batch locks its
    rows with ``FOR UPDATE SKIP LOCKED``, so a row is renewed by one of them
    only; a row locked by a user's change is skipped and renewed by the next run.
    """
    now = now or timezone.now()
    run = RenewalRun()
    while True:
        renewed, expired = _renew_batch(now=now, batch_size=batch_size)
        if not renewed and not expired:
            return run
        run.renewed += renewed
        run.expired += expired
        run.batches += 1


@transaction.atomic
def _renew_batch(*, now, batch_size: int) -> tuple[int, int]:
    batch = list(
        Subscription.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("offer", "provider")
        .filter(status__in=_LIVE, term_end__lte=now)
        .order_by("term_end", "id")[:batch_size]
    )
    if not batch:
        return 0, 0
    pending = {
        change.subscription_id: change
        for change in ScheduledChange.objects.pending()
        .filter(subscription__in=batch)
        .select_related("offer")
    }
    history, events, applied = [], [], []
    renewed = expired = 0
    for sub in batch:
        old_end = terms.term_last_date(sub.term_end).isoformat()
        # A suspended subscription renews too, and stays suspended.
        if sub.auto_renew:
            renewed += 1
            before = describe_change(
                quantity=sub.quantity,
                offer=sub.offer,
                term=sub.term,
                billing_frequency=sub.billing_frequency,
            )
            change = pending.get(sub.pk)
            if change is not None:
                sub.quantity, sub.offer = change.quantity, change.offer
                sub.term, sub.billing_frequency = change.term, change.billing_frequency
                change.status, change.closed_at = ScheduledChange.Status.APPLIED, now
                applied.append(change)
            # The next term starts when this one ended, even when the job runs late.
            sub.term_start = sub.term_end
            sub.term_end = terms.term_end_for(sub.term_start, sub.term)
            after = describe_change(
                quantity=sub.quantity,
                offer=sub.offer,
                term=sub.term,
                billing_frequency=sub.billing_frequency,
            )
            new_end = terms.term_last_date(sub.term_end).isoformat()
            history.append(
                SubscriptionChange(
                    subscription=sub,
                    field="renewed",
                    before=f"{before} · {old_end}",
                    after=f"{after} · {new_end}",
                )
            )
            events.append(
                audit.build(
                    org=sub.provider,
                    actor=None,
                    verb=Verb.SUBSCRIPTION_RENEWED,
                    obj=sub,
                    before={"term_end": old_end, "change": before},
                    after={
                        "term_end": new_end,
                        "change": after,
                        "scheduled_change": change is not None,
                    },
                )
            )
        else:
            expired += 1
            history.append(
                SubscriptionChange(
                    subscription=sub, field="status", before=sub.status, after="expired"
                )
            )
            events.append(
                audit.build(
                    org=sub.provider,
                    actor=None,
                    verb=Verb.SUBSCRIPTION_EXPIRED,
                    obj=sub,
                    before={"status": sub.status},
                    after={"status": "expired", "term_end": old_end},
                )
            )
            sub.status = Subscription.Status.EXPIRED
        sub.version += 1
        sub.updated_at = now
    # One UPDATE per kind of row, naming only the columns that kind changes: an
    # UPDATE of many rows is a CASE per column, and most renewals change four.
    changed_ids = {change.subscription_id for change in applied}
    expired_rows = [sub for sub in batch if sub.status == Subscription.Status.EXPIRED]
    as_is = [sub for sub in batch if sub.pk not in changed_ids and sub not in expired_rows]
    with_change = [sub for sub in batch if sub.pk in changed_ids]
    dates = ["term_start", "term_end", "version", "updated_at"]
    for rows, fields in (
        (as_is, dates),
        (with_change, [*dates, "quantity", "offer", "term", "billing_frequency"]),
        (expired_rows, ["status", "version", "updated_at"]),
    ):
        if rows:
            Subscription.objects.bulk_update(rows, fields)
    ScheduledChange.objects.bulk_update(applied, ["status", "closed_at"])
    # Expired subscriptions' scheduled changes have nothing left to apply to.
    ScheduledChange.objects.pending().filter(
        subscription__in=[s.pk for s in batch if s.status == Subscription.Status.EXPIRED]
    ).update(status=ScheduledChange.Status.DISCARDED, closed_at=now)
    SubscriptionChange.objects.bulk_create(history)
    audit.record_many(events)
    billing.charges_for_renewals(
        [sub for sub in batch if sub.status != Subscription.Status.EXPIRED], now=now
    )
    return renewed, expired


_LIVE = (Subscription.Status.ACTIVE, Subscription.Status.SUSPENDED)


def renewal_reminders_send_due(*, now=None, batch_size: int = RENEWAL_BATCH_SIZE) -> int:
    """Send the reminders due at ``now`` (30 and 7 days before a term end), each once.

    One email to each Global admin of the provider and of the subscription's
    reseller (its support contact, or else the customer's associated reseller),
    in the recipient's language. Returns the number of reminders (subscriptions).
    """
    now = now or timezone.now()
    sent = 0
    after_id = 0
    while True:
        count, after_id = _remind_batch(now=now, after_id=after_id, batch_size=batch_size)
        sent += count
        if after_id is None:
            return sent


@transaction.atomic
def _remind_batch(*, now, after_id: int, batch_size: int) -> tuple[int, int | None]:
    from subscriptions.models import RenewalReminder

    horizon = now + timedelta(days=max(terms.REMINDER_DAYS))
    batch = list(
        Subscription.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("offer", "provider", "customer__reseller", "support_contact")
        .filter(status__in=_LIVE, term_end__gt=now, term_end__lte=horizon, pk__gt=after_id)
        .order_by("pk")[:batch_size]
    )
    if not batch:
        return 0, None
    # Read after the rows are locked: a run that sent them meanwhile has committed.
    done = set(
        RenewalReminder.objects.filter(subscription__in=batch).values_list(
            "subscription_id", "term_end", "days_before"
        )
    )
    due = []
    for sub in batch:
        days = terms.reminder_due(term_start=sub.term_start, term_end=sub.term_end, now=now)
        if days is not None and (sub.pk, sub.term_end, days) not in done:
            due.append((sub, days))
    if due:
        pending = {
            change.subscription_id: change
            for change in ScheduledChange.objects.pending()
            .filter(subscription__in=[sub for sub, _days in due])
            .select_related("offer")
        }
        recipients = selectors.reminder_recipients(subscriptions=[sub for sub, _days in due])
        reminders, events = [], []
        for sub, days in due:
            people = recipients.get(sub.pk, [])
            for person in people:
                _queue_reminder(sub=sub, days=days, change=pending.get(sub.pk), person=person)
            reminders.append(
                RenewalReminder(
                    subscription=sub,
                    term_end=sub.term_end,
                    days_before=days,
                    sent_at=now,
                    recipients=len(people),
                )
            )
            events.append(
                audit.build(
                    org=sub.provider,
                    actor=None,
                    verb=Verb.SUBSCRIPTION_RENEWAL_REMINDER_SENT,
                    obj=sub,
                    after={
                        "days_before": days,
                        "term_end": terms.term_last_date(sub.term_end).isoformat(),
                        "recipients": len(people),
                    },
                )
            )
        RenewalReminder.objects.bulk_create(reminders)
        audit.record_many(events)
    return len(due), batch[-1].pk


def _queue_reminder(*, sub, days: int, change, person) -> None:
    from django.conf import settings
    from django.urls import reverse

    from portal.emails import queue_email

    with translation.override(person.language):
        renewal = selectors.renewal_label(
            status=sub.status,
            auto_renew=sub.auto_renew,
            term_end=sub.term_end,
            has_change=change is not None,
        )
    queue_email(
        kind="renewal-reminder",
        to=person.email,
        language=person.language,
        org=sub.provider,
        context={
            "subscription": sub,
            "days": days,
            "renews": sub.auto_renew,
            "change": change,
            "renewal_label": renewal,
            "last_day": terms.term_last_date(sub.term_end),
            "url": settings.SITE_URL
            + reverse("subscriptions:subscription_detail", args=[sub.uuid]),
        },
    )
