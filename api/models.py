"""API keys and the answers kept for retried creates."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.roles import Role
from portal.tenancy import TenantQuerySet


class ApiKeyQuerySet(TenantQuerySet):
    tenant_field = "organisation"

    def usable(self):
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiKey(models.Model):
    """A key a program sends as ``Authorization: Bearer``; only its hash is stored."""

    class Scope(models.TextChoices):
        READ = "read", _("Read")
        READ_WRITE = "read_write", _("Read and write")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(_("name"), max_length=100)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    scope = models.CharField(_("scopes"), max_length=12, choices=Scope.choices)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.READ_WRITE


class IdempotentResponse(models.Model):
    """The answer to a create, kept so that a retry with the same Idempotency-Key gets it again."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    path = models.CharField(max_length=300)
    status = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["api_key", "key"], name="api_idempotency_key_unique")
        ]

    def __str__(self):
        return self.key
