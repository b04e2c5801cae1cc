"""The overview is recounted at once after a bulk change: when an import finishes."""

import logging

from django.db import transaction
from django.dispatch import receiver

from jobs.signals import job_finished

logger = logging.getLogger(__name__)


def _enqueue_refresh():
    from overview.tasks import refresh_summaries

    try:
        refresh_summaries.delay()
    except Exception:  # noqa: BLE001 - the broker is down: the 15-minute beat run catches up
        logger.warning("overview refresh not queued; the scheduled run will recount")


@receiver(job_finished)
def refresh_after_bulk_change(sender, job, status, **kwargs):
    transaction.on_commit(_enqueue_refresh)
