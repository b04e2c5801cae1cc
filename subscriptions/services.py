"""Writes on orders and subscriptions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from portal import audit
from subscriptions.models import Offer, Order, OrderLine, Subscription, SubscriptionChange


@dataclass(frozen=True)
class LineRequest:
    """One line of an order: an offer, a licence count, optionally the reseller credited."""

    offer: Offer
    quantity: int
    reseller: object | None = None  # partners.Organisation


class OrderError(ValueError):
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
                verb="order.submitted",
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
        support_contact=reseller or order.provider,
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
        verb="subscription.created",
        obj=subscription,
        after={
            "offer": line.offer.sku,
            "quantity": line.quantity,
            "reseller": reseller.partner_id if reseller else None,
        },
    )
    return subscription
