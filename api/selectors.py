"""Reads on API keys, always through the organisation."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from api.models import ApiKey
from api.services import KEY_PREFIX, secret_hash
from portal.tenancy import get_for_org

# last_used_at is written at most this often per key (not one UPDATE per request).
LAST_USED_RESOLUTION = timedelta(minutes=1)


def api_keys(*, org):
    """The organisation's keys, newest first."""
    return ApiKey.objects.for_org(org).select_related("created_by")


def api_key_for_org(*, org, uuid) -> ApiKey:
    return get_for_org(ApiKey, org, uuid=uuid)


def api_key_for_secret(secret: str) -> ApiKey | None:
    """The usable key a bearer secret belongs to, with its organisation and creator, or None."""
    if not secret.startswith(KEY_PREFIX):
        return None
    prefix = secret[len(KEY_PREFIX) :].split("_", 1)[0]
    key = (
        ApiKey.objects.usable()
        .select_related("organisation", "created_by__membership")
        .filter(prefix=prefix, secret_hash=secret_hash(secret))
        .first()
    )
    if key is None:
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key
