"""Cross-cutting services: delivering outbox rows."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from portal.models import OutboundEmail

log = logging.getLogger(__name__)


class DeliveryFailed(Exception):
    """Sending an outbox row failed; the row records the attempt."""


def outbound_email_deliver(*, email_id: int) -> bool:
    """Send one queued outbox row exactly once; True when it was sent now."""
    with transaction.atomic():
        email = OutboundEmail.objects.select_for_update().filter(pk=email_id).first()
        if email is None or email.status != OutboundEmail.Status.QUEUED:
            return False  # already sent (a redelivered task) or given up
        email.attempts += 1
        message = EmailMultiAlternatives(
            subject=email.subject,
            body=email.body_text,
            to=[email.to],
            from_email=settings.DEFAULT_FROM_EMAIL,
        )
        if email.body_html:
            message.attach_alternative(email.body_html, "text/html")
        try:
            message.send()
        except Exception as exc:
            email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if email.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                email.status = OutboundEmail.Status.FAILED
            email.save(update_fields=["attempts", "last_error", "status"])
            failed = DeliveryFailed(email.last_error)
        else:
            email.status = OutboundEmail.Status.SENT
            email.sent_at = timezone.now()
            email.last_error = ""
            email.save(update_fields=["attempts", "last_error", "status", "sent_at"])
            return True
    # Raised outside the atomic block so the attempt is committed before a retry.
    raise failed


def outbound_email_relay(*, older_than_seconds: int | None = None) -> int:
    """Enqueue queued outbox rows older than the relay delay; returns how many were handed over."""
    from portal.emails import enqueue_send

    age = settings.OUTBOX_RELAY_AFTER_SECONDS if older_than_seconds is None else older_than_seconds
    cutoff = timezone.now() - timedelta(seconds=age)
    ids = list(
        OutboundEmail.objects.filter(status=OutboundEmail.Status.QUEUED, created_at__lte=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:1000]
    )
    return sum(1 for pk in ids if enqueue_send(pk))
