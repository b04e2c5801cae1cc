"""Writes on webhooks: subscriptions, their secrets, and deliveries (each written with its change)."""

from __future__ import annotations

import http.client
import json
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
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

# An indirection the tests move in time.
_monotonic = time.monotonic

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
    # Recorded in the provider's log and in the reseller's: both are told.
    Verb.RESELLER_RELATIONSHIP_REQUEST_ACCEPTED: EventType.RESELLER_RELATIONSHIP_REQUEST_ACCEPTED,
    # The handover's job (or its undo's) finished: the object is the handover.
    Verb.HANDOVER_FINISHED: EventType.PARTNERSHIP_HANDOVER_FINISHED,
    Verb.HANDOVER_UNDONE: EventType.PARTNERSHIP_HANDOVER_UNDONE,
    # Recorded in the provider's log only: its endpoints are told (cost and margin included).
    Verb.STATEMENT_CLOSED: EventType.STATEMENT_CLOSED,
}
SUBSCRIBABLE_EVENTS = [e for e in EventType if e != EventType.TEST]

RETRY_FOR = timedelta(hours=24)
DISABLE_AFTER = timedelta(days=5)
FIRST_RETRY_SECONDS = 5
MAX_RETRY_SECONDS = 3600
# A batch: at most this many deliveries of one endpoint, sent for at most BATCH_SECONDS
# (then the rest is handed back, due, and the task queued again).
BATCH_SIZE = 100
BATCH_SECONDS = 30
# Outcomes are committed this many at a time (and at the batch's end).
RECORD_EVERY = 25
# A claimed delivery is due again after this (its worker died): longer than a batch can run.
CLAIM_LEASE = timedelta(seconds=BATCH_SECONDS + 2 * transport.TIMEOUT_SECONDS + 60)
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


def _enqueue(subscription_ids) -> None:
    """Hand the endpoints' due deliveries to the workers once the transaction commits.

    One batch task per endpoint and transaction, however many events the transaction
    wrote (a page's one, a job's thousands): a later call in the same transaction joins
    the callback already waiting for the commit.
    """
    from webhooks.tasks import deliver_webhooks

    wanted = set(subscription_ids)
    db = transaction.get_connection()
    if db.in_atomic_block:
        # The waiting callback, if any, was registered in this transaction: it runs with
        # this one's commit, and goes away only with a rollback that undoes these rows too.
        for _savepoints, callback, _robust in db.run_on_commit:
            pending = getattr(callback, "webhook_subscription_ids", None)
            if pending is not None and not callback.ran:
                pending |= wanted
                return

    def send():
        send.ran = True
        try:
            for subscription_id in sorted(send.webhook_subscription_ids):
                deliver_webhooks.delay(subscription_id)
        except Exception:  # broker down: the relay hands the due deliveries over later
            log.warning(
                "Could not enqueue webhook deliveries of %s",
                send.webhook_subscription_ids,
                exc_info=True,
            )

    send.webhook_subscription_ids = wanted
    send.ran = False
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
    _enqueue({d.subscription_id for d in deliveries})
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
    _enqueue({delivery.subscription_id})
    return delivery


@transaction.atomic
def webhook_redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again, same webhook-id, with a fresh 24 hours of retries."""
    delivery.status = WebhookDelivery.Status.PENDING
    delivery.next_attempt_at = timezone.now()
    delivery.created_at = timezone.now()
    delivery.save()
    _enqueue({delivery.subscription_id})
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


@dataclass
class BatchResult:
    """What one batch did: counts, and when the endpoint's task should run again."""

    claimed: int = 0
    delivered: int = 0
    failed_attempts: int = 0
    deferred: int = 0
    # More deliveries are due now (a full batch, or one cut short by its time budget).
    more: bool = False
    # The earliest retry the batch scheduled, from now.
    retry_in: timedelta | None = None
    # When the endpoint's next pending delivery is due (None: nothing pending): the task
    # is queued for then, so a delivery waiting for its retry needs no other batch to fail.
    wake_in: timedelta | None = None
    connections_opened: int = 0


