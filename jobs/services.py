"""Writes on jobs: an upload checked into a job, its start, cancel, run and results."""

from __future__ import annotations

import csv
import io
import json
import logging
from datetime import timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DataError, IntegrityError, connection, transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jobs import csvfile
from jobs.kinds import BATCH_APPLY, FINISHED_VERBS, KINDS, RESULTS_SEALING_PURPOSE
from jobs.models import Job, JobRow
from jobs.signals import job_finished
from portal import audit
from portal.audit import Verb
from portal.emails import recipient_language
from portal.errors import ServiceError
from portal.sealing import unseal

log = logging.getLogger(__name__)

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
    _insert_rows(rows)
    job.total = len(rows)
    job.invalid = sum(1 for r in rows if r.errors)
    job.save(update_fields=["total", "invalid"])
    return job


def _insert_rows(rows: list[JobRow]) -> None:
    """Write a checked file's rows: on PostgreSQL with COPY, one stream for all of them.

    INSERTs of 10,000 rows with their values as JSON spend most of a
    preview's time escaping arrays of text in Python; COPY sends each row's
    values once, as text.
    """
    if connection.vendor != "postgresql":
        JobRow.objects.bulk_create(rows, batch_size=1000)
        return
    fields = ["job", "number", "data", "errors", "outcome", "message", "object_id", "secret"]
    columns = ", ".join(connection.ops.quote_name(JobRow._meta.get_field(f).column) for f in fields)
    table = connection.ops.quote_name(JobRow._meta.db_table)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(
                (
                    row.job_id,
                    row.number,
                    json.dumps(row.data, cls=DjangoJSONEncoder),
                    json.dumps(row.errors, cls=DjangoJSONEncoder),
                    row.outcome,
                    row.message,
                    row.object_id,
                    row.secret,
                )
            )


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
    with transaction.atomic():
        row = JobRow.objects.select_for_update(skip_locked=True).filter(pk=row_id).first()
        if row is None or row.outcome != JobRow.Outcome.PENDING:
            return  # applied before a redelivery, or by a second runner right now
        _write_outcome(row, _apply_alone(job, row))
        row.save(update_fields=OUTCOME_FIELDS)


def _apply_alone(job: Job, row: JobRow) -> tuple:
    """A row's change in a savepoint: a failed row leaves nothing of it."""
    _columns, _check, apply = KINDS[job.kind]
    try:
        with transaction.atomic():
            return apply(job=job, row=row)
    except ServiceError as error:
        return JobRow.Outcome.FAILED, error.message, "", ""
    except (IntegrityError, DataError):
        # A value the database refuses (the checks let nothing like it through):
        # this row fails, the others go on, and a requeued job does not meet it again.
        log.exception("Row %s of job %s refused by the database", row.number, job.pk)
        return (
            JobRow.Outcome.FAILED,
            _("This row could not be saved; nothing of it was written."),
            "",
            "",
        )


OUTCOME_FIELDS = ["outcome", "message", "object_id", "secret"]


def _write_outcome(row: JobRow, answer: tuple) -> None:
    outcome, message, object_id, secret = answer
    row.outcome, row.message, row.object_id, row.secret = outcome, message[:500], object_id, secret


def _apply_batch(job: Job, row_ids: list[int]) -> None:
    """A batch of rows and their outcomes in one transaction: all of it is written, or none.

    A kind with a batch apply (``BATCH_APPLY``) writes the batch's rows in a few
    statements; a row it refuses (a ServiceError) has nothing written but its
    outcome. When the batch meets a concurrent change (a domain taken since the
    check: IntegrityError) or a value the database refuses, its savepoint is
    rolled back and each row is applied alone, in its own savepoint, so only the
    row concerned fails. A redelivered
    task finds the batch wholly applied (its rows are no longer pending) or not
    at all: every row exactly once.
    """
    apply_many = BATCH_APPLY.get(job.kind)
    if apply_many is None:
        for row_id in row_ids:
            _apply_row(job, row_id)
        return
    with transaction.atomic():
        rows = list(
            JobRow.objects.select_for_update(skip_locked=True)
            .filter(pk__in=row_ids, outcome=JobRow.Outcome.PENDING)
            .order_by("number")
        )
        if not rows:
            return  # applied before a redelivery, or by a second runner right now
        try:
            with transaction.atomic():
                answers = apply_many(job=job, rows=rows)
        except (IntegrityError, DataError):
            answers = [_apply_alone(job, row) for row in rows]
        for row, answer in zip(rows, answers, strict=True):
            if isinstance(answer, ServiceError):
                answer = (JobRow.Outcome.FAILED, answer.message, "", "")
            _write_outcome(row, answer)
        _save_outcomes(rows)


