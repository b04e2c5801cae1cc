"""Who an API request acts as: its key, that key's organisation, and what its role allows."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from ninja.security import HttpBearer

from api.models import ApiKey
from api.problems import Problem
from api.selectors import api_key_for_secret
from portal import audit, ratelimit
from portal.roles import perms_for

RATE_WINDOW_SECONDS = 60


@dataclass(frozen=True)
class ApiCaller:
    """The key, the organisation it acts in and its permissions (its role's, within its creator's)."""

    key: ApiKey
    perms: frozenset[str]

    @property
    def org(self):
        return self.key.organisation

    @property
    def user(self):
        return self.key.created_by


def _rate_limited(key: ApiKey) -> Problem | None:
    limit = ratelimit.Limit(
        "api-key", count=settings.API_RATE_LIMIT_PER_MINUTE, seconds=RATE_WINDOW_SECONDS
    )
    if ratelimit.allow(limit, key.prefix):
        return None
    retry_after = RATE_WINDOW_SECONDS - int(time.time()) % RATE_WINDOW_SECONDS
    return Problem(
        "rate-limited",
        f"At most {limit.count} requests a minute per key.",
        headers={"Retry-After": str(max(retry_after, 1))},
    )


class ApiKeyAuth(HttpBearer):
    """``Authorization: Bearer <key>``; an unknown, expired or revoked key is not authenticated."""

    def authenticate(self, request, token):
        key = api_key_for_secret(token)
        if key is None:
            return None
        creator = key.created_by
        membership = getattr(creator, "membership", None)
        # The key acts with no more than its creator may do today.
        if (
            not creator.is_active
            or membership is None
            or membership.organisation_id != key.organisation_id
            or key.organisation.status != "active"
        ):
            return None
        problem = _rate_limited(key)
        if problem is not None:
            raise problem
        request.api = ApiCaller(key=key, perms=perms_for(key.role) & perms_for(membership.role))
        audit.request_actor_label.set(f"API key “{key.name}”")
        return key
