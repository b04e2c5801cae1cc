"""Term arithmetic and cancellation windows: pure functions of instants, no database.

A term is counted in calendar months in the portal's time zone
(``settings.TIME_ZONE``), whoever looks at it: its last day is the day before
the same day of the month ``n`` months later, or, when that month is too short
to have the day, that month's last day. A one-year term started on 31 January
ends on 30 January; one started on 29 February ends on 28 February; a month
started on 31 January ends on the last day of February. The term ends at the
midnight after its last day (``term_end``, exclusive), the instant the next
term starts.

A cancellation window is 168 hours from an instant: it closes at the same
instant whichever zone the viewer reads it in.
"""

from __future__ import annotations

import calendar
import datetime as dt
import zoneinfo

from django.conf import settings

from subscriptions.models import TERM_MONTHS, Term

CANCELLATION_WINDOW = dt.timedelta(hours=168)
REMINDER_DAYS = (30, 7)


def term_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def term_last_day(start: dt.date, months: int) -> dt.date:
    """The last day of a term of ``months`` calendar months starting on ``start``."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    days_in_month = calendar.monthrange(year, month)[1]
    if start.day > days_in_month:
        return dt.date(year, month, days_in_month)
    return dt.date(year, month, start.day) - dt.timedelta(days=1)


def term_end_for(start: dt.datetime, term: str) -> dt.datetime:
    """The instant a term of ``term`` (P1M, P1Y, P3Y) started at ``start`` ends."""
    zone = term_zone()
    last_day = term_last_day(start.astimezone(zone).date(), TERM_MONTHS[Term(term)])
    return dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), tzinfo=zone)


def term_last_date(term_end: dt.datetime) -> dt.date:
    """The last day of the term ending at ``term_end`` (its date in the portal's zone)."""
    return (term_end.astimezone(term_zone()) - dt.timedelta(microseconds=1)).date()


def window_closes_at(opened_at: dt.datetime) -> dt.datetime:
    """168 elapsed hours after ``opened_at``.

    Counted in UTC: Python adds a timedelta to a zoned time on the wall clock,
    so across a daylight saving change the result would be an hour off.
    """
    return opened_at.astimezone(dt.UTC) + CANCELLATION_WINDOW


def cancellation_closes_at(term_start: dt.datetime) -> dt.datetime:
    """Until when the subscription can be cancelled: 168 hours after its term began."""
    return window_closes_at(term_start)


def removable_seats(additions, now: dt.datetime) -> int:
    """How many licences can be removed at ``now``: those added in still-open windows."""
    return sum(a.seats - a.seats_removed for a in additions if a.window_closes_at > now)


def take_seats(additions, count: int, now: dt.datetime) -> list:
    """Mark ``count`` seats removed from the open windows, the soonest to close first.

    Returns the additions changed. The caller has checked ``removable_seats``.
    Taking from the soonest-closing window first leaves the later windows open
    for longer, the most the customer can still undo.
    """
    changed = []
    for addition in sorted(additions, key=lambda a: (a.window_closes_at, a.pk or 0)):
        if count == 0:
            break
        if addition.window_closes_at <= now:
            continue
        taken = min(addition.seats - addition.seats_removed, count)
        if taken:
            addition.seats_removed += taken
            count -= taken
            changed.append(addition)
    return changed


def last_closed_window(additions, now: dt.datetime) -> dt.datetime | None:
    """When the most recent window that is already closed closed (for a refusal message)."""
    closed = [a.window_closes_at for a in additions if a.window_closes_at <= now]
    return max(closed) if closed else None


def reminder_due(*, term_start: dt.datetime, term_end: dt.datetime, now: dt.datetime) -> int | None:
    """Which reminder (30 or 7 days before the term end) is due at ``now``, if any.

    Only the nearest one: a job that was down for a week sends the 7-day
    reminder, not both. A term not at least twice a reminder's lead (a month
    and the 30-day one) gets none of that kind: it would come with the purchase.
    """
    if now >= term_end:
        return None
    for days in sorted(REMINDER_DAYS):
        lead = dt.timedelta(days=days)
        if now >= term_end - lead:
            return days if term_end - term_start >= 2 * lead else None
    return None
