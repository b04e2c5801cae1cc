"""Term arithmetic and cancellation windows, table-driven, with time moved by time-machine."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone, translation

from portal.roles import Role
from subscriptions import services, terms
from subscriptions.models import SeatAddition, Subscription
from tests import factories as f

UTC = dt.UTC
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


@pytest.fixture(autouse=True)
def english():
    """The services' messages in English, whatever an earlier test left active."""
    with translation.override("en"):
        yield


def at(*args, tz=UTC):
    return dt.datetime(*args, tzinfo=tz)


# --- term arithmetic -----------------------------------------------------------------

LAST_DAYS = [
    # (start day, term, last day of the term)
    (dt.date(2026, 1, 31), "P1Y", dt.date(2027, 1, 30)),
    (dt.date(2024, 2, 29), "P1Y", dt.date(2025, 2, 28)),
    (dt.date(2024, 2, 29), "P3Y", dt.date(2027, 2, 28)),
    (dt.date(2023, 2, 28), "P1Y", dt.date(2024, 2, 27)),
    (dt.date(2026, 1, 31), "P1M", dt.date(2026, 2, 28)),
    (dt.date(2024, 1, 31), "P1M", dt.date(2024, 2, 29)),
    (dt.date(2024, 1, 30), "P1M", dt.date(2024, 2, 29)),
    (dt.date(2024, 1, 29), "P1M", dt.date(2024, 2, 28)),
    (dt.date(2026, 3, 1), "P1M", dt.date(2026, 3, 31)),
    (dt.date(2026, 3, 31), "P1M", dt.date(2026, 4, 30)),
    (dt.date(2026, 12, 15), "P1M", dt.date(2027, 1, 14)),
    (dt.date(2026, 11, 26), "P3Y", dt.date(2029, 11, 25)),
]


@pytest.mark.parametrize(("start", "term", "last_day"), LAST_DAYS)
def test_a_terms_last_day_follows_the_calendar(start, term, last_day):
    assert terms.term_last_day(start, {"P1M": 1, "P1Y": 12, "P3Y": 36}[term]) == last_day


TERM_ENDS = [
    # (portal zone, start instant, term, end instant)
    ("UTC", at(2026, 1, 31, 15, 30), "P1Y", at(2027, 1, 31)),
    ("UTC", at(2024, 2, 29, 23, 59), "P1Y", at(2025, 3, 1)),
    # 31 Jan 23:30 in New York is 1 Feb in UTC: the calendar of the portal's zone counts.
    ("UTC", at(2026, 1, 31, 23, 30, tz=NEW_YORK), "P1M", at(2026, 3, 1)),
    ("America/New_York", at(2026, 1, 31, 23, 30, tz=NEW_YORK), "P1M", at(2026, 3, 1, tz=NEW_YORK)),
    ("Asia/Tokyo", at(2026, 1, 31, 16, 0), "P1M", at(2026, 3, 1, tz=TOKYO)),
]


@pytest.mark.parametrize(("zone", "start", "term", "end"), TERM_ENDS)
def test_a_term_ends_at_the_midnight_after_its_last_day_in_the_portals_zone(zone, start, term, end):
    with override_settings(TIME_ZONE=zone):
        assert terms.term_end_for(start, term) == end
        assert terms.term_last_date(end) == end.astimezone(zoneinfo.ZoneInfo(zone)).date() - (
            dt.timedelta(days=1)
        )


@pytest.mark.parametrize("viewer_zone", ["UTC", "Asia/Tokyo", "America/New_York"])
def test_a_window_closes_at_the_same_instant_whatever_the_viewers_zone(viewer_zone):
    opened = at(2026, 3, 7, 12, 0)  # the night US daylight saving time begins is inside
    with timezone.override(zoneinfo.ZoneInfo(viewer_zone)):
        closes = terms.window_closes_at(timezone.localtime(opened))
    assert closes == at(2026, 3, 14, 12, 0)
    assert (closes - opened).total_seconds() == 168 * 3600


# --- windows through the services -------------------------------------------------------

T0 = at(2026, 5, 1, 9, 0)
HOUR = dt.timedelta(hours=1)
SECOND = dt.timedelta(seconds=1)


@pytest.fixture
def member(db):
    return f.MembershipFactory(role=Role.ADMIN_AGENT)


