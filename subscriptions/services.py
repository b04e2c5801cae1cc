"""Writes on orders and subscriptions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from portal import audit
from portal.audit import Verb
from portal.errors import ServiceError
from subscriptions import selectors
from subscriptions.models import Offer, Order, OrderLine, Subscription, SubscriptionChange


@dataclass(frozen=True)
class LineRequest:
    """One line of an order: an offer, a licence count, optionally the reseller credited."""

    offer: Offer
    quantity: int
    reseller: object | None = None  # partners.Organisation


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
    for line in lines:
        if not line.offer.is_active:
            raise OrderError(f"{line.offer.name} cannot be ordered")
        if not line.offer.min_licences <= line.quantity <= line.offer.max_licences:
            raise OrderError(f"{line.offer.name}: quantity out of bounds")
    try:
        with transaction.atomic():
            order = Order.objects.create(
                provider=provider,
                customer=customer,
                idempotency_key=idempotency_key,
                submitted_by=actor,
            )
            for line in lines:
                _create_line(order=order, line=line, actor=actor)
            audit.record(
                org=provider,
                actor=actor,
                verb=Verb.ORDER_SUBMITTED,
                obj=order,
                after={"customer": str(customer.uuid), "lines": len(lines)},
            )
    except IntegrityError:
        # A concurrent double submit with the same key: the other one won.
        existing = Order.objects.filter(idempotency_key=idempotency_key, provider=provider).first()
        if existing is None:
            raise
        return existing, False
    return order, True


def _create_line(*, order, line: LineRequest, actor) -> Subscription:
    order_line = OrderLine.objects.create(
        order=order, offer=line.offer, quantity=line.quantity, reseller=line.reseller
    )
    reseller = line.reseller
    location = reseller.locations.order_by("created_at").first() if reseller is not None else None
    subscription = Subscription.objects.create(
        provider=order.provider,
        customer=order.customer,
        offer=line.offer,
        order_line=order_line,
        quantity=line.quantity,
        reseller_location=location,
        # Support comes from the customer's associated reseller (which holds
        # delegated admin), not from whichever reseller is credited.
        support_contact=order.customer.reseller or order.provider,
    )
    SubscriptionChange.objects.create(
        subscription=subscription,
        actor=actor,
        field="created",
        before="",
        after=f"{line.offer.name} × {line.quantity}",
    )
    audit.record(
        org=order.provider,
        actor=actor,
        verb=Verb.SUBSCRIPTION_CREATED,
        obj=subscription,
        after={
            "offer": line.offer.sku,
            "quantity": line.quantity,
            "reseller": reseller.partner_id if reseller else None,
        },
    )
    return subscription


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


@transaction.atomic
def subscription_change_quantity(
    *, subscription: Subscription, quantity: int, version: int, org, actor
) -> Subscription:
    """Change the licence count within the offer's bounds."""
    locked = _locked(subscription, version)
    offer = locked.offer
    if not offer.min_licences <= quantity <= offer.max_licences:
        raise SubscriptionError(
            _("Enter a licence count from %(min)s to %(max)s.")
            % {"min": offer.min_licences, "max": offer.max_licences}
        )
    if quantity == locked.quantity:
        raise SubscriptionError(_("The subscription already has this licence count."))
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
    *, subscription: Subscription, offer: Offer, quantity: int, version: int, org, actor
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
            _("Enter a licence count from %(min)s to %(max)s for %(offer)s.")
            % {"min": offer.min_licences, "max": offer.max_licences, "offer": offer.name}
        )
    successor = Subscription.objects.create(
        provider=locked.provider,
        customer=locked.customer,
        offer=offer,
        quantity=quantity,
        reseller_location=locked.reseller_location,
        support_contact=locked.support_contact,
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
