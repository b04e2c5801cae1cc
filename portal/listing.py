"""Building blocks of list pages that stay fast at distributor scale.

Pagination: Django's Paginator slices the queryset with OFFSET: every skipped row is read,
joined and projected before the page's rows. Paging over primary keys alone
lets PostgreSQL skip the offset on an index-only scan of an index that matches
the ORDER BY; the page's rows (joins, counts) are then loaded by primary key.
A large count (a provider's 250,000 subscriptions) is itself a scan of that
many index entries, so a count of 1,000 or more (20 pages and more) is kept in
the cache for a minute: it only shifts "Page x of y" meanwhile, the rows are
always read fresh. Smaller counts, where a change is easy to notice, are
always exact.

Filter choices: a distributor's reseller filter lists thousands of resellers;
finding them reads every customer of the provider, so a long list is kept in
the cache for a minute too, as its options' HTML (jinja2/_options.html), and
loaded by the page after it is shown rather than carried by every page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Func, QuerySet, TextField, Value, Window
from django.db.models.lookups import GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual
from django.utils.functional import cached_property

from portal.outages import cache_call
from portal.tables import engine_output, fragment_macro, render_fragment

CACHED_COUNT_FROM = 1_000
CACHED_CHOICES_FROM = 500
CACHE_SECONDS = 60
DEEP_FROM = 5_000
PAGE_SIZES = (25, 50, 100)


def page_size(request, default: int) -> int:
    """The page size the list was asked for (``per_page``: 25, 50 or 100), else ``default``."""
    value = request.GET.get("per_page", "")
    return int(value) if value.isdigit() and int(value) in PAGE_SIZES else default


# Entries a list page read ahead with its count (paginate_by_key's ``also``), each
# taken by its first read in the same request; emptied when a request starts and ends.
_read_ahead: ContextVar[dict | None] = ContextVar("list_cache_read_ahead", default=None)


def forget_read_ahead(**kwargs) -> None:
    """Drop what was read ahead (request_started and request_finished, PortalConfig)."""
    _read_ahead.set(None)


def _cache_get(key: str):
    ahead = _read_ahead.get()
    if ahead and key in ahead:
        return ahead.pop(key)
    return cache_call(cache.get, key)


def _cache_set(key: str, value) -> None:
    ahead = _read_ahead.get()
    if ahead:
        ahead.pop(key, None)
    cache_call(cache.set, key, value, CACHE_SECONDS)


def list_key(name: str, org, **filters) -> str:
    """A name for one list as filtered (``name``: which list; ``org``: whose; the filter
    values), under which facts about it are cached: its count, where its deep pages start.

    Made from the values rather than from the query's SQL, which Django would
    compile (a millisecond of Python on a list page) only to hash it.
    """
    values = "&".join(f"{k}={filters[k]}" for k in sorted(filters))
    return f"{name}:{getattr(org, 'pk', org)}:{values}"


class CachedCountPaginator(Paginator):
    """A Paginator whose count, when large, is computed once a minute per query.

    ``key`` (see list_key) names the list; without it the query's SQL does.
    ``prefetched``: cache entries already read (paginate_by_key reads the count
    and the page's start in one round trip).
    """

    def __init__(self, *args, key: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.key = key
        self.prefetched: dict = {}

    @cached_property
    def query_key(self) -> str:
        """A name for the query under which facts about it are cached: its list key and
        its order, else its SQL, hashed."""
        if self.key is not None:
            name = f"{self.key}|{self.object_list.query.order_by}"
        else:
            name = str(self.object_list.query)
        return hashlib.sha256(name.encode()).hexdigest()

    @property
    def estimated(self) -> bool:
        """Whether the count may be a minute old (a cached count): shown as "about"."""
        return self.count >= CACHED_COUNT_FROM

    @property
    def count_key(self) -> str:
        return f"list-count:{self.query_key}"

    @cached_property
    def count(self) -> int:
        try:
            key = self.count_key
        except EmptyResultSet:
            return 0
        cached = self.prefetched[key] if key in self.prefetched else _cache_get(key)
        if cached is not None:
            return cached
        count = super().count
        if count >= CACHED_COUNT_FROM:
            _cache_set(key, count)
        return count


class CountedPaginator(Paginator):
    """A Paginator that counts another queryset of the same rows: one without the
    joins and columns the page shows (a count needs neither)."""

    def __init__(self, object_list, per_page, *, count_from: QuerySet, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.count_from = count_from

    @cached_property
    def count(self) -> int:
        return self.count_from.count()


def short_list_page(queryset: QuerySet, number, per_page: int) -> Page:
    """``Paginator(queryset, per_page).get_page(number)`` of a short list (a subscription's
    history), its first page in one query (see _counted), where the paginator counts the
    list in a query of its own first. Other pages, rarely opened, are get_page's.
    """
    paginator = Paginator(queryset, per_page)
    try:
        first = number is None or int(number) == 1
    except (TypeError, ValueError):
        first = True  # get_page shows the first page for a number that is none
    if not first:
        return paginator.get_page(number)
    rows = list(_counted(queryset)[:per_page])
    paginator.count = (
        0
        if not rows
        else rows[0]["_listing_total"]
        if isinstance(rows[0], dict)  # values()
        else rows[0]._listing_total
    )
    return Page(rows, 1, paginator)


def _counted(queryset: QuerySet) -> QuerySet:
    """``queryset`` in its order, each row with ``_listing_total``, the number of its rows
    (``COUNT(*) OVER ()``): a first page and the list's count in one query.

    Sorted by that count first (the same on every row): PostgreSQL must then count
    every row before the first one, and plans for that (for a search, the trigram
    index's candidates and a sort of the matches) instead of walking an index under
    the LIMIT for rows it supposes few.
    """
    query = queryset.query
    order = query.order_by or (queryset.model._meta.ordering if query.default_ordering else ())
    return queryset.annotate(_listing_total=Window(Count("*"))).order_by("_listing_total", *order)


def paginate_by_key(
    queryset: QuerySet,
    number,
    per_page: int,
    load_rows: Callable[[QuerySet], QuerySet],
    *,
    key: str | None = None,
    also: Iterable[str] = (),
    searching: bool = False,
) -> Page:
    """The page ``number`` of ``queryset``, its rows loaded by ``load_rows(keys)``.

    ``also``: other cache entries the page reads (a filter's long_options_key),
    read in the same round trip as the count and kept for their first read.

    ``searching``: ``queryset`` is narrowed by a search term. Its first page,
    when its count is not cached, reads its keys and its count in one query
    (see _first_keys_counted): the trigram index's candidates are then fetched
    and checked once, not once for the count and again for the page.

    ``keys`` is the page's slice of primary keys as a subquery, so a page is
    two queries: the count (see CachedCountPaginator) and the rows, whose
    ``WHERE pk IN (SELECT pk ... ORDER BY ... LIMIT OFFSET)`` skips the offset
    on the index alone. Past the middle of the list the keys are read in the
    reverse order, from the end, so the last page skips nothing.

    Deep pages (DEEP_FROM rows skipped or more): an offset of tens of thousands
    of rows is still a scan of that many index entries. Each deep page
    remembers, for a minute, the sort key of its first row and the key its
    next page starts after (read from its rows: ``load_rows`` must return the
    ORDER BY's fields, ``pk`` as ``id``); read again, or reached with Next, it
    then seeks its first row in the index instead. Rows added or removed
    before it meanwhile shift it by as many rows, as the cached count shifts
    "Page x of y".

    ``key`` names the list as filtered (list_key): the count and the page's
    start are read from the cache in one round trip, and no SQL is compiled
    to name them.
    """
    paginator = CachedCountPaginator(queryset.values_list("pk", flat=True), per_page, key=key)
    wanted = []
    if key is not None:
        wanted = [paginator.count_key]
        asked = str(number or "")
        # A page number as asked (a valid one is short; the paginator answers any other).
        if asked.isdigit() and len(asked) <= 9 and (int(asked) - 1) * per_page >= DEEP_FROM:
            wanted.append(_start_key(paginator, int(asked)))
        ahead = list(also)
        paginator.prefetched = cache_call(cache.get_many, [*wanted, *ahead]) or {}
        if ahead:
            _read_ahead.set({name: paginator.prefetched.get(name) for name in ahead})
        if (
            searching
            and str(number or "1") == "1"
            and paginator.prefetched.get(paginator.count_key) is None
            and not queryset.query.distinct
        ):
            return _first_keys_counted(queryset, paginator, load_rows)
    page = paginator.get_page(number)
    if not paginator.count:
        page.object_list = []
        return page
    order = _uniform_order(queryset)
    deep = order is not None and page.start_index() - 1 >= DEEP_FROM
    start = None
    if deep:
        start_key = _start_key(paginator, page.number)
        if start_key in wanted:  # read with the count (absent: not remembered)
            start = paginator.prefetched.get(start_key)
        else:
            start = _cache_get(start_key)
    if start is not None:
        keys = _from_key(queryset, order, *start).values_list("pk", flat=True)[:per_page]
    elif page.start_index() - 1 > paginator.count // 2:
        keys = _keys_from_the_end(queryset, page).values_list("pk", flat=True)
    else:
        keys = page.object_list
    page.object_list = list(load_rows(keys).order_by(*queryset.query.order_by))
    if deep and page.object_list:
        first = _sort_values(page.object_list[0], order[0])
        last = _sort_values(page.object_list[-1], order[0])
        starts = {}
        if start is None and first is not None:
            starts[_start_key(paginator, page.number)] = (first, True)
        if last is not None:
            starts[_start_key(paginator, page.number + 1)] = (last, False)
        if starts:
            cache_call(cache.set_many, starts, CACHE_SECONDS)
    return page


def _first_keys_counted(
    queryset: QuerySet, paginator: CachedCountPaginator, load_rows: Callable
) -> Page:
    """Page 1 of ``queryset`` with its count read in the same query as its keys.

    A search's rows come from a trigram index's candidates, each fetched and
    checked: counting them and then reading the page's keys did that twice
    (55 ms each for a term spanning words, "y k", with 31,000 candidates on
    the load data). _counted counts the matches the page's keys are sorted
    from. A term matching thousands of rows is sorted in full here,
    once a minute: its count is then cached and its first page read as before.
    """
    first = list(_counted(queryset).values_list("pk", "_listing_total")[: paginator.per_page])
    total = first[0][1] if first else 0
    paginator.count = total  # the cached_property, set
    if total >= CACHED_COUNT_FROM:
        _cache_set(paginator.count_key, total)
    page = paginator.get_page(1)
    if not first:
        page.object_list = []
        return page
    keys = [pk for pk, _total in first]
    page.object_list = list(load_rows(keys).order_by(*queryset.query.order_by))
    return page


def _start_key(paginator: CachedCountPaginator, number: int) -> str:
    """The cache key of where page ``number`` of the paginator's list starts."""
    return f"list-start:{paginator.query_key}:{paginator.per_page}:{number}"


def _keys_from_the_end(queryset: QuerySet, page: Page) -> QuerySet:
    """The page's rows of ``queryset``, sliced from its end in the reverse order."""
    count, per_page = page.paginator.count, page.paginator.per_page
    bottom = page.start_index() - 1
    size = max(min(per_page, count - bottom), 0)
    from_end = max(count - bottom - size, 0)  # a minute-old count can be short
    return queryset.reverse()[from_end : from_end + size]


class _Row(Func):
    """A row value, ``(a, b)``: compared as a whole, it is one index condition."""

    template = "(%(expressions)s)"
    output_field = TextField()  # never read: only compared


_ROW_COMPARISONS = {
    # (descending, inclusive): the rows from a page's first key on, in the list's order
    (False, True): GreaterThanOrEqual,
    (False, False): GreaterThan,
    (True, True): LessThanOrEqual,
    (True, False): LessThan,
}


def _uniform_order(queryset: QuerySet) -> tuple[list[str], bool] | None:
    """The ORDER BY's field names and whether it is descending; None when its directions mix."""
    names, directions = [], set()
    for item in queryset.query.order_by:
        if not isinstance(item, str):
            return None
        directions.add(item.startswith("-"))
        names.append(item.lstrip("-"))
    return (names, directions.pop()) if len(directions) == 1 else None


def _from_key(queryset: QuerySet, order: tuple[list[str], bool], bound, inclusive) -> QuerySet:
    """The rows of ``queryset`` from the sort key ``bound`` on (or after it), in its order."""
    names, descending = order
    comparison = _ROW_COMPARISONS[descending, inclusive]
    return queryset.filter(
        comparison(_Row(*(F(name) for name in names)), _Row(*(Value(v) for v in bound)))
    )


def _sort_values(row, names: list[str]) -> tuple | None:
    """The row's values of the ORDER BY's fields, or None when it lacks one (or one is NULL,
    which compares to nothing)."""
    values = []
    for name in names:
        field = "id" if name == "pk" else name
        value = row.get(field) if isinstance(row, dict) else getattr(row, field, None)
        if value is None:
            return None
        values.append(value)
    return tuple(values)


@dataclass(frozen=True)
class FilterOptions:
    """The ``<option>`` elements of a filter and whether more are loaded after the page.

    ``lazy``: the list is long (CACHED_CHOICES_FROM or more); ``html`` then holds
    only the chosen option, and the page loads the rest from a separate,
    cacheable response, so every page of the list does not carry (and render)
    a distributor's thousands of resellers.
    """

    html: str
    lazy: bool = False
    selected: str = ""
    # A short list's (value, label) pairs, read once: a form's select shows them instead of
    # reading its choices' query again.
    choices: tuple = ()


def filter_options(
    key: str,
    choices: Callable[[], Iterable[tuple]],
    selected: tuple | None = None,
    *,
    full: bool = False,
) -> FilterOptions:
    """The (value, label) options of ``choices()``, ``selected`` marked.

    ``selected``: the chosen (value, label), found by the caller in the same
    choices, or None. A long list is built once a minute and kept as its
    options' HTML, one string per option (unpickling thousands of rows and
    escaping them again took most of a page's time); a page then shows only
    the chosen option, without reading the list at all. ``full``: every option
    even when the list is long (the separate response), the chosen one
    written again, marked.
    """
    value = str(selected[0]) if selected else ""
    chosen = [selected] if selected else []
    long_key, html_key = long_options_key(key), f"list-options-html:{key}"
    built_key = f"list-options-built:{key}"
    built = None
    if not full:
        if _cache_get(long_key):
            return FilterOptions(select_options(chosen, value), True, value)
        # Not known as long: a short list, never cached; or a long one whose entries
        # lapsed together (the flag is written last), built again below.
    else:
        if not value:  # nothing chosen: the whole list as it was built
            html = _cache_get(html_key)
            if html is not None:
                return FilterOptions(engine_output(html), True, value)
        built = _cache_get(built_key)
    if built is None:
        rows = [(str(v), label) for v, label in choices()]
        if len(rows) < CACHED_CHOICES_FROM:
            return FilterOptions(select_options(rows, value), False, value, tuple(rows))
        option = fragment_macro("_options.html", "option")
        built = ([v for v, _label in rows], [str(option(v, label)) for v, label in rows])
        _cache_set(built_key, built)
        _cache_set(html_key, "".join(built[1]))
        _cache_set(long_key, True)
    if not full:
        return FilterOptions(select_options(chosen, value), True, value)
    values, options = built
    if value in values:
        at = values.index(value)
        options = [*options[:at], select_options(chosen, value), *options[at + 1 :]]
    return FilterOptions(engine_output("".join(options)), True, value)


def long_options_key(key: str) -> str:
    """The cache entry saying that the filter options ``key`` are long (loaded apart)."""
    return f"list-options-long:{key}"


def select_options(choices: Iterable[tuple], selected: str | None = "") -> str:
    """``<option>`` elements for (value, label) pairs, ``selected`` marked (jinja2/_options.html).

    A filter listing thousands of resellers renders in a few milliseconds in
    Jinja2, where a Django template loop (or a widget) takes most of the request.
    """
    return render_fragment(
        None, "_options.html", {"choices": choices, "selected": str(selected or "")}
    )


# Sortable columns --------------------------------------------------------------
#
# A list offers only the orders an index returns (each ends with a unique key,
# so ties keep one order from page to page and paginate_by_key can seek a deep
# page from its first row's values). ``?sort=name`` asks for a column
# ascending, ``?sort=-name`` descending; any other value falls back to the
# list's default. The column headers are links that set it, keep the rest of
# the query (filters, search, page size) and go back to the first page.


@dataclass(frozen=True)
class SortColumn:
    """A column a list can be sorted by.

    ``fields``: the ascending ORDER BY, ending with a unique key; ``descending``
    reverses every field, so one index serves both directions. ``descending_first``:
    the first click asks for the descending order (dates: newest first).
    """

    name: str
    fields: tuple[str, ...]
    descending_first: bool = False


@dataclass(frozen=True)
class SortHeader:
    """What a column's heading shows: the link that sorts by it and its ``aria-sort``."""

    href: str
    aria_sort: str  # "ascending", "descending" or "" (not the list's order)
    target: str  # the element HTMX replaces with the sorted list ("" for a full page)


class ListSort:
    """The orders a list offers and the one a request chose."""

    def __init__(
        self,
        *columns: SortColumn,
        default: str,
        param: str = "sort",
        aliases: dict[str, str] | None = None,
    ):
        """``aliases``: older values still accepted in links, each to the value it means."""
        self.columns = {column.name: column for column in columns}
        self.default = default
        self.param = param
        self.aliases = aliases or {}
        assert self.clean(default) == default

    def clean(self, value) -> str:
        """``value`` when it names a column (``-`` first for descending), else the default."""
        value = value if isinstance(value, str) else ""
        value = self.aliases.get(value, value)
        name = value.removeprefix("-")
        return value if name in self.columns else self.default

    def chosen(self, request) -> str:
        return self.clean(request.GET.get(self.param, ""))

    def order_by(self, value: str) -> list[str]:
        """The ORDER BY of the sort ``value`` (cleaned first)."""
        value = self.clean(value)
        prefix = "-" if value.startswith("-") else ""
        return [prefix + field for field in self.columns[value.removeprefix("-")].fields]

    def headers(
        self, request, *, target: str = "", page_param: str = "page", anchor: str = ""
    ) -> dict:
        """Each column's SortHeader for ``request``: a link to the other direction of the
        chosen column, or to a new column in its first direction, on the first page.

        ``target``: the element HTMX replaces with the sorted list (none: the link loads
        the page, at ``#anchor`` when given)."""
        chosen = self.chosen(request)
        headers = {}
        for name, column in self.columns.items():
            if chosen.removeprefix("-") == name:
                descending = chosen.startswith("-")
                aria_sort = "descending" if descending else "ascending"
                value = name if descending else f"-{name}"
            else:
                aria_sort = ""
                value = f"-{name}" if column.descending_first else name
            query = request.GET.copy()
            query[self.param] = value
            query.pop(page_param, None)
            href = f"?{query.urlencode()}" + (f"#{anchor}" if anchor else "")
            headers[name] = SortHeader(href, aria_sort, target)
        return headers
