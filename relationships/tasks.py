"""Thin Celery tasks: they take ids and call a service."""

from celery import shared_task

from relationships import services


@shared_task(acks_late=True)
def run_lifecycle() -> dict:
    """The daily admin relationship job (Celery beat); safe to run twice, or twice at once."""
    return services.lifecycle_run()


@shared_task(acks_late=True)
def finish_termination(relationship_id: int) -> bool:
    return services.relationship_finish_termination(relationship_id=relationship_id)