def _subscription(member, quantity=10, started=T0):
    customer = f.CustomerFactory(provider=member.organisation)
    return f.SubscriptionFactory(customer=customer, quantity=quantity, term_start=started)


def _change(sub, quantity, member, **kwargs):
    sub.refresh_from_db()
    return services.subscription_change_quantity(
        subscription=sub,
        quantity=quantity,
        version=sub.version,
        org=member.organisation,
        actor=member.user,
        **kwargs,
    )


# Each case: licence changes at hours after T0 (the purchase of 10), then the last one's
# outcome: the count reached, or the refusal.
WINDOW_CASES = [
    ("decrease just inside the purchase window", [(167.99, 4)], 4),
    ("decrease just outside the purchase window", [(168, 4)], "refused"),
    ("addition opens its own window", [(100, 15), (200, 10)], 10),
    ("only the added seats after the purchase window", [(100, 15), (200, 9)], "refused"),
    ("an addition's window closes after 168 hours", [(100, 15), (268, 10)], "refused"),
    ("just inside an addition's window", [(100, 15), (267.99, 10)], 10),
    ("overlapping windows add up", [(1, 12), (2, 14), (3, 2)], 2),
    ("overlapping windows, the first closed", [(1, 12), (100, 14), (170, 12)], 12),
    ("overlapping windows, more than the open ones", [(1, 12), (100, 14), (170, 11)], "refused"),
    (
        "removed seats cannot be removed twice",
        [(200, 14), (201, 10), (202, 14), (203, 9)],
        "refused",
    ),
]


@pytest.mark.parametrize(
    ("name", "steps", "outcome"), WINDOW_CASES, ids=[c[0] for c in WINDOW_CASES]
)
def test_licence_changes_follow_the_windows(member, name, steps, outcome):
    with time_machine.travel(T0, tick=False) as traveller:
        sub = _subscription(member)
        *before, last = steps
        for hours, quantity in before:
            traveller.move_to(T0 + dt.timedelta(hours=hours))
            _change(sub, quantity, member)
        traveller.move_to(T0 + dt.timedelta(hours=last[0]))
        if outcome == "refused":
            with pytest.raises(services.SubscriptionError) as refused:
                _change(sub, last[1], member)
            assert "Schedule the new licence count for the renewal instead" in refused.value.message
        else:
            assert _change(sub, last[1], member).quantity == outcome


def test_the_refusal_says_when_the_window_closed_in_the_viewers_zone(member):
    with time_machine.travel(T0 + 200 * HOUR, tick=False):
        sub = _subscription(member)
        sub.seat_additions.update(added_at=T0, window_closes_at=T0 + 168 * HOUR)
        with (
            translation.override("en"),
            timezone.override(TOKYO),
            pytest.raises(services.SubscriptionError) as refused,
        ):
            _change(sub, 5, member)
    # 8 May 09:00 UTC is 18:00 in Tokyo; the zone is named.
    assert "8\xa0May\xa02026,\xa018:00 JST" in refused.value.message
    assert "closed on" in refused.value.message


CANCEL_CASES = [
    ("just inside 168 hours of the purchase", T0, 168 * HOUR - SECOND, "cancelled"),
    ("at 168 hours", T0, 168 * HOUR, "refused"),
    ("long after", T0, 30 * 24 * HOUR, "refused"),
]


@pytest.mark.parametrize(
    ("name", "started", "after", "outcome"), CANCEL_CASES, ids=[c[0] for c in CANCEL_CASES]
)
def test_a_cancellation_is_allowed_only_within_168_hours_of_the_term_start(
    member, name, started, after, outcome
):
    member.role = Role.GLOBAL_ADMIN
    member.save()
    with time_machine.travel(started, tick=False) as traveller:
        sub = _subscription(member, started=started)
        traveller.move_to(started + after)
        call = lambda: services.subscription_set_status(  # noqa: E731
            subscription=sub, action="cancel", version=1, org=member.organisation, actor=member.user
        )
        if outcome == "refused":
            with pytest.raises(services.SubscriptionError, match="cancellation window closed"):
                call()
        else:
            assert call().status == Subscription.Status.CANCELLED


def test_a_renewal_opens_a_new_cancellation_window(member):
    with time_machine.travel(T0, tick=False) as traveller:
        sub = _subscription(member)
        traveller.move_to(sub.term_end + HOUR)
        services.subscriptions_renew_due()
        sub.refresh_from_db()
        traveller.move_to(sub.term_start + 100 * HOUR)
        cancelled = services.subscription_set_status(
            subscription=sub,
            action="cancel",
            version=sub.version,
            org=member.organisation,
            actor=member.user,
        )
    assert cancelled.status == "cancelled"


