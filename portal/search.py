"""The search as you type of the long lists: which match a term asks for, and its plans.

A term of three characters or more matches anywhere in a value (``icontains``),
which the trigram indexes answer. One or two characters hold no trigram: a
substring match of them read every row of a distributor's list, 0.5-0.9 s.
They match the start of a value instead (``istartswith``), which a btree
index on the same upper-cased expression (``text_pattern_ops``) answers as a
range; the search field says so.

Whether an index can answer a pattern depends on its value ('LO%' is a range,
'%LO%' is not), so these queries are planned for their values: run
unprepared (see ``planned_for_their_values``), not with the generic plan of a
prepared statement, which scanned both trigram indexes whole.
"""

from __future__ import annotations

import operator
from contextlib import contextmanager
from functools import reduce

from django.db import connection
from django.db.models import Q

SHORT_TERM = 2  # characters up to which a term matches the start of a value


def matching(term: str, *fields: str) -> Q:
    """Rows whose ``fields`` (any of them) contain ``term``, or start with it when it is short."""
    lookup = "istartswith" if len(term) <= SHORT_TERM else "icontains"
    return reduce(operator.or_, (Q(**{f"{field}__{lookup}": term}) for field in fields))


@contextmanager
def planned_for_their_values(searching: bool = True):
    """Run the queries inside unprepared on PostgreSQL when ``searching``, so each is
    planned for its values (psycopg prepares a query repeated on a connection, and
    PostgreSQL then may keep one generic plan for every value)."""
    if not searching or connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    driver = connection.connection
    before = getattr(driver, "prepare_threshold", None)
    if before is None:  # not preparing anyway
        yield
        return
    driver.prepare_threshold = None
    try:
        yield
    finally:
        driver.prepare_threshold = before
