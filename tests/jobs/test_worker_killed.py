"""A worker killed (SIGKILL) in the middle of an import: the redelivered task applies each row once."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from customers.models import Customer
from jobs import services
from jobs.models import Job, JobRow
from portal.models import ActivityEvent
from tests import factories as f
from tests.conftest import wait_until
from tests.jobs.conftest import CUSTOMER_HEADER, csv_bytes, customer_row

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]
ROWS = 600


def _worker(broker: str, visibility_timeout: int = 3) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": broker,
        # Redelivery of an unacknowledged task comes after the visibility timeout.
        "CELERY_VISIBILITY_TIMEOUT": str(visibility_timeout),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "-P", "solo",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def _database_url() -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def test_a_killed_worker_leaves_every_row_applied_exactly_once(provider):
    broker = os.environ.get("CELERY_BROKER_URL")
    if not broker or connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL and CELERY_BROKER_URL (a real worker in its own process)")
    from portal.celery import app

    app.conf.task_always_eager = False
    app.conf.broker_url = broker
    app.control.purge()
    admin = f.MembershipFactory(organisation=provider).user
    raw = csv_bytes(CUSTOMER_HEADER, [customer_row(n) for n in range(1, ROWS + 1)])
    job = services.job_check_upload(
        org=provider, actor=admin, kind="customers", file_name="big.csv", raw=raw
    )
    first = _worker(broker)
    second = None
    try:
        services.job_start(job=job, actor=admin)
        # Kill once some rows are through and many are left.
        assert wait_until(
            lambda: JobRow.objects.filter(job=job, outcome="applied").count() >= 150, timeout=120
        )
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        killed_at = JobRow.objects.filter(job=job, outcome="applied").count()
        assert killed_at < ROWS, "the worker finished before it could be killed"
        second = _worker(broker)
        assert wait_until(
            lambda: Job.objects.get(pk=job.pk).status == "done", timeout=240, interval=0.5
        )
    finally:
        app.conf.task_always_eager = True
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=20)
    job.refresh_from_db()
    assert job.done == ROWS and job.failed == 0
    assert Customer.objects.filter(provider=provider).count() == ROWS
    assert ActivityEvent.objects.filter(verb="customer.created").count() == ROWS
    assert set(JobRow.objects.filter(job=job).values_list("outcome", flat=True)) <= {
        "applied",
        "already",
    }
    # Each row's customer is its own: one per domain of the file.
    assert set(Customer.objects.values_list("primary_domain", flat=True)) == {
        f"import{n:05d}.onmicrosoft.example" for n in range(1, ROWS + 1)
    }


def test_a_killed_worker_whose_task_was_lost_is_resumed_by_the_stalled_job_beat(provider):
    """The worker dies and the broker loses its message too: the beat's requeue finishes it."""
    broker = os.environ.get("CELERY_BROKER_URL")
    if not broker or connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL and CELERY_BROKER_URL (a real worker in its own process)")
    from datetime import timedelta

    from django.utils import timezone

    from portal.celery import app

    app.conf.task_always_eager = False
    app.conf.broker_url = broker
    app.control.purge()
    admin = f.MembershipFactory(organisation=provider).user
    rows = 400
    raw = csv_bytes(CUSTOMER_HEADER, [customer_row(n) for n in range(1, rows + 1)])
    job = services.job_check_upload(
        org=provider, actor=admin, kind="customers", file_name="lost.csv", raw=raw
    )
    # The broker would redeliver the unacknowledged task only after an hour.
    first = _worker(broker, visibility_timeout=3600)
    second = None
    try:
        services.job_start(job=job, actor=admin)
        assert wait_until(
            lambda: JobRow.objects.filter(job=job, outcome="applied").count() >= 100, timeout=120
        )
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        applied = JobRow.objects.filter(job=job, outcome="applied").count()
        assert applied < rows
        app.control.purge()
        second = _worker(broker, visibility_timeout=3600)
        time.sleep(5)
        # Nothing resumes it by itself, and the beat waits for minutes without progress.
        assert JobRow.objects.filter(job=job, outcome="applied").count() == applied
        assert services.jobs_requeue_stalled() == []
        # Minutes later, without progress: the beat queues it again.
        later = timezone.now() + timedelta(minutes=settings.JOBS_STALLED_AFTER_MINUTES + 1)
        assert services.jobs_requeue_stalled(now=later) == [job.pk]
        assert wait_until(
            lambda: Job.objects.get(pk=job.pk).status == "done", timeout=240, interval=0.5
        )
    finally:
        app.conf.task_always_eager = True
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=20)
        # The killed worker's task, unacknowledged for an hour: no later worker runs it.
        import redis

        redis.Redis.from_url(broker).delete("unacked", "unacked_index")
    job.refresh_from_db()
    assert job.done == rows and job.failed == 0
    assert Customer.objects.filter(provider=provider).count() == rows
    assert ActivityEvent.objects.filter(verb="customer.created").count() == rows