# --- renewals -----------------------------------------------------------------------------

RENEWALS = [
    # (term, auto_renew, scheduled (quantity, term pair) or None, expected status, quantity, term)
    ("P1M", True, None, "active", 10, "P1M"),
    ("P1Y", True, (25, "P1Y/annual"), "active", 25, "P1Y"),
    ("P1Y", True, (10, "P3Y/triennial"), "active", 10, "P3Y"),
    ("P1M", False, None, "expired", 10, "P1M"),
    ("P1M", False, (4, "P1M/monthly"), "expired", 10, "P1M"),
]


@pytest.mark.parametrize(
    ("term", "auto_renew", "scheduled", "status", "quantity", "new_term"), RENEWALS
)
def test_the_renewal_job_renews_or_expires_at_term_end(
    member, term, auto_renew, scheduled, status, quantity, new_term
):
    start = at(2024, 1, 31, 10)
    with time_machine.travel(start, tick=False) as traveller:
        sub = _subscription(member, started=start)
        sub.term = term
        sub.term_end = terms.term_end_for(start, term)
        sub.auto_renew = auto_renew
        sub.save()
        if scheduled:
            for pair in ("P1Y/annual", "P3Y/triennial", "P1M/monthly"):
                f.OfferTermFactory(
                    offer=sub.offer, term=pair.split("/")[0], billing_frequency=pair.split("/")[1]
                )
            services.scheduled_change_save(
                subscription=sub,
                change=services.ChangeRequest(
                    quantity=scheduled[0], offer=sub.offer, term_pair=scheduled[1]
                ),
                version=sub.version,
                org=member.organisation,
                actor=member.user,
            )
        old_end = sub.term_end
        traveller.move_to(old_end - SECOND)
        assert services.subscriptions_renew_due().renewed == 0
        traveller.move_to(old_end + 2 * HOUR)  # the hourly job runs a little after
        run = services.subscriptions_renew_due()
        again = services.subscriptions_renew_due()
    sub.refresh_from_db()
    assert (sub.status, sub.quantity, sub.term) == (status, quantity, new_term)
    assert (run.renewed, run.expired) == ((1, 0) if status == "active" else (0, 1))
    assert (again.renewed, again.expired) == (0, 0)  # idempotent
    if status == "active":
        assert sub.term_start == old_end
        assert sub.term_end == terms.term_end_for(old_end, new_term)
        assert sub.changes.filter(field="renewed").count() == 1
        pending = sub.scheduled_changes.filter(status="pending").exists()
        assert not pending
    verb = "subscription.renewed" if status == "active" else "subscription.expired"
    assert sub.provider.activity_events.filter(verb=verb, object_id=str(sub.uuid)).count() == 1


def test_a_one_year_term_from_31_january_renews_on_31_january(member):
    start = at(2026, 1, 31, 10)
    with time_machine.travel(start, tick=False) as traveller:
        sub = _subscription(member, started=start)
        sub.term, sub.term_end = "P1Y", terms.term_end_for(start, "P1Y")
        sub.save()
        assert terms.term_last_date(sub.term_end) == dt.date(2027, 1, 30)
        traveller.move_to(at(2027, 1, 31, 0, 30))
        services.subscriptions_renew_due()
    sub.refresh_from_db()
    assert terms.term_last_date(sub.term_end) == dt.date(2028, 1, 30)


def test_a_mid_term_licence_change_discards_the_scheduled_change_only_when_confirmed(member):
    with time_machine.travel(T0, tick=False):
        sub = _subscription(member)
        services.scheduled_change_save(
            subscription=sub,
            change=services.ChangeRequest(quantity=20, offer=sub.offer, term_pair=""),
            version=sub.version,
            org=member.organisation,
            actor=member.user,
        )
        with pytest.raises(services.ConfirmationNeeded):
            _change(sub, 12, member)
        assert sub.scheduled_changes.get().status == "pending"
        _change(sub, 12, member, discard_scheduled=True)
    assert sub.scheduled_changes.get().status == "discarded"
    assert SeatAddition.objects.filter(subscription=sub, seats=2).exists()
