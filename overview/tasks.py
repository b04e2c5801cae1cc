from celery import shared_task

from overview import summaries


@shared_task
def refresh_summaries() -> int:
    """Recount the overview's summary rows (every 15 minutes, and after a bulk change)."""
    return summaries.refresh()
