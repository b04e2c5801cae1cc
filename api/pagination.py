"""Cursor pagination over the list's ordering keys: a continuation token, never OFFSET."""

from __future__ import annotations

from datetime import date, datetime

from django.core import signing
from django.db.models import Q

from api.problems import Problem

SALT = "api.cursor"
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def _encode(values) -> str:
    return signing.dumps(
        [v.isoformat() if isinstance(v, date | datetime) else v for v in values],
        salt=SALT,
        compress=True,
    )


def _decode(token: str, fields) -> list:
    try:
        raw = signing.loads(token, salt=SALT)
    except signing.BadSignature as exc:
        raise Problem("validation-error", "The continuation token is not valid.") from exc
    if not isinstance(raw, list) or len(raw) != len(fields):
        raise Problem("validation-error", "The continuation token is not valid.")
    return raw


def _after(fields: list[str], values: list) -> Q:
    """Rows after ``values`` in the order ``fields`` (a '-' prefix: descending)."""
    condition = Q()
    for i, field in enumerate(fields):
        name = field.lstrip("-")
        op = "lt" if field.startswith("-") else "gt"
        step = Q(**{f"{name}__{op}": values[i]})
        for earlier, value in zip(fields[:i], values[:i], strict=False):
            step &= Q(**{earlier.lstrip("-"): value})
        condition |= step
    # The first key's bound on its own as well: an index range scan starts there (the OR
    # alone is not one, and PostgreSQL would read the list from its beginning).
    first = fields[0]
    bound = Q(**{f"{first.lstrip('-')}__{'lte' if first.startswith('-') else 'gte'}": values[0]})
    return bound & condition


def page(queryset, *, order: list[str], cursor: str | None, limit: int | None):
    """One page of ``queryset`` in ``order`` (its last field unique) and the next page's token."""
    limit = min(max(limit or DEFAULT_LIMIT, 1), MAX_LIMIT)
    queryset = queryset.order_by(*order)
    if cursor:
        queryset = queryset.filter(_after(order, _decode(cursor, order)))
    rows = list(queryset[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    token = None
    if more:
        last = rows[-1]
        token = _encode([getattr(last, f.lstrip("-")) for f in order])
    return rows, token
