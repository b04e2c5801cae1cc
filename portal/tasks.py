"""Thin Celery tasks: they take ids and call a service."""

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval

from portal.outbox import (
    DeliveryFailed,
    outbound_email_deliver,
    outbound_email_deliver_batch,
    outbound_email_relay,
)


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(DeliveryFailed,),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def send_outbound_email(self, email_id: int) -> bool:
    return outbound_email_deliver(email_id=email_id)


@shared_task(
    bind=True,
    acks_late=True,
    retry_backoff=5,
    retry_backoff_max=600,  # well below the broker's visibility timeout
    retry_jitter=True,
    max_retries=5,
)
def send_outbound_emails(self, email_ids: list[int]) -> int:
    """Send a batch of outbox rows; only the rows that failed are retried, with backoff."""
    result = outbound_email_deliver_batch(email_ids=email_ids)
    if result.retry_ids:
        countdown = get_exponential_backoff_interval(
            factor=self.retry_backoff,
            retries=self.request.retries,
            maximum=self.retry_backoff_max,
            full_jitter=self.retry_jitter,
        )
        # Past max_retries the rows stay queued and the relay hands them over again.
        raise self.retry(args=[result.retry_ids], countdown=countdown)
    return result.sent


@shared_task(acks_late=True)
def relay_queued_emails() -> int:
    return outbound_email_relay()
