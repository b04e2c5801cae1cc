from celery import shared_task

from jobs import services


@shared_task(acks_late=True)
def run_job(job_id: int) -> None:
    """Process a job's pending rows (acks late: a killed worker's job is redelivered)."""
    services.job_run(job_id=job_id)


@shared_task
def requeue_stalled_jobs() -> None:
    """Queue again the running jobs whose worker died (no progress for a while)."""
    services.jobs_requeue_stalled()
