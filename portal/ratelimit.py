"""Fixed-window rate limits on the shared cache (Redis in production).

When the shared cache cannot be reached, counting falls back to a cache local
to the process: pages keep answering (no error page because Redis is down) and
each worker still caps the attempts it serves, so a flood is slowed rather
than let through. Sign-in has its own lockout (django-axes).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

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
    return request.META.get("REMOTE_ADDR") or "unknown"
