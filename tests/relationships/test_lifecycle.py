"""The daily lifecycle job: expiring at 30 days, expired at the end, auto-extended by 180 days,
unapproved requests expired after 90 days, notices 30, 7 and 1 days before the end, each once.
Time moves with time-machine; nothing sleeps."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection, connections

from portal.models import ActivityEvent, OutboundEmail
from portal.roles import Role
from relationships import services
from relationships.models import AdminRelationship, AdminRelationshipNotice
from relationships.tasks import run_lifecycle
from tests import factories as f

START = datetime(2027, 1, 1, 3, 0, tzinfo=UTC)  # the job runs at 03:00 every day
Status = AdminRelationship.Status


def _at(day: int) -> datetime:
    return START + timedelta(days=day)


def _relationship(customer, partner, *, days, auto_extend=False, roles=None, **fields):
    values = {
        "customer": customer,
        "partner": partner,
        "duration_days": days,
        "auto_extend": auto_extend,
        "created_at": START,
        "approved_at": START,
        "ends_at": START + timedelta(days=days),
    }
    values.update(fields)
    return f.AdminRelationshipFactory(roles=roles, **values)


# (name, build(customer, provider, catalogue), what happens on which day)
YEAR = {
    "90 days": (
        lambda c, p, r: _relationship(c, p, days=90),
        [
            (60, "expiring"),
            (60, "notice 30"),
            (83, "notice 7"),
            (89, "notice 1"),
            (90, "expired"),
        ],
    ),
    "100 days, auto-extended twice": (
        lambda c, p, r: _relationship(c, p, days=100, auto_extend=True),
        [
            (70, "expiring"),
            (70, "notice 30"),
            (93, "notice 7"),
            (99, "notice 1"),
            (100, "extended"),  # ends on day 280: active again
            (250, "expiring"),
            (250, "notice 30"),
            (273, "notice 7"),
            (279, "notice 1"),
            (280, "extended"),  # ends on day 460, past the year
        ],
    ),
    "400 days": (lambda c, p, r: _relationship(c, p, days=400), []),
    "request never approved": (
        lambda c, p, r: _relationship(
            c, p, days=30, status=Status.APPROVAL_PENDING, approved_at=None, ends_at=None
        ),
        [(90, "expired")],
    ),
    "awaiting the reseller's consent": (
        lambda c, p, r: _relationship(
            c, c.reseller, days=30, status=Status.CREATED, approved_at=None, ends_at=None
        ),
        [(90, "expired")],
    ),
    "5 days with Global Administrator": (
        lambda c, p, r: _relationship(
            c, p, days=5, roles=[r["Global Administrator"]], status=Status.EXPIRING
        ),
        [(0, "notice 7"), (4, "notice 1"), (5, "expired")],
    ),
    "terminated": (
        lambda c, p, r: _relationship(c, p, days=40, status=Status.TERMINATED),
        [],
    ),
}

LABELS = {
    "admin_relationship.expiring": "expiring",
    "admin_relationship.expired": "expired",
    "admin_relationship.extended": "extended",
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", YEAR)
def test_over_a_simulated_year_it_extends_expires_and_notifies_as_the_rules_say(
    name, provider, reseller, roles
):
    f.MembershipFactory(organisation=provider, role=Role.GLOBAL_ADMIN)
    f.MembershipFactory(organisation=provider, role=Role.SALES_AGENT)  # not told
    build, expected = YEAR[name]
    with time_machine.travel(START, tick=False):
        customer = f.CustomerFactory(provider=provider, reseller=reseller)
        relationship = build(customer, provider, roles)
    for day in range(365):
        with time_machine.travel(_at(day), tick=False):
            services.lifecycle_run()
    happened = []
    for event in ActivityEvent.objects.filter(
        organisation=provider, object_id=str(relationship.uuid)
    ).order_by("pk"):
        day = (event.created_at - START).days
        if event.verb in LABELS:
            happened.append((day, LABELS[event.verb]))
        elif event.verb == "admin_relationship.notice_sent":
            happened.append((day, f"notice {event.after['days_before']}"))
    assert happened == expected
    notices = [label for _day, label in expected if label.startswith("notice")]
    admins = relationship.partner.memberships.filter(
        role__in=[Role.GLOBAL_ADMIN, Role.ADMIN_AGENT]
    ).count()
    assert (
        OutboundEmail.objects.filter(kind="admin-relationship-ending").count()
        == len(notices) * admins
    )


@pytest.mark.django_db
def test_run_twice_in_one_day_it_sends_each_notice_once(
    provider, reseller, roles, django_capture_on_commit_callbacks, mailoutbox
):
    f.MembershipFactory(
        organisation=provider, role=Role.GLOBAL_ADMIN, user__email="ga@contoso.example"
    )
    f.MembershipFactory(
        organisation=provider, role=Role.ADMIN_AGENT, user__email="aa@contoso.example"
    )
    with time_machine.travel(START, tick=False):
        relationship = _relationship(f.CustomerFactory(provider=provider), provider, days=90)
    for hour in (0, 5):  # the job runs twice on day 60
        with (
            time_machine.travel(_at(60) + timedelta(hours=hour), tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            run_lifecycle.apply()
    relationship.refresh_from_db()
    assert relationship.status == Status.EXPIRING
    assert sorted(m.to[0] for m in mailoutbox) == ["aa@contoso.example", "ga@contoso.example"]
    assert "30 days" in mailoutbox[0].subject
    assert AdminRelationshipNotice.objects.filter(relationship=relationship).count() == 1
    assert ActivityEvent.objects.filter(verb="admin_relationship.expiring").count() == 1


@pytest.mark.django_db
def test_the_notice_is_in_the_recipients_language(
    reseller, roles, django_capture_on_commit_callbacks, mailoutbox
):
    japanese = f.ResellerFactory(country="JP")
    f.MembershipFactory(organisation=japanese, role=Role.GLOBAL_ADMIN)
    with time_machine.travel(START, tick=False):
        customer = f.CustomerFactory(reseller=japanese, company_name="Alpine Ski")
        _relationship(customer, japanese, days=90)
    with (
        time_machine.travel(_at(83), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.lifecycle_run()
    assert [m.subject for m in mailoutbox] == [
        "Alpine Ski に対する管理者の関係はあと 7 日で終了します"
    ]


@pytest.mark.django_db
def test_each_recipient_gets_the_notice_in_their_own_language(
    roles, django_capture_on_commit_callbacks, mailoutbox
):
    english = f.ResellerFactory(country="US")
    f.MembershipFactory(
        organisation=english,
        role=Role.GLOBAL_ADMIN,
        user__email="ja@reseller.example",
        user__language="ja",
    )
    f.MembershipFactory(
        organisation=english, role=Role.ADMIN_AGENT, user__email="en@reseller.example"
    )
    with time_machine.travel(START, tick=False):
        customer = f.CustomerFactory(reseller=english, company_name="Alpine Ski")
        _relationship(customer, english, days=90)
    with (
        time_machine.travel(_at(83), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.lifecycle_run()
    subjects = {m.to[0]: m.subject for m in mailoutbox}
    assert (
        subjects["ja@reseller.example"] == "Alpine Ski に対する管理者の関係はあと 7 日で終了します"
    )
    assert "7 days" in subjects["en@reseller.example"]


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_each_notice_once():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; SKIP LOCKED is exercised on PostgreSQL")
    provider = f.ProviderFactory()
    f.MembershipFactory(organisation=provider, role=Role.GLOBAL_ADMIN)
    with time_machine.travel(START, tick=False):
        for _ in range(20):
            _relationship(f.CustomerFactory(provider=provider), provider, days=90)
    barrier = threading.Barrier(2)
    results = []

    def run():
        try:
            barrier.wait()
            with time_machine.travel(_at(60), tick=False):
                results.append(services.lifecycle_run())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 2
    assert sum(r["expiring"] for r in results) == 20
    assert AdminRelationshipNotice.objects.count() == 20
    assert OutboundEmail.objects.filter(kind="admin-relationship-ending").count() == 20
    assert ActivityEvent.objects.filter(verb="admin_relationship.expiring").count() == 20


@pytest.mark.django_db
def test_the_command_runs_the_job_for_cron(provider, roles):
    from io import StringIO

    from django.core.management import call_command

    with time_machine.travel(START, tick=False):
        relationship = _relationship(f.CustomerFactory(provider=provider), provider, days=10)
    out = StringIO()
    with time_machine.travel(_at(11), tick=False):
        call_command("run_admin_relationship_lifecycle", stdout=out)
    assert "expired: 1" in out.getvalue()
    relationship.refresh_from_db()
    assert relationship.status == Status.EXPIRED


def test_beat_runs_the_job_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["admin-relationship-lifecycle"]
    assert entry["task"] == "relationships.tasks.run_lifecycle"
    assert entry["schedule"] == timedelta(days=1)