def _save_outcomes(rows: list[JobRow]) -> None:
    """The outcomes of a batch's rows in one UPDATE.

    On PostgreSQL from arrays (bulk_update's CASE per row and column takes
    longer to build in Python than the batch's customers take to write).
    """
    if connection.vendor != "postgresql":
        JobRow.objects.bulk_update(rows, OUTCOME_FIELDS)
        return
    # The model's own table name; every value is a parameter.
    table = connection.ops.quote_name(JobRow._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS r SET"  # noqa: S608
            " outcome = v.outcome, message = v.message, "
            "object_id = v.object_id, secret = v.secret "
            "FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[]) "
            "AS v(id, outcome, message, object_id, secret) WHERE r.id = v.id",
            [
                [row.pk for row in rows],
                [row.outcome for row in rows],
                [row.message for row in rows],
                [row.object_id for row in rows],
                [row.secret for row in rows],
            ],
        )


def _count_outcomes(job: Job) -> None:
    counts = JobRow.objects.filter(job=job).aggregate(
        done=Count("pk", filter=Q(outcome__in=[JobRow.Outcome.APPLIED, JobRow.Outcome.ALREADY])),
        failed=Count("pk", filter=Q(outcome=JobRow.Outcome.FAILED)),
    )
    # The time of the last progress: a running job without any for a while has lost its worker.
    Job.objects.filter(pk=job.pk).update(**counts, progressed_at=timezone.now())


def job_run(*, job_id: int, batch_size: int = BATCH_SIZE) -> Job:
    """Apply the pending rows of a job in batches until none is left or it is cancelled.

    Safe to run again (a redelivered task) and twice at once: a row is applied
    only while it is pending, under its row lock. The rows' outcomes are written in
    the language of the page the job was made on, not the worker's (for a job made
    outside a page: the starter's own, else the organisation's, Japanese in Japan).
    """
    job = Job.objects.select_related("organisation", "created_by").get(pk=job_id)
    user_language = job.created_by.language if job.created_by else ""
    language = job.language or recipient_language(user_language, job.organisation.country)
    with translation.override(language):
        return _run(job, batch_size)


def _run(job: Job, batch_size: int) -> Job:
    if job.status in (Job.Status.DONE, Job.Status.CANCELLED, Job.Status.VALIDATED):
        return job
    Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, progressed_at=timezone.now()
    )
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
        _apply_batch(job, [row_id for row_id, _number in batch])
        after = batch[-1][1]
        _count_outcomes(job)


def jobs_requeue_stalled(*, stalled_after: timedelta | None = None, now=None) -> list[int]:
    """Queue again the running jobs without progress for a while: their worker died.

    A worker killed outright is redelivered its task by the broker, but not
    when the broker lost the message too (restarted without persistence, or a
    visibility timeout longer than anyone waits). Rows are idempotent and a
    second runner skips locked rows, so queueing a job that is merely slow
    costs a task that finds nothing to do. Returns the ids queued.
    """
    from jobs.tasks import run_job

    now = now or timezone.now()
    cutoff = now - (stalled_after or timedelta(minutes=settings.JOBS_STALLED_AFTER_MINUTES))
    stalled = Job.objects.filter(status=Job.Status.RUNNING).filter(
        Q(progressed_at__lt=cutoff) | Q(progressed_at__isnull=True, started_at__lt=cutoff)
    )
    queued = []
    for job_id in stalled.values_list("pk", flat=True):
        # Claimed by the update: two beats at once queue a job once.
        if stalled.filter(pk=job_id).update(progressed_at=now):
            log.warning("Job %s made no progress since %s: queued again", job_id, cutoff)
            transaction.on_commit(lambda job_id=job_id: run_job.delay(job_id))
            queued.append(job_id)
    return queued


@transaction.atomic
def _finish(job: Job, status: str) -> Job:
    _count_outcomes(job)
    locked = Job.objects.select_for_update().get(pk=job.pk)
    if locked.status in (Job.Status.DONE, Job.Status.CANCELLED):
        return locked
    locked.status = status
    locked.finished_at = timezone.now()
    locked.save(update_fields=["status", "finished_at"])
    job_finished.send(sender=Job, job=locked, status=status)
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
