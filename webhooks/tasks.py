"""Thin Celery tasks: they take ids and call a service."""

from celery import shared_task

from webhooks.services import webhook_deliver_batch, webhook_endpoints_due


@shared_task(acks_late=True)
def deliver_webhooks(subscription_id: int) -> int:
    """Send a batch of one endpoint's due deliveries; queue the next batch, or the task for
    when the endpoint's next delivery is due (a retry)."""
    result = webhook_deliver_batch(subscription_id=subscription_id)
    # Run eagerly (no broker) a retry would follow at once, without its delay: the relay
    # hands the deliveries over again when they are due instead.
    if not deliver_webhooks.app.conf.task_always_eager:
        if result.more:
            deliver_webhooks.delay(subscription_id)
        elif result.wake_in is not None:
            deliver_webhooks.apply_async(
                args=[subscription_id], countdown=result.wake_in.total_seconds()
            )
    elif result.more:
        deliver_webhooks(subscription_id)
    return result.delivered


@shared_task(acks_late=True)
def deliver_webhook(delivery_id: int) -> None:
    """One delivery's endpoint batch (tasks queued before deliveries went out in batches)."""
    from webhooks.models import WebhookDelivery

    subscription_id = (
        WebhookDelivery.objects.filter(pk=delivery_id)
        .values_list("subscription_id", flat=True)
        .first()
    )
    if subscription_id is not None:
        deliver_webhooks(subscription_id)


@shared_task(acks_late=True)
def relay_due_webhooks() -> int:
    """Hand the endpoints of overdue deliveries (a lost task, a dead worker) to the broker again."""
    due = webhook_endpoints_due()
    for subscription_id in due:
        deliver_webhooks.delay(subscription_id)
    return len(due)
