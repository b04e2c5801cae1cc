"""Reads for the portal's own screens; each is given the organisation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from partners.models import Membership, Organisation
from portal.listing import ListSort, SortColumn
from portal.models import ActivityEvent, StaffInvitation, User
from portal.tokens import hash_token

ACTIVITY_DEFAULT_DAYS = 30


def member_list(org: Organisation, *, q: str = "") -> QuerySet[Membership]:
    """The organisation's members with their user, for the Users page."""
    members = Membership.objects.for_org(org).select_related("user")
    if q:
        members = members.filter(
            Q(user__email__icontains=q)
            | Q(user__first_name__icontains=q)
            | Q(user__last_name__icontains=q)
        )
    return members.order_by("user__first_name", "user__last_name", "user__email")


def pending_staff_invitations(org: Organisation) -> QuerySet[StaffInvitation]:
    return StaffInvitation.objects.for_org(org).pending().order_by("-created_at")


def staff_invitation_by_token(token: str) -> StaffInvitation | None:
    """The invitation a link's token names (any organisation: the token is the credential)."""
    if not token or len(token) > 100:
        return None
    return (
        StaffInvitation.objects.select_related("organisation", "invited_by")
        .filter(token_hash=hash_token(token))
        .first()
    )


@dataclass(frozen=True)
class ActivityFilter:
    verb: str = ""
    actor: Membership | None = None
    object_type: str = ""
    date_from: date | None = None
    date_to: date | None = None


def _distinct_values(org: Organisation, column: str) -> list[str]:
    """The distinct non-empty values of ``column`` among ``org``'s events, in order.

    SELECT DISTINCT reads every event of the organisation (tens of thousands
    for a distributor: 2 ms each list, on every page of the log). Walking the
    (organisation, column) index from one value to the next reads one index
    entry per distinct value instead: a "loose index scan", written as a
    recursive query because neither database plans one by itself.
    """
    if column not in ("verb", "object_type"):  # names of this module only, never input
        raise ValueError(column)
    table = ActivityEvent._meta.db_table
    sql = f"""
        WITH RECURSIVE found(value) AS (
            SELECT MIN({column}) FROM {table} WHERE organisation_id = %s AND {column} > ''
            UNION ALL
            SELECT (SELECT MIN({column}) FROM {table}
                    WHERE organisation_id = %s AND {column} > found.value)
            FROM found WHERE found.value IS NOT NULL
        )
        SELECT value FROM found WHERE value IS NOT NULL
    """  # noqa: S608 (the table and column are checked above; values are parameters)
    with connection.cursor() as cursor:
        cursor.execute(sql, [org.pk, org.pk])
        return [value for (value,) in cursor.fetchall()]


def activity_verbs(org: Organisation) -> list[str]:
    return _distinct_values(org, "verb")


def activity_object_types(org: Organisation) -> list[str]:
    return _distinct_values(org, "object_type")


def activity_default_start() -> date:
    return timezone.localdate() - timedelta(days=ACTIVITY_DEFAULT_DAYS)


# The Activity log's order: by time, newest first by default, or oldest first; both read
# activity_org_created_idx (organisation, created_at DESC), the second one backwards.
ACTIVITY_SORT = ListSort(
    SortColumn("time", ("created_at", "id"), descending_first=True), default="-time"
)


def activity_events(
    org: Organisation, filters: ActivityFilter, sort: str = "-time"
) -> QuerySet[ActivityEvent]:
    """The organisation's activity events matching ``filters``, newest first (``sort``)."""
    events = ActivityEvent.objects.for_org(org)
    if filters.verb:
        events = events.filter(verb=filters.verb)
    if filters.actor is not None:
        events = events.filter(actor_id=filters.actor.user_id)
    if filters.object_type:
        events = events.filter(object_type=filters.object_type)
    tz = timezone.get_current_timezone()
    if filters.date_from:
        events = events.filter(created_at__gte=datetime.combine(filters.date_from, time.min, tz))
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time.min, tz)
        events = events.filter(created_at__lt=end)
    return events.order_by(*ACTIVITY_SORT.order_by(sort))


def activity_rows(events: QuerySet[ActivityEvent]) -> QuerySet:
    """``events`` as the rows of the Activity log: plain dicts of what a row shows."""
    return events.values(
        "created_at",
        "verb",
        "object_type",
        "object_id",
        "object_repr",
        "before",
        "after",
        "actor_label",
        actor_first_name=F("actor__first_name"),
        actor_last_name=F("actor__last_name"),
        actor_email=F("actor__email"),
    )


def account_exists(email: str) -> bool:
    """Whether someone already signs in with ``email`` (they accept after signing in)."""
    return User.objects.filter(email=email.strip().lower()).exists()
