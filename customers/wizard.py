"""The new-customer wizard's state, in the session and keyed by user and organisation.

The key makes a draft unreachable from any other user or tenant even if a
session were ever shared (a sign-in as someone else flushes it anyway).
"""

from __future__ import annotations

import uuid


def _session_key(request, name: str) -> str:
    return f"customers.{name}:{request.user.pk}:{request.tenant.org.pk}"


def start_draft(request) -> dict:
    """The current draft, or a new one with its own idempotency key."""
    key = _session_key(request, "draft")
    draft = request.session.get(key)
    if draft is None:
        draft = {"idempotency_key": str(uuid.uuid4()), "details": None, "lines": None}
        request.session[key] = draft
    return draft


def current_draft(request) -> dict | None:
    """The current draft, if the wizard was started."""
    return request.session.get(_session_key(request, "draft"))


def save_draft(request, draft: dict) -> None:
    request.session[_session_key(request, "draft")] = draft


def discard_draft(request) -> None:
    request.session.pop(_session_key(request, "draft"), None)
