"""Writes on webhooks: subscriptions, their secrets, and deliveries (each written with its change)."""

from __future__ import annotations

import json
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import audit
from portal.audit import Verb
from portal.emails import queue_email
from portal.errors import ServiceError
from portal.roles import Role
from webhooks import signing, transport
from webhooks.models import EventType, WebhookDelivery, WebhookSubscription

log = logging.getLogger(__name__)

# Which activity verbs a subscriber is told about, as which event.
EVENT_FOR_VERB = {
    Verb.CUSTOMER_CREATED: EventType.CUSTOMER_CREATED,
    Verb.SUBSCRIPTION_CREATED: EventType.SUBSCRIPTION_CREATED,
    Verb.SUBSCRIPTION_QUANTITY_CHANGED: EventType.SUBSCRIPTION_UPDATED,
    Verb.SUBSCRIPTION_SUSPENDED: EventType.SUBSCRIPTION_UPDATED,
    Verb.SUBSCRIPTION_REACTIVATED: EventType.SUBSCRIPTION_UPDATED,
    Verb.SUBSCRIPTION_CANCELLED: EventType.SUBSCRIPTION_UPDATED,
    Verb.SUBSCRIPTION_RESELLER_CHANGED: EventType.SUBSCRIPTION_UPDATED,
    Verb.SUBSCRIPTION_SUPPORT_CONTACT_CHANGED: EventType.SUBSCRIPTION_UPDATED,
    Verb.SUBSCRIPTION_UPGRADED: EventType.SUBSCRIPTION_UPDATED,
    Verb.SUBSCRIPTION_AUTO_RENEW_CHANGED: EventType.SUBSCRIPTION_UPDATED,
    Verb.SUBSCRIPTION_CHANGE_SCHEDULED: EventType.SUBSCRIPTION_UPDATED,
    Verb.SUBSCRIPTION_SCHEDULED_CHANGE_EDITED: EventType.SUBSCRIPTION_UPDATED,
    Verb.SUBSCRIPTION_SCHEDULED_CHANGE_CANCELLED: EventType.SUBSCRIPTION_UPDATED,
    Verb.SUBSCRIPTION_EXPIRED: EventType.SUBSCRIPTION_UPDATED,
    Verb.SUBSCRIPTION_RENEWED: EventType.SUBSCRIPTION_RENEWED,
    Verb.PARTNERSHIP_REQUEST_ACCEPTED: EventType.PARTNERSHIP_REQUEST_ACCEPTED,
    Verb.PARTNERSHIP_REMOVED: EventType.PARTNERSHIP_REMOVED,
    Verb.PARTNERSHIP_REVOKED: EventType.PARTNERSHIP_REMOVED,
    Verb.ADMIN_RELATIONSHIP_APPROVED: EventType.ADMIN_RELATIONSHIP_APPROVED,
    Verb.ADMIN_RELATIONSHIP_EXPIRING: EventType.ADMIN_RELATIONSHIP_EXPIRING,
    Verb.ADMIN_RELATIONSHIP_TERMINATED: EventType.ADMIN_RELATIONSHIP_TERMINATED,
}
SUBSCRIBABLE_EVENTS = [e for e in EventType if e != EventType.TEST]

RETRY_FOR = timedelta(hours=24)
DISABLE_AFTER = timedelta(days=5)
FIRST_RETRY_SECONDS = 5
MAX_RETRY_SECONDS = 3600
ROTATION_OVERLAP = timedelta(hours=24)


class WebhookError(ServiceError):
    """A webhook change that cannot be made (the message says why)."""


def _check_url(url: str) -> None:
    if not url.startswith("https://") and not (
        settings.WEBHOOKS_ALLOW_HTTP and url.startswith("http://")
    ):
        raise WebhookError(_("The endpoint URL must begin with https://."), field="url")


def _check_events(events: list[str]) -> list[str]:
    allowed = {e.value for e in SUBSCRIBABLE_EVENTS}
    if not events or not set(events) <= allowed:
        raise WebhookError(_("Choose at least one event."), field="events")
    return sorted(set(events))


@transaction.atomic
def webhook_create(*, org, url: str, events: list[str], actor) -> WebhookSubscription:
    """Add an endpoint; its signing secret is on the returned object, shown once."""
    _check_url(url)
    subscription = WebhookSubscription.objects.create(
        organisation=org, url=url, events=_check_events(events), secret=signing.new_secret()
    )
    audit.record(
        org=org,
        actor=actor,
        verb=Verb.WEBHOOK_CREATED,
        obj=subscription,
        after={"url": url, "events": subscription.events},
    )
    return subscription