def _claim(*, subscription_id: int, now, limit: int, delivery_id: int | None = None):
    """Lock the endpoint's due pending deliveries, skipping rows another worker holds, and
    push their next attempt past the lease, so no other worker takes them while this one
    sends (a worker that dies leaves them due again when the lease ends)."""
    with transaction.atomic():
        due = WebhookDelivery.objects.filter(
            subscription_id=subscription_id, status=WebhookDelivery.Status.PENDING
        )
        if delivery_id is not None:
            due = due.filter(pk=delivery_id)
        else:
            due = due.filter(Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True))
        deliveries = list(
            due.select_for_update(skip_locked=True).order_by("next_attempt_at", "id")[:limit]
        )
        if deliveries:
            WebhookDelivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(
                next_attempt_at=now + CLAIM_LEASE
            )
    return deliveries


def _headers(delivery: WebhookDelivery, subscription: WebhookSubscription, now) -> dict:
    timestamp = int(now.timestamp())
    return {
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


def _record(outcomes: list[WebhookDelivery]) -> None:
    """Commit the outcomes of sent deliveries together (one statement, one commit), unless a
    delivery left PENDING meanwhile. A worker dying before this sends those deliveries again
    after the lease, with the same webhook-id."""
    if not outcomes:
        return
    if connection.vendor == "postgresql":
        # One UPDATE joined to the rows' values: building bulk_update's CASE per column and
        # row costs more than sending the deliveries.
        table = WebhookDelivery._meta.db_table
        row = "(%s::bigint, %s, %s::integer, %s::integer, %s::integer, %s, %s::timestamptz, %s::timestamptz)"
        params = []
        for d in outcomes:
            params += [d.pk] + [getattr(d, name) for name in _OUTCOME_FIELDS]
        columns = ", ".join(f"{name} = v.{name}" for name in _OUTCOME_FIELDS)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} AS d SET {columns} "  # noqa: S608 - names are the model's
                f"FROM (VALUES {', '.join([row] * len(outcomes))}) "
                f"AS v(id, {', '.join(_OUTCOME_FIELDS)}) "
                "WHERE d.id = v.id AND d.status = %s",
                [*params, WebhookDelivery.Status.PENDING],
            )
    else:
        WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING).bulk_update(
            outcomes, _OUTCOME_FIELDS
        )
    outcomes.clear()


_OUTCOME_FIELDS = [
    "status",
    "attempts",
    "status_code",
    "duration_ms",
    "response_excerpt",
    "next_attempt_at",
    "delivered_at",
]


def _send_claimed(
    subscription: WebhookSubscription, deliveries: list[WebhookDelivery], result: BatchResult
) -> None:
    """Send the claimed deliveries over one pinned keep-alive connection, recording each."""
    started = _monotonic()
    session = None
    refused = None
    outcomes: list[WebhookDelivery] = []
    try:
        session = transport.EndpointSession(subscription.url)
    except transport.RefusedAddress as exc:
        refused = exc
    try:
        for position, delivery in enumerate(deliveries):
            now = timezone.now()
            if len(outcomes) >= RECORD_EVERY:
                _record(outcomes)
            if position and _monotonic() - started > BATCH_SECONDS:
                _record(outcomes)
                _release(deliveries[position:], at=now)
                result.more = True
                return
            delivery.attempts += 1
            connection_failed = False
            try:
                if refused is not None:
                    raise refused
                answer = session.post(
                    body=delivery.payload, headers=_headers(delivery, subscription, now)
                )
                delivery.status_code = answer.status_code
                delivery.duration_ms = answer.duration_ms
                delivery.response_excerpt = answer.excerpt
                ok = 200 <= answer.status_code < 300
            except (OSError, http.client.HTTPException, transport.RefusedAddress) as exc:
                delivery.status_code = None
                delivery.duration_ms = None
                delivery.response_excerpt = (str(exc) or type(exc).__name__)[:500]
                ok = False
                connection_failed = True
            if ok:
                delivery.status = WebhookDelivery.Status.DELIVERED
                delivery.delivered_at = now
                delivery.next_attempt_at = None
                result.delivered += 1
                outcomes.append(delivery)
                continue
            result.failed_attempts += 1
            delay = retry_delay(delivery.attempts)
            if now + delay > delivery.created_at + RETRY_FOR:
                delivery.status = WebhookDelivery.Status.FAILED
                delivery.next_attempt_at = None
            else:
                delivery.next_attempt_at = now + delay
                result.retry_in = min(result.retry_in or delay, delay)
            outcomes.append(delivery)
            if connection_failed and position + 1 < len(deliveries):
                _record(outcomes)
                # No answer at all (refused, unreachable, timed out): the endpoint is down for
                # now, so the rest of the batch waits for this delivery's retry rather than
                # each spending the timeout on it. They keep their attempts count.
                _release(deliveries[position + 1 :], at=now + delay)
                result.deferred += len(deliveries) - position - 1
                return
    finally:
        _record(outcomes)
        if session is not None:
            result.connections_opened = session.connections_opened
            session.close()


