"""Dependencies that may go away for a while: the shared cache (Redis) and the database.

A cache outage degrades quietly: the first failed call logs one line, the
calls after it skip the cache for a few seconds (no one-second timeout per
call, no traceback per call), and the first call that works again logs one
line with how many calls failed and for how long. A database outage answers
503 with the portal's own page (``server_error`` below), never a bare 500.
"""

from __future__ import annotations

import logging
import sys
import threading
import time

from django.db import InterfaceError, OperationalError
from django.shortcuts import render
from django.views.defaults import server_error as django_server_error

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5


class Dependency:
    """One process's view of a dependency: up, or down since a time with a count of failures."""

    def __init__(
        self, name: str, *, retry_after: float = RETRY_AFTER_SECONDS, clock=time.monotonic
    ):
        self.name = name
        self.retry_after = retry_after
        self.clock = clock
        self._lock = threading.Lock()
        self._down_since: float | None = None
        self._retry_at = 0.0
        self._failures = 0

    def reset(self) -> None:
        """Forget an outage (tests start each from a reachable cache)."""
        with self._lock:
            self._down_since, self._retry_at, self._failures = None, 0.0, 0

    @property
    def is_down(self) -> bool:
        return self._down_since is not None

    def should_try(self) -> bool:
        """Whether to call the dependency now: always when up, once every few seconds when down."""
        return self._down_since is None or self.clock() >= self._retry_at

    def failed(self, exc: BaseException) -> None:
        """Count a failed call; the first one of an outage is logged, once."""
        with self._lock:
            now = self.clock()
            self._failures += 1
            self._retry_at = now + self.retry_after
            if self._down_since is not None:
                return
            self._down_since = now
        log.error("%s unreachable, degrading until it answers again: %r", self.name, exc)

    def skipped(self) -> None:
        """Count a call not made because the dependency is down."""
        with self._lock:
            self._failures += 1

    def succeeded(self) -> None:
        """A call worked: end an outage, logging once how long it lasted."""
        if self._down_since is None:
            return
        with self._lock:
            if self._down_since is None:
                return
            lasted = self.clock() - self._down_since
            failures, self._failures, self._down_since = self._failures, 0, None
        log.warning(
            "%s reachable again after %.1f s; %d calls degraded meanwhile",
            self.name,
            lasted,
            failures,
        )


cache_dependency = Dependency("Cache (Redis)")


def cache_call(call, *args, default=None, **kwargs):
    """Run one cache call, or return ``default`` when the cache is down."""
    if not cache_dependency.should_try():
        cache_dependency.skipped()
        return default
    try:
        result = call(*args, **kwargs)
    except Exception as exc:  # the cache being down must not take a page down
        cache_dependency.failed(exc)
        return default
    cache_dependency.succeeded()
    return result


DATABASE_ERRORS = (OperationalError, InterfaceError)


def database_unavailable_response(request):
    """The portal's own "temporarily unavailable" page: 503 with Retry-After."""
    response = render(request, "503.html", status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS * 2)
    return response


def server_error(request, template_name="500.html"):
    """The 500 handler: an error that is the database being away answers 503 instead."""
    exc = sys.exc_info()[1]
    if isinstance(exc, DATABASE_ERRORS):
        log.error("Database unavailable: %r", exc)
        try:
            return database_unavailable_response(request)
        except Exception:  # noqa: S110 - the plain page below still answers
            log.exception("The unavailable page could not be rendered")
    return django_server_error(request, template_name)


def _check_database() -> str:
    from django.db import connection

    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        log.warning("Health check: database unreachable: %r", exc)
        return "down"
    return "ok"


def _check_cache() -> str:
    from django.core.cache import cache

    try:
        cache.set("healthz", "1", 10)
        ok = cache.get("healthz") == "1"
    except Exception as exc:
        cache_dependency.failed(exc)
        return "down"
    cache_dependency.succeeded()
    return "ok" if ok else "down"


def health() -> tuple[int, dict]:
    """Whether this process can serve: the database must answer; a cache outage only degrades."""
    checks = {"database": _check_database(), "cache": _check_cache()}
    if checks["database"] != "ok":
        return 503, {"status": "unavailable", "checks": checks}
    status = "ok" if all(v == "ok" for v in checks.values()) else "degraded"
    return 200, {"status": status, "checks": checks}


class HealthCheckMiddleware:
    """Answer ``/healthz`` first: no host check, no HTTPS redirect, no session, no secrets.

    Container health checks and load balancers call it by address, over plain
    HTTP inside the network, so it runs before the middleware that would
    refuse or redirect such a request.
    """

    path = "/healthz"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path != self.path:
            return self.get_response(request)
        from django.http import JsonResponse

        if request.method not in ("GET", "HEAD"):
            return JsonResponse({"status": "method not allowed"}, status=405)
        status, body = health()
        response = JsonResponse(body, status=status)
        response["Cache-Control"] = "no-store"
        response["X-Content-Type-Options"] = "nosniff"
        if status == 503:
            response["Retry-After"] = str(RETRY_AFTER_SECONDS * 2)
        return response