@transaction.atomic
def webhook_update(
    *, subscription: WebhookSubscription, url: str, events: list[str], enabled: bool, actor
) -> WebhookSubscription:
    """Change an endpoint's URL, events, or whether it is sent to."""
    _check_url(url)
    before = {
        "url": subscription.url,
        "events": subscription.events,
        "enabled": subscription.enabled,
    }
    subscription.url = url
    subscription.events = _check_events(events)
    if enabled and not subscription.enabled:
        subscription.failing_since = None
        subscription.disabled_reason = ""
    subscription.enabled = enabled
    subscription.save()
    audit.record(
        org=subscription.organisation,
        actor=actor,
        verb=Verb.WEBHOOK_UPDATED,
        obj=subscription,
        before=before,
        after={"url": url, "events": subscription.events, "enabled": enabled},
    )
    return subscription


@transaction.atomic
def webhook_rotate_secret(*, subscription: WebhookSubscription, actor) -> WebhookSubscription:
    """A new signing secret; the old one also signs for ROTATION_OVERLAP."""
    subscription.previous_secret = subscription.secret
    subscription.previous_secret_until = timezone.now() + ROTATION_OVERLAP
    subscription.secret = signing.new_secret()
    subscription.save()
    audit.record(
        org=subscription.organisation,
        actor=actor,
        verb=Verb.WEBHOOK_SECRET_ROTATED,
        obj=subscription,
    )
    return subscription


def _payload(*, event_type: str, data: dict, at) -> str:
    from api.representations import iso

    return json.dumps(
        {"type": event_type, "timestamp": iso(at), "data": data}, separators=(",", ":")
    )


def _new_message_id() -> str:
    return "msg_" + secrets.token_urlsafe(18)


def _enqueue(delivery_ids: list[int]) -> None:
    from webhooks.tasks import deliver_webhook

    def send():
        try:
            for delivery_id in delivery_ids:
                deliver_webhook.delay(delivery_id)
        except Exception:  # broker down: the relay hands the due deliveries over later
            log.warning("Could not enqueue webhook deliveries %s", delivery_ids, exc_info=True)

    # Robust: the change is committed whatever happens to the hand-over.
    transaction.on_commit(send, robust=True)


def deliveries_for_event(*, event, obj=None) -> list[WebhookDelivery]:
    """The deliveries an activity event causes, written in the caller's transaction."""
    return deliveries_for_events([(event, obj)])


def deliveries_for_events(events: list[tuple]) -> list[WebhookDelivery]:
    """The deliveries of (activity event, its object) pairs, written in the caller's
    transaction: one event from a page, or a batch job's many (renewals) with one query for
    the organisations' webhook subscriptions."""
    from api.representations import BY_MODEL

    wanted = [
        (event, EVENT_FOR_VERB[event.verb], obj)
        for event, obj in events
        if event.verb in EVENT_FOR_VERB and obj is not None and obj._meta.model_name in BY_MODEL
    ]
    if not wanted:
        return []
    subscriptions: dict[int, list[WebhookSubscription]] = {}
    for subscription in WebhookSubscription.objects.filter(
        organisation_id__in={pair[0].organisation_id for pair in wanted}, enabled=True
    ):
        subscriptions.setdefault(subscription.organisation_id, []).append(subscription)
    deliveries = []
    for event, event_type, obj in wanted:
        targets = [
            s for s in subscriptions.get(event.organisation_id, []) if event_type in s.events
        ]
        if not targets:
            continue
        body = _payload(
            event_type=event_type, data=BY_MODEL[obj._meta.model_name](obj), at=event.created_at
        )
        deliveries += [
            WebhookDelivery(
                subscription=s,
                message_id=_new_message_id(),
                event_type=event_type,
                payload=body,
                next_attempt_at=event.created_at,
            )
            for s in targets
        ]
    if not deliveries:
        return []
    deliveries = WebhookDelivery.objects.bulk_create(deliveries)
    _enqueue([d.pk for d in deliveries])
    return deliveries


