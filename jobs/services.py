"""Writes on jobs: an upload checked into a job, its start, cancel, run and results."""

from __future__ import annotations

import csv
import io

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from jobs import csvfile
from jobs.kinds import FINISHED_VERBS, KINDS, RESULTS_SEALING_PURPOSE
from jobs.models import Job, JobRow
from portal import audit
from portal.audit import Verb
from portal.errors import ServiceError
from portal.sealing import unseal

BATCH_SIZE = 100
# Sealed secrets in a results file wait this long for their single download.
RESULTS_SECRET_MAX_AGE = 7 * 24 * 3600


class JobError(ServiceError):
    """A job change that cannot be made (the message says why)."""


@transaction.atomic
def job_check_upload(
    *, org, actor, kind: str, file_name: str, raw: bytes, encoding: str = ""
) -> Job:
    """Check every row of an uploaded file against the database and keep the result as a job.

    Writes no tenant data: only the job and its rows (valid and invalid) for the preview.
    """
    columns, check, _apply = KINDS[kind]
    parsed = csvfile.parse(raw, columns, encoding)
    checked = check(org=org, rows=parsed.rows)
    job = Job.objects.create(
        organisation=org,
        kind=kind,
        created_by=actor,
        file_name=file_name[:200],
        content_hash=parsed.content_hash,
        encoding=parsed.encoding,
    )
    rows = [
        JobRow(
            job=job,
            number=number,
            data=data if not problems else {},
            errors=problems,
            outcome=JobRow.Outcome.INVALID if problems else JobRow.Outcome.PENDING,
        )
        for number, data, problems in checked
    ]
    JobRow.objects.bulk_create(rows, batch_size=1000)
    job.total = len(rows)
    job.invalid = sum(1 for r in rows if r.errors)
    job.save(update_fields=["total", "invalid"])
    return job


@transaction.atomic
def job_start(*, job: Job, actor) -> Job:
    """Queue the valid rows of a checked job for the background runner."""
    locked = Job.objects.select_for_update().get(pk=job.pk)
    if locked.status != Job.Status.VALIDATED:
        raise JobError(_("This import was already started."))
    if locked.valid == 0:
        raise JobError(_("The file has no valid rows to import."))
    locked.status = Job.Status.QUEUED
    locked.started_at = timezone.now()
    locked.save(update_fields=["status", "started_at"])
    audit.record(
        org=locked.organisation,
        actor=actor,
        verb=Verb.IMPORT_STARTED,
        obj=locked,
        after={"kind": locked.kind, "rows": locked.valid, "file": locked.file_name},
    )
    from jobs.tasks import run_job

    job_id = locked.pk
    transaction.on_commit(lambda: run_job.delay(job_id))
    return locked


@transaction.atomic
def job_cancel(*, job: Job, actor) -> Job:
    """Ask the runner to stop after its current batch (a job not started is cancelled at once)."""
    locked = Job.objects.select_for_update().get(pk=job.pk)
    if locked.status in (Job.Status.DONE, Job.Status.CANCELLED):
        raise JobError(_("This import has already ended."))
    locked.cancel_requested = True
    fields = ["cancel_requested"]
    if locked.status == Job.Status.VALIDATED:
        locked.status = Job.Status.CANCELLED
        locked.finished_at = timezone.now()
        fields += ["status", "finished_at"]
    locked.save(update_fields=fields)
    audit.record(org=locked.organisation, actor=actor, verb=Verb.IMPORT_CANCELLED, obj=locked)
    return locked


def _apply_row(job: Job, row_id: int) -> None:
    """One row in its own transaction, the outcome written with the change: exactly once."""
    _columns, _check, apply = KINDS[job.kind]
    with transaction.atomic():
        row = JobRow.objects.select_for_update(skip_locked=True).filter(pk=row_id).first()
        if row is None or row.outcome != JobRow.Outcome.PENDING:
            return  # applied before a redelivery, or by a second runner right now
        try:
            with transaction.atomic():
                outcome, message, object_id, secret = apply(job=job, row=row)
        except ServiceError as error:
            outcome, message, object_id, secret = JobRow.Outcome.FAILED, error.message, "", ""
        row.outcome, row.message, row.object_id, row.secret = (
            outcome,
            message[:500],
            object_id,
            secret,
        )
        row.save(update_fields=["outcome", "message", "object_id", "secret"])


