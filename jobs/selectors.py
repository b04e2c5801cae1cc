"""Reads on jobs, always given the organisation."""

from django.shortcuts import get_object_or_404

from jobs.models import Job, JobRow


def jobs_for_list(*, org):
    """The organisation's imports, newest first."""
    return (
        Job.objects.for_org(org)
        .exclude(kind__in=[Job.Kind.HANDOVER, Job.Kind.HANDOVER_UNDO])
        .select_related("created_by")
        .order_by("-created_at", "-id")
    )


def job_for_detail(*, org, job_id) -> Job:
    """One of the organisation's jobs (404 for another's)."""
    return get_object_or_404(
        Job.objects.for_org(org)
        .exclude(kind__in=[Job.Kind.HANDOVER, Job.Kind.HANDOVER_UNDO])
        .select_related("created_by"),
        uuid=job_id,
    )


def earlier_same_file(*, job: Job) -> Job | None:
    """The organisation's previous upload of the same bytes for the same import, if any."""
    return (
        Job.objects.for_org(job.organisation)
        .filter(kind=job.kind, content_hash=job.content_hash, created_at__lt=job.created_at)
        .exclude(pk=job.pk)
        .order_by("-created_at")
        .first()
    )


def invalid_rows(*, job: Job, limit: int = 200):
    """The first invalid rows of a checked job, for the preview."""
    return list(
        JobRow.objects.filter(job=job, outcome=JobRow.Outcome.INVALID)
        .order_by("number")
        .values_list("errors", flat=True)[:limit]
    )


def seconds_left(job: Job, now) -> int | None:
    """An estimate from the pace so far; None before the first rows are through."""
    if job.started_at is None or job.processed == 0 or not job.is_active:
        return None
    elapsed = (now - job.started_at).total_seconds()
    remaining = job.valid - job.processed
    return max(0, int(elapsed / job.processed * remaining))
