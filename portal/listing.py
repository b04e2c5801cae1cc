"""Building blocks of list pages that stay fast at distributor scale.

Pagination: Django's Paginator slices the queryset with OFFSET: every skipped row is read,
joined and projected before the page's rows. Paging over primary keys alone
lets PostgreSQL skip the offset on an index-only scan of an index that matches
the ORDER BY; the page's rows (joins, counts) are then loaded by primary key.
A large count (a provider's 250,000 subscriptions) is itself a scan of that
many index entries, so it is kept in the cache for a minute; small counts,
where a change is easy to notice, are always exact.

Filter choices: a distributor's reseller filter lists thousands of resellers;
finding them reads every customer of the provider, so a long list is kept in
the cache for a minute too, and rendered without a template loop.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from html import escape

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe

log = logging.getLogger(__name__)

CACHED_COUNT_FROM = 10_000
CACHED_CHOICES_FROM = 500
CACHE_SECONDS = 60


def _cache_get(key: str):
    try:
        return cache.get(key)
    except Exception:  # the cache being down must not take the lists down
        log.warning("List cache unavailable", exc_info=True)
        return None


def _cache_set(key: str, value) -> None:
    try:
        cache.set(key, value, CACHE_SECONDS)
    except Exception:
        log.warning("List cache unavailable", exc_info=True)


class CachedCountPaginator(Paginator):
    """A Paginator whose count, when large, is computed once a minute per query."""

    @cached_property
    def count(self) -> int:
        try:
            key = "list-count:" + hashlib.sha256(str(self.object_list.query).encode()).hexdigest()
        except EmptyResultSet:
            return 0
        cached = _cache_get(key)
        if cached is not None:
            return cached
        count = super().count
        if count >= CACHED_COUNT_FROM:
            _cache_set(key, count)
        return count


def paginate_by_key(
    queryset: QuerySet, number, per_page: int, load_rows: Callable[[QuerySet], QuerySet]
) -> Page:
    """The page ``number`` of ``queryset``, its rows loaded by ``load_rows(keys)``.

    ``keys`` is the page's slice of primary keys as a subquery, so a page is
    two queries: the count (see CachedCountPaginator) and the rows, whose
    ``WHERE pk IN (SELECT pk ... ORDER BY ... LIMIT OFFSET)`` skips the offset
    on the index alone.
    """
    paginator = CachedCountPaginator(queryset.values_list("pk", flat=True), per_page)
    page = paginator.get_page(number)
    if paginator.count:
        page.object_list = list(load_rows(page.object_list).order_by(*queryset.query.order_by))
    else:
        page.object_list = []
    return page


def cached_choices(key: str, choices: QuerySet) -> list[tuple]:
    """The (value, label) rows of ``choices``; a long list is read once a minute."""
    key = f"list-choices:{key}"
    cached = _cache_get(key)
    if cached is not None:
        return cached
    rows = list(choices)
    if len(rows) >= CACHED_CHOICES_FROM:
        _cache_set(key, rows)
    return rows


def select_options(choices: Iterable[tuple], selected: str = "") -> str:
    """``<option>`` elements for (value, label) pairs, ``selected`` marked, escaped.

    A filter listing thousands of resellers renders in a few milliseconds here,
    where a template loop (or format_html per option) takes most of the request.
    """
    selected = str(selected or "")
    options = []
    for value, label in choices:
        value = str(value)
        mark = " selected" if value == selected else ""
        options.append(f'<option value="{escape(value)}"{mark}>{escape(str(label))}</option>')
    return mark_safe("".join(options))  # every value and label is escaped above