@transaction.atomic
def webhook_send_test(*, subscription: WebhookSubscription) -> WebhookDelivery:
    """A test event to the endpoint, signed like any other."""
    now = timezone.now()
    delivery = WebhookDelivery.objects.create(
        subscription=subscription,
        message_id=_new_message_id(),
        event_type=EventType.TEST,
        payload=_payload(event_type=EventType.TEST, data={"test": True}, at=now),
        next_attempt_at=now,
    )
    _enqueue([delivery.pk])
    return delivery


@transaction.atomic
def webhook_redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again, same webhook-id, with a fresh 24 hours of retries."""
    delivery.status = WebhookDelivery.Status.PENDING
    delivery.next_attempt_at = timezone.now()
    delivery.created_at = timezone.now()
    delivery.save()
    _enqueue([delivery.pk])
    return delivery


def _signing_secrets(subscription: WebhookSubscription, now) -> list[str]:
    live = [subscription.secret]
    if (
        subscription.previous_secret
        and subscription.previous_secret_until
        and (subscription.previous_secret_until > now)
    ):
        live.append(subscription.previous_secret)
    return live


def retry_delay(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s … doubling, at most an hour apart."""
    return timedelta(
        seconds=min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0), MAX_RETRY_SECONDS)
    )


def webhook_deliver(*, delivery_id: int) -> timedelta | None:
    """Attempt one delivery; the delay until the next attempt, or None when done."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .select_related("subscription")
            .filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING)
            .first()
        )
        if delivery is None:
            return None
        subscription = delivery.subscription
        now = timezone.now()
        if not subscription.enabled:
            delivery.status = WebhookDelivery.Status.FAILED
            delivery.next_attempt_at = None
            delivery.save()
            return None
        timestamp = int(now.timestamp())
        headers = {
            "content-type": "application/json",
            "user-agent": "Portal-Webhooks/1",
            "webhook-id": delivery.message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signing.signature_header(
                secrets_=_signing_secrets(subscription, now),
                message_id=delivery.message_id,
                timestamp=timestamp,
                body=delivery.payload,
            ),
        }
        delivery.attempts += 1
        try:
            answer = transport.post(url=subscription.url, body=delivery.payload, headers=headers)
            delivery.status_code = answer.status_code
            delivery.duration_ms = answer.duration_ms
            delivery.response_excerpt = answer.excerpt
            ok = 200 <= answer.status_code < 300
        except (OSError, transport.RefusedAddress) as exc:
            delivery.status_code = None
            delivery.duration_ms = None
            delivery.response_excerpt = str(exc)[:500]
            ok = False
        if ok:
            delivery.status = WebhookDelivery.Status.DELIVERED
            delivery.delivered_at = now
            delivery.next_attempt_at = None
            delivery.save()
            if subscription.failing_since:
                WebhookSubscription.objects.filter(pk=subscription.pk).update(failing_since=None)
            return None
        delay = retry_delay(delivery.attempts)
        if now + delay > delivery.created_at + RETRY_FOR:
            delivery.status = WebhookDelivery.Status.FAILED
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = now + delay
        delivery.save()
        _note_failure(subscription=subscription, now=now)
        return delay if delivery.status == WebhookDelivery.Status.PENDING else None


def _note_failure(*, subscription: WebhookSubscription, now) -> None:
    """Mark the endpoint failing; failing for DISABLE_AFTER disables it and mails its admins."""
    if subscription.failing_since is None:
        WebhookSubscription.objects.filter(pk=subscription.pk).update(failing_since=now)
        return
    if now - subscription.failing_since < DISABLE_AFTER:
        return
    subscription.enabled = False
    subscription.disabled_reason = "failing for 5 days"
    subscription.save(update_fields=["enabled", "disabled_reason"])
    audit.record(
        org=subscription.organisation,
        actor=None,
        verb=Verb.WEBHOOK_DISABLED,
        obj=subscription,
        after={"url": subscription.url},
    )
    for membership in subscription.organisation.memberships.filter(
        role=Role.GLOBAL_ADMIN, user__is_active=True
    ).select_related("user"):
        queue_email(
            kind="webhook-disabled",
            to=membership.user.email,
            context={"url": subscription.url, "organisation": subscription.organisation},
            org=subscription.organisation,
        )


def webhook_deliveries_due(*, grace: timedelta = timedelta(minutes=5)) -> list[int]:
    """Pending deliveries whose next attempt is overdue by ``grace`` (their task was lost)."""
    return list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING, next_attempt_at__lt=timezone.now() - grace
        ).values_list("pk", flat=True)[:1000]
    )
