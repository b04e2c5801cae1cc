"""Activity events: every state change writes one, through ``record``."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

request_ip: ContextVar[str | None] = ContextVar("request_ip", default=None)


def record(
    *,
    org,
    actor,
    verb: str,
    obj=None,
    before: Any = None,
    after: Any = None,
    object_type: str | None = None,
):
    """Write one activity event for ``org`` (the client IP comes from the current request)."""
    from portal.models import ActivityEvent

    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    return ActivityEvent.objects.create(
        organisation=org,
        actor=actor_obj,
        verb=verb,
        object_type=object_type or (obj._meta.model_name if obj is not None else ""),
        object_id=str(getattr(obj, "uuid", None) or getattr(obj, "pk", "") or ""),
        object_repr=str(obj)[:250] if obj is not None else "",
        before=before,
        after=after,
        ip_address=request_ip.get(),
    )