def _count_outcomes(job: Job) -> None:
    counts = JobRow.objects.filter(job=job).aggregate(
        done=Count("pk", filter=Q(outcome__in=[JobRow.Outcome.APPLIED, JobRow.Outcome.ALREADY])),
        failed=Count("pk", filter=Q(outcome=JobRow.Outcome.FAILED)),
    )
    Job.objects.filter(pk=job.pk).update(**counts)


def job_run(*, job_id: int, batch_size: int = BATCH_SIZE) -> Job:
    """Apply the pending rows of a job in batches until none is left or it is cancelled.

    Safe to run again (a redelivered task) and twice at once: a row is applied
    only while it is pending, under its row lock.
    """
    job = Job.objects.select_related("organisation", "created_by").get(pk=job_id)
    if job.status in (Job.Status.DONE, Job.Status.CANCELLED, Job.Status.VALIDATED):
        return job
    Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(status=Job.Status.RUNNING)
    after = 0
    while True:
        if Job.objects.filter(pk=job.pk, cancel_requested=True).exists():
            return _finish(job, Job.Status.CANCELLED)
        batch = list(
            JobRow.objects.filter(job=job, outcome=JobRow.Outcome.PENDING, number__gt=after)
            .order_by("number")
            .values_list("pk", "number")[:batch_size]
        )
        if not batch:
            return _finish(job, Job.Status.DONE)
        for row_id, _number in batch:
            _apply_row(job, row_id)
        after = batch[-1][1]
        _count_outcomes(job)


@transaction.atomic
def _finish(job: Job, status: str) -> Job:
    _count_outcomes(job)
    locked = Job.objects.select_for_update().get(pk=job.pk)
    if locked.status in (Job.Status.DONE, Job.Status.CANCELLED):
        return locked
    locked.status = status
    locked.finished_at = timezone.now()
    locked.save(update_fields=["status", "finished_at"])
    if status == Job.Status.DONE:
        audit.record(
            org=locked.organisation,
            actor=locked.created_by,
            verb=FINISHED_VERBS.get(locked.kind, Verb.IMPORT_FINISHED),
            obj=locked,
            after={"done": locked.done, "failed": locked.failed},
        )
    return locked


RESULT_HEADER = ["row", "outcome", "message", "object_id"]


@transaction.atomic
def job_results_take(*, job: Job, actor) -> bytes:
    """The results CSV; its secrets (customers' temporary passwords) are in it once, then deleted."""
    locked = Job.objects.select_for_update().get(pk=job.pk)
    if locked.status not in (Job.Status.DONE, Job.Status.CANCELLED):
        raise JobError(_("The results are ready when the import has ended."))
    with_secrets = locked.kind == Job.Kind.CUSTOMERS
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    header = list(RESULT_HEADER)
    if with_secrets:
        header += ["admin_username", "temporary_password"]
    writer.writerow(header)
    for row in JobRow.objects.filter(job=locked).order_by("number").iterator(chunk_size=2000):
        message = row.message or "; ".join(f"{e['column']}: {e['message']}" for e in row.errors)
        line = [
            row.number,
            row.get_outcome_display() if row.outcome else _("Not run"),
            message,
            row.object_id,
        ]
        if with_secrets:
            username = password = ""
            if row.secret:
                opened = unseal(
                    row.secret,
                    purpose=RESULTS_SEALING_PURPOSE,
                    max_age_seconds=RESULTS_SECRET_MAX_AGE,
                )
                if opened:
                    username, password = opened.split("\t", 1)
            line += [username, password]
        writer.writerow([_safe_cell(str(v)) for v in line])
    if with_secrets:
        JobRow.objects.filter(job=locked).exclude(secret="").update(secret="")
    locked.results_taken_at = timezone.now()
    locked.save(update_fields=["results_taken_at"])
    audit.record(
        org=locked.organisation, actor=actor, verb=Verb.IMPORT_RESULTS_DOWNLOADED, obj=locked
    )
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def _safe_cell(value: str) -> str:
    # A spreadsheet would run a cell starting like a formula.
    return "'" + value if value.startswith(csvfile.FORMULA_STARTS) else value
