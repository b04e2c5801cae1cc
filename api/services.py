"""Writes on API keys: create (the secret returned once) and revoke."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api.models import ApiKey
from portal import audit
from portal.audit import Verb
from portal.errors import ServiceError
from portal.roles import perms_for

KEY_PREFIX = "pk_"


class ApiKeyError(ServiceError):
    """A key change that cannot be made (the message says why)."""


@dataclass(frozen=True)
class CreatedKey:
    key: ApiKey
    secret: str  # shown once; only its hash is kept


def secret_hash(secret: str) -> str:
    # The secret is 32 random bytes: a fast hash is enough (nothing to guess).
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_key_create(
    *, org, actor, actor_role: str, name: str, role: str, scope: str, expires_at=None
):
    """A new key acting with ``role`` (no more than the creator's), its secret shown once."""
    if not perms_for(role) <= perms_for(actor_role):
        raise ApiKeyError(_("A key cannot have more rights than your own role."), field="role")
    if expires_at is not None and expires_at <= timezone.now():
        raise ApiKeyError(_("Choose an expiry in the future."), field="expires_at")
    prefix = secrets.token_hex(4)
    secret = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        organisation=org,
        name=name,
        role=role,
        scope=scope,
        prefix=prefix,
        secret_hash=secret_hash(secret),
        created_by=actor,
        expires_at=expires_at,
    )
    audit.record(
        org=org,
        actor=actor,
        verb=Verb.API_KEY_CREATED,
        obj=key,
        after={"name": name, "role": role, "scope": scope, "prefix": prefix},
    )
    return CreatedKey(key, secret)


@transaction.atomic
def api_key_revoke(*, key: ApiKey, actor) -> ApiKey:
    """Revoke a key: requests with it are refused from now on."""
    if key.revoked_at is not None:
        raise ApiKeyError(_("This key is already revoked."))
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at"])
    audit.record(
        org=key.organisation,
        actor=actor,
        verb=Verb.API_KEY_REVOKED,
        obj=key,
        after={"name": key.name},
    )
    return key
