"""The renewal job: thin, it calls the services (Celery beat runs it hourly)."""

from celery import shared_task

from subscriptions import services


@shared_task(acks_late=True)
def renew_subscriptions() -> dict:
    """Renew or expire what has reached its term end, then send the reminders now due."""
    run = services.subscriptions_renew_due()
    reminders = services.renewal_reminders_send_due()
    return {"renewed": run.renewed, "expired": run.expired, "reminders": reminders}
