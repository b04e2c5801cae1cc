"""Background jobs with progress: one row per job, one per unit of work (a CSV row)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from portal.tenancy import TenantQuerySet


class JobQuerySet(TenantQuerySet):
    tenant_field = "organisation"


class Job(models.Model):
    """A long-running action of one organisation, processed row by row in the background."""

    class Kind(models.TextChoices):
        INVITES = "invites", _("Partnership invites")
        CUSTOMERS = "customers", _("Customers and first subscriptions")
        REASSIGN = "reassign", _("Reseller reassignment")
        HANDOVER = "handover", _("Partnership removal and handover")
        HANDOVER_UNDO = "handover_undo", _("Undo of a partnership handover")

    class Status(models.TextChoices):
        VALIDATED = "validated", _("Checked, not started")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Finished")
        CANCELLED = "cancelled", _("Cancelled")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.CASCADE, related_name="jobs"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.VALIDATED
    )
    file_name = models.CharField(_("file"), max_length=200, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    encoding = models.CharField(max_length=20, blank=True)
    total = models.PositiveIntegerField(_("rows"), default=0)
    invalid = models.PositiveIntegerField(_("invalid rows"), default=0)
    done = models.PositiveIntegerField(_("done"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    cancel_requested = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Written after each batch: a running job without progress for a while lost its
    # worker, and the beat queues it again (services.jobs_requeue_stalled).
    progressed_at = models.DateTimeField(null=True, blank=True)
    # Set when the results were downloaded: the sealed secrets in them are gone then.
    results_taken_at = models.DateTimeField(null=True, blank=True)
    # The language of the page the job was made on: its rows' outcomes are written in
    # it, whatever the worker's (empty: the starter's own, else the organisation's).
    language = models.CharField(max_length=8, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "-created_at", "-id"], name="job_org_created_idx"),
            models.Index(fields=["organisation", "content_hash"], name="job_org_hash_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.file_name}"

    def save(self, *args, **kwargs):
        if self._state.adding and not self.language:
            self.language = translation.get_language() or ""
        super().save(*args, **kwargs)

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def processed(self) -> int:
        return self.done + self.failed

    @property
    def valid(self) -> int:
        return self.total - self.invalid


# The kinds uploaded as a CSV on the Imports page; a handover is planned on its own page.
UPLOAD_KINDS = [
    (value, label)
    for value, label in Job.Kind.choices
    if value not in (Job.Kind.HANDOVER, Job.Kind.HANDOVER_UNDO)
]


class JobRow(models.Model):
    """One unit of a job: the checked values of a CSV row, its errors, then its outcome."""

    class Outcome(models.TextChoices):
        PENDING = "", _("Pending")
        APPLIED = "applied", _("Done")
        ALREADY = "already", _("Already done")
        FAILED = "failed", _("Failed")
        INVALID = "invalid", _("Invalid, not imported")

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="rows")
    number = models.PositiveIntegerField(_("row"))
    data = models.JSONField(default=dict)
    # [{"row": n, "column": "...", "message": "..."}] in the uploader's language.
    errors = models.JSONField(default=list, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True, default="")
    message = models.CharField(max_length=500, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    # Sealed (portal.sealing) secret for the results file, deleted once it is downloaded.
    secret = models.TextField(blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["job", "number"], name="jobrow_job_number_unique")
        ]
        indexes = [models.Index(fields=["job", "outcome", "number"], name="jobrow_job_outcome_idx")]

    def __str__(self):
        return f"{self.job_id}:{self.number}"
