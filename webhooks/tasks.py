"""Thin Celery tasks: they take ids and call a service."""

from celery import shared_task

from webhooks.services import webhook_deliver, webhook_deliveries_due


@shared_task(acks_late=True)
def deliver_webhook(delivery_id: int) -> None:
    delay = webhook_deliver(delivery_id=delivery_id)
    # Run eagerly (no broker) a retry would follow at once, without its delay: the relay
    # hands the delivery over again when it is due instead.
    if delay is not None and not deliver_webhook.app.conf.task_always_eager:
        deliver_webhook.apply_async(args=[delivery_id], countdown=delay.total_seconds())


@shared_task(acks_late=True)
def relay_due_webhooks() -> int:
    """Hand deliveries whose retry is overdue (a lost task) to the broker again."""
    due = webhook_deliveries_due()
    for delivery_id in due:
        deliver_webhook.delay(delivery_id)
    return len(due)
