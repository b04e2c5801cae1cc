"""A running job whose worker died (no progress for minutes) is queued again by the beat."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from customers.models import Customer
from jobs import services
from jobs.models import Job, JobRow
from jobs.tasks import requeue_stalled_jobs
from portal.celery import app
from portal.models import ActivityEvent
from tests import factories as f
from tests.jobs.conftest import CUSTOMER_HEADER, csv_bytes, customer_row

pytestmark = pytest.mark.django_db


def _job_stopped_mid_way(provider, rows=6, applied=2) -> Job:
    """A job its worker applied ``applied`` rows of, then died without a word."""
    admin = f.MembershipFactory(organisation=provider).user
    job = services.job_check_upload(
        org=provider,
        actor=admin,
        kind="customers",
        file_name="stalled.csv",
        raw=csv_bytes(CUSTOMER_HEADER, [customer_row(n) for n in range(1, rows + 1)]),
    )
    Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED)
    ids = list(JobRow.objects.filter(job=job).order_by("number").values_list("pk", flat=True))
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING)
    services._apply_batch(job, ids[:applied])
    return job


def test_a_job_without_progress_for_minutes_is_queued_again_and_finishes_each_row_once(
    provider, django_capture_on_commit_callbacks
):
    job = _job_stopped_mid_way(provider)
    Job.objects.filter(pk=job.pk).update(progressed_at=timezone.now() - timedelta(minutes=6))
    with django_capture_on_commit_callbacks(execute=True):
        queued = services.jobs_requeue_stalled()
    assert queued == [job.pk]
    job.refresh_from_db()
    assert (job.status, job.done, job.failed) == ("done", 6, 0)
    assert Customer.objects.count() == 6
    assert ActivityEvent.objects.filter(verb="customer.created").count() == 6


def test_a_job_that_progressed_recently_is_left_to_its_worker(provider):
    job = _job_stopped_mid_way(provider)
    Job.objects.filter(pk=job.pk).update(progressed_at=timezone.now() - timedelta(minutes=2))
    assert services.jobs_requeue_stalled() == []
    job.refresh_from_db()
    assert job.status == "running" and Customer.objects.count() == 2


def test_a_started_job_that_never_progressed_counts_from_its_start(provider):
    job = _job_stopped_mid_way(provider)
    Job.objects.filter(pk=job.pk).update(
        progressed_at=None, started_at=timezone.now() - timedelta(minutes=30)
    )
    assert services.jobs_requeue_stalled() == [job.pk]


def test_ended_or_unstarted_jobs_are_never_queued(provider):
    long_ago = timezone.now() - timedelta(hours=1)
    for status in ("validated", "done", "cancelled"):
        job = _job_stopped_mid_way(provider)
        Job.objects.filter(pk=job.pk).update(status=status, progressed_at=long_ago)
    assert services.jobs_requeue_stalled() == []


def test_a_job_is_queued_once_then_waits_another_interval(provider):
    job = _job_stopped_mid_way(provider)
    Job.objects.filter(pk=job.pk).update(progressed_at=timezone.now() - timedelta(minutes=10))
    assert services.jobs_requeue_stalled() == [job.pk]
    # Its claim counts as progress: the next beat a minute later does not queue it again.
    assert services.jobs_requeue_stalled() == []


def test_the_beat_runs_the_requeue_every_minute(provider, django_capture_on_commit_callbacks):
    entry = next(
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "jobs.tasks.requeue_stalled_jobs"
    )
    assert entry["schedule"] == timedelta(minutes=1)
    assert "jobs.tasks.requeue_stalled_jobs" in app.tasks
    job = _job_stopped_mid_way(provider)
    Job.objects.filter(pk=job.pk).update(progressed_at=timezone.now() - timedelta(minutes=6))
    with django_capture_on_commit_callbacks(execute=True):
        requeue_stalled_jobs.delay()
    job.refresh_from_db()
    assert job.status == "done" and Customer.objects.count() == 6
