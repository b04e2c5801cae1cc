"""Fixed-window rate limits on the shared cache (Redis in production).

When the shared cache cannot be reached, counting falls back to a cache local
to the process: pages keep answering (no error page because Redis is down) and
each worker still caps the attempts it serves, so a flood is slowed rather
than let through. Sign-in has its own lockout (django-axes).
"""

from __future__ import annotations

import hashlib
import ipaddress
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache

from portal.outages import cache_call

_process_local = LocMemCache("portal-ratelimit-fallback", {"MAX_ENTRIES": 10000})


@dataclass(frozen=True)
class Limit:
    """At most ``count`` attempts per ``seconds`` for one key of one scope."""

    scope: str
    count: int
    seconds: int


STAFF_INVITE_PER_ORG = Limit("staff-invite", count=20, seconds=3600)
PASSWORD_RESET_PER_IP = Limit("password-reset-ip", count=10, seconds=3600)
PASSWORD_RESET_PER_EMAIL = Limit("password-reset-email", count=3, seconds=3600)
INVITE_ACCEPT_PER_IP = Limit("invite-accept-ip", count=20, seconds=600)
INVITE_ENROL_PER_IP = Limit("invite-enrol-ip", count=10, seconds=600)
# Partnership-request emails (send and resend): an organisation's volume, and
# the mail one address receives from the portal, whoever sends it.
PARTNERSHIP_REQUEST_PER_ORG = Limit(
    "partnership-request-org", count=settings.PARTNERSHIP_REQUESTS_PER_HOUR, seconds=3600
)
PARTNERSHIP_REQUEST_PER_RECIPIENT = Limit(
    "partnership-request-recipient", count=3, seconds=24 * 3600
)


def _count(backend, key: str, seconds: int) -> int:
    backend.add(key, 0, timeout=seconds + 1)
    try:
        return backend.incr(key)
    except ValueError:  # the window's key expired between add and incr
        backend.set(key, 1, timeout=seconds + 1)
        return 1


def allow(limit: Limit, key: str) -> bool:
    """Count one attempt for ``key``; False when the window's limit is already used up."""
    window = int(time.time() // limit.seconds)
    digest = hashlib.sha256(key.strip().lower().encode()).hexdigest()[:32]
    cache_key = f"ratelimit:{limit.scope}:{digest}:{window}"
    attempts = cache_call(_count, cache, cache_key, limit.seconds)
    if attempts is None:  # the shared cache is down: count in this process meanwhile
        attempts = _count(_process_local, cache_key, limit.seconds)
    return attempts <= limit.count


def client_ip(request) -> str:
    """The client's address as a rate-limit key ("unknown" when there is none)."""
    return client_address(request) or "unknown"


def client_address(request) -> str | None:
    """The client's address: REMOTE_ADDR, or behind ``TRUSTED_PROXY_COUNT`` proxies the
    address the outermost of them saw (the X-Forwarded-For entry it appended).

    Entries left of it were written by the client and are never believed. Also
    django-axes' address (AXES_CLIENT_IP_CALLABLE) and the activity log's.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [entry for entry in forwarded if entry]
    if len(forwarded) < proxies:
        return remote  # not through every trusted proxy: only the socket's address is known
    candidate = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