def _release(deliveries: list[WebhookDelivery], *, at) -> None:
    """Give claimed deliveries back unattempted, due at ``at``."""
    WebhookDelivery.objects.filter(
        pk__in=[d.pk for d in deliveries], status=WebhookDelivery.Status.PENDING
    ).update(next_attempt_at=at)


def _deliver_claimed(subscription_id: int, deliveries: list[WebhookDelivery]) -> BatchResult:
    result = BatchResult(claimed=len(deliveries))
    if not deliveries:
        return result
    subscription = (
        WebhookSubscription.objects.select_related("organisation")
        .filter(pk=subscription_id)
        .first()
    )
    if subscription is None:  # deleted meanwhile: its deliveries went with it
        return result
    if not subscription.enabled:
        WebhookDelivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(
            status=WebhookDelivery.Status.FAILED, next_attempt_at=None
        )
        return result
    _send_claimed(subscription, deliveries, result)
    now = timezone.now()
    if result.delivered:
        if subscription.failing_since:
            WebhookSubscription.objects.filter(pk=subscription.pk).update(failing_since=None)
    elif result.failed_attempts:
        _note_failure(subscription=subscription, now=now)
    return result


def webhook_deliver_batch(*, subscription_id: int, limit: int | None = None) -> BatchResult:
    """Send up to ``limit`` due deliveries of one endpoint over one connection.

    Two workers running this at once for one endpoint take different deliveries (the
    claim skips locked rows and leases what it took); the outcomes are committed a few
    at a time as they are known; failures are retried with the backoff.
    """
    limit = limit or BATCH_SIZE
    deliveries = _claim(subscription_id=subscription_id, now=timezone.now(), limit=limit)
    result = _deliver_claimed(subscription_id, deliveries)
    if len(deliveries) == limit:
        result.more = True
    if not result.more:
        upcoming = (
            WebhookDelivery.objects.filter(
                subscription_id=subscription_id, status=WebhookDelivery.Status.PENDING
            )
            .order_by("next_attempt_at")
            .values_list("next_attempt_at", flat=True)
            .first()
        )
        if upcoming is not None:
            # At least a second: a due delivery another worker is claiming is not spun on.
            result.wake_in = max(upcoming - timezone.now(), timedelta(seconds=1))
    return result


def webhook_deliver(*, delivery_id: int) -> timedelta | None:
    """Attempt one delivery now, due or not; the delay until its next attempt, or None when done."""
    subscription_id = (
        WebhookDelivery.objects.filter(pk=delivery_id).values_list("subscription_id", flat=True)
    ).first()
    if subscription_id is None:
        return None
    deliveries = _claim(
        subscription_id=subscription_id, now=timezone.now(), limit=1, delivery_id=delivery_id
    )
    result = _deliver_claimed(subscription_id, deliveries)
    return result.retry_in if result.failed_attempts else None


@transaction.atomic
def _note_failure(*, subscription: WebhookSubscription, now) -> None:
    """Mark the endpoint failing; failing for DISABLE_AFTER disables it and mails its admins."""
    if subscription.failing_since is None:
        WebhookSubscription.objects.filter(pk=subscription.pk).update(failing_since=now)
        return
    if now - subscription.failing_since < DISABLE_AFTER:
        return
    if not WebhookSubscription.objects.filter(pk=subscription.pk, enabled=True).update(
        enabled=False, disabled_reason="failing for 5 days"
    ):
        return  # another worker's batch disabled it first
    subscription.enabled = False
    subscription.disabled_reason = "failing for 5 days"
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


def webhook_endpoints_due(*, grace: timedelta = timedelta(minutes=5)) -> list[int]:
    """Endpoints with a pending delivery overdue by ``grace`` (its task was lost, or its
    worker died holding the claim)."""
    return list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING, next_attempt_at__lt=timezone.now() - grace
        )
        .order_by()
        .values_list("subscription_id", flat=True)
        .distinct()[:1000]
    )
