"""Thin Celery tasks: they take ids and call a service."""

from celery import shared_task

from portal.services import DeliveryFailed, outbound_email_deliver, outbound_email_relay


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


@shared_task(acks_late=True)
def relay_queued_emails() -> int:
    return outbound_email_relay()
