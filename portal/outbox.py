"""Delivering outbox rows: each row sent at least once, deduplicable by its Message-ID.

A row is locked, sent and committed on its own. A worker killed between the
mail server accepting a message and the row's commit leaves the row queued,
so it is sent again: receivers drop the copy by its Message-ID, which is the
same on every attempt. A worker claims the rows of its batch (a short lease it
renews as it goes); the relay hands the rows of a claim that lapsed (a dead
worker) to the broker again within minutes, and leaves a live worker's alone.
A message that can never be built (a header with a line break, an address
that is not one) is failed at once instead of being retried.
"""

from __future__ import annotations

import enum
import logging
import os
import socket
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from portal.models import OutboundEmail

log = logging.getLogger(__name__)

# Indirections the tests move in time.
_now = timezone.now
_monotonic = time.monotonic


class DeliveryFailed(Exception):
    """Sending an outbox row failed; the row records the attempt."""


class Delivery(enum.Enum):
    SENT = "sent"
    SKIPPED = "skipped"  # already sent (a redelivered task) or given up
    RETRY = "retry"  # the attempt is recorded; the row stays queued for a retry
    GAVE_UP = "gave_up"  # the last allowed attempt failed, or no attempt can ever succeed


@dataclass
class BatchDelivery:
    sent: int = 0
    retry_ids: list[int] = field(default_factory=list)


# Errors raised while the message is built (Django's BadHeaderError is a
# ValueError): sending it again can never succeed.
PERMANENT_ERRORS = (ValueError, UnicodeError)


def worker_name() -> str:
    """Who holds a claim: host and process, as shown in the admin."""
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def _claim(email_ids: list[int]) -> None:
    """Mark queued rows as being sent by this worker now (committed before any is sent)."""
    OutboundEmail.objects.filter(pk__in=email_ids, status=OutboundEmail.Status.QUEUED).update(
        claimed_at=_now(), claimed_by=worker_name()
    )


def _message(email: OutboundEmail, connection) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        to=[email.to],
        from_email=settings.DEFAULT_FROM_EMAIL,
        connection=connection,
        headers={"Message-ID": email.message_id},
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    if email.attachment_name:
        message.attach(email.attachment_name, email.attachment_text, email.attachment_type)
    return message


def _deliver_row(email_id: int, connection) -> tuple[Delivery, str]:
    """Send one queued row over ``connection``, in its own transaction.

    The row lock makes a second delivery of the same row (a redelivered task,
    the relay catching up) wait, then see it is no longer queued.
    """
    with transaction.atomic():
        email = OutboundEmail.objects.select_for_update().filter(pk=email_id).first()
        if email is None or email.status != OutboundEmail.Status.QUEUED:
            return Delivery.SKIPPED, ""
        email.attempts += 1
        try:
            message = _message(email, connection)
            message.message()  # builds the headers: a bad one fails here, before any network
            connection.open()  # no-op while the connection is up; reconnects after a failure
            message.send()
        except PERMANENT_ERRORS as exc:
            email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            email.status = OutboundEmail.Status.FAILED
            email.save(update_fields=["attempts", "last_error", "status"])
            log.warning("Outbound email %s can never be delivered: %s", email_id, email.last_error)
            return Delivery.GAVE_UP, email.last_error
        except Exception as exc:
            email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            outcome = Delivery.RETRY
            if email.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                email.status = OutboundEmail.Status.FAILED
                outcome = Delivery.GAVE_UP
            # Waiting for its retry, the row is nobody's claim: the relay treats it
            # like any row the broker holds (handed over again only once lost).
            email.claimed_at, email.claimed_by = None, ""
            email.save(
                update_fields=["attempts", "last_error", "status", "claimed_at", "claimed_by"]
            )
            return outcome, email.last_error
        email.status = OutboundEmail.Status.SENT
        email.sent_at = timezone.now()
        email.last_error = ""
        email.save(update_fields=["attempts", "last_error", "status", "sent_at"])
        return Delivery.SENT, ""


def _close_quietly(connection) -> None:
    """Drop a connection that may be broken; the next row opens a fresh one."""
    try:
        connection.close()
    except Exception:
        log.warning("Closing the mail connection failed", exc_info=True)


def outbound_email_deliver(*, email_id: int) -> bool:
    """Send one queued outbox row; True when it was sent now."""
    _claim([email_id])
    connection = get_connection()
    try:
        outcome, error = _deliver_row(email_id, connection)
    finally:
        _close_quietly(connection)
    if outcome is Delivery.RETRY:
        # Raised after the row's transaction so the attempt is committed before a retry.
        raise DeliveryFailed(error)
    return outcome is Delivery.SENT


def outbound_email_deliver_batch(*, email_ids: list[int]) -> BatchDelivery:
    """Send many queued rows over one mail connection, each on its own.

    Each row is locked, sent and committed on its own, so a failure is recorded
    on that row only and the others go out. The batch's claim is renewed while
    it runs. Returns how many were sent now and the ids of rows that failed and
    stay queued for a retry.
    """
    result = BatchDelivery()
    _claim(email_ids)
    renew_every = settings.OUTBOX_CLAIM_LEASE_SECONDS / 3
    claimed = _monotonic()
    connection = get_connection()
    try:
        for position, email_id in enumerate(email_ids):
            if _monotonic() - claimed >= renew_every:
                _claim(email_ids[position:])
                claimed = _monotonic()
            outcome, _error = _deliver_row(email_id, connection)
            if outcome is Delivery.SENT:
                result.sent += 1
            elif outcome in (Delivery.RETRY, Delivery.GAVE_UP):
                _close_quietly(connection)
                if outcome is Delivery.RETRY:
                    result.retry_ids.append(email_id)
    finally:
        _close_quietly(connection)
    return result


def outbound_email_relay(*, older_than_seconds: int | None = None) -> int:
    """Enqueue queued outbox rows older than the relay delay in batches; returns how many were handed over.

    Only rows the broker never took (it was down), rows whose worker's claim
    lapsed (the worker died), or rows the broker took long ago and that are
    still queued (lost, or past their retries): a backlog waiting in the broker
    or in a retry's backoff is not published again every minute.
    """
    from portal.emails import enqueue_send_batches

    now = _now()
    age = settings.OUTBOX_RELAY_AFTER_SECONDS if older_than_seconds is None else older_than_seconds
    lost = now - timedelta(seconds=settings.OUTBOX_RELAY_LOST_AFTER_SECONDS)
    lapsed = now - timedelta(seconds=settings.OUTBOX_CLAIM_LEASE_SECONDS)
    # Beat may run on several nodes, or a run may overlap the next: the rows are
    # locked (a concurrent run skips them) and noted handed over before the
    # lock is let go, so each row is handed over by one run.
    with transaction.atomic():
        ids = list(
            OutboundEmail.objects.filter(
                status=OutboundEmail.Status.QUEUED, created_at__lte=now - timedelta(seconds=age)
            )
            .filter(
                Q(handed_over_at__isnull=True)
                | Q(claimed_at__lte=lapsed)
                | Q(claimed_at__isnull=True, handed_over_at__lte=lost)
            )
            .select_for_update(skip_locked=True)
            .order_by("created_at")
            .values_list("pk", flat=True)[:1000]
        )
        # A lapsed claim is the relay's now: the rows wait a whole lease for
        # their new task before they are handed over again.
        OutboundEmail.objects.filter(pk__in=ids, claimed_at__lte=lapsed).update(
            claimed_at=now, claimed_by="relay"
        )
        return enqueue_send_batches(ids)
