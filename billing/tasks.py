from celery import shared_task

from billing import services


@shared_task
def close_statements():
    """Close last month's statements (idempotent: a closed month is left as it is)."""
    return services.statements_close_due().statements


@shared_task
def bill_periods():
    """Charge the billing periods that have started (idempotent)."""
    return services.charges_bill_periods_due()
