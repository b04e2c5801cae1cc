"""Reads on webhooks, always through the organisation."""

from __future__ import annotations

from portal.tenancy import get_for_org
from webhooks.models import WebhookDelivery, WebhookSubscription

DELIVERY_LOG_LENGTH = 50


def webhooks(*, org):
    """The organisation's webhook subscriptions, newest first."""
    return WebhookSubscription.objects.for_org(org)


def webhook_for_org(*, org, uuid) -> WebhookSubscription:
    return get_for_org(WebhookSubscription, org, uuid=uuid)


def delivery_log(*, subscription: WebhookSubscription):
    """The subscription's latest deliveries, newest first."""
    return subscription.deliveries.order_by("-created_at", "-id")[:DELIVERY_LOG_LENGTH]


def delivery_for_org(*, org, subscription: WebhookSubscription, uuid) -> WebhookDelivery:
    return get_for_org(WebhookDelivery.objects.filter(subscription=subscription), org, uuid=uuid)
