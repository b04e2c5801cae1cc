"""Reminders 30 and 7 days before a renewal: to the provider's and the reseller's Global
admins, each once, in the recipient's language, saying what will happen."""

import datetime as dt

import pytest
import time_machine
from django.core import mail

from portal.roles import Role
from subscriptions import services
from subscriptions.models import RenewalReminder
from subscriptions.terms import reminder_due, term_end_for
from tests import factories as f

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 1, 10, 9, tzinfo=dt.UTC)
END = term_end_for(START, "P1Y")  # 10 Jan 2027 00:00 UTC
DAY = dt.timedelta(days=1)


REMINDER_TABLE = [
    # (term start, now, reminder due)
    (START, END - 31 * DAY, None),
    (START, END - 30 * DAY, 30),
    (START, END - 8 * DAY, 30),
    (START, END - 7 * DAY, 7),
    (START, END - dt.timedelta(seconds=1), 7),
    (START, END, None),
    # A month's term: no 30-day reminder, it would come with the purchase.
    (END - 31 * DAY, END - 29 * DAY, None),
    (END - 31 * DAY, END - 6 * DAY, 7),
]


@pytest.mark.parametrize(("start", "now", "due"), REMINDER_TABLE)
def test_which_reminder_is_due(start, now, due):
    assert reminder_due(term_start=start, term_end=END, now=now) == due


@pytest.fixture
def subscription(provider, reseller, member_factory):
    member_factory(provider, Role.GLOBAL_ADMIN, email="boss@contoso.example")
    member_factory(provider, Role.SALES_AGENT, email="sales@contoso.example")
    japanese = member_factory(reseller, Role.GLOBAL_ADMIN, email="admin@fabrikam.example")
    japanese.language = "ja"
    japanese.save()
    customer = f.CustomerFactory(provider=provider, reseller=reseller, company_name="Alpine")
    offer = f.OfferFactory(name="Microsoft 365 E3")
    return f.SubscriptionFactory(
        customer=customer, offer=offer, term="P1Y", term_start=START, term_end=END, quantity=8
    )


def _run(now):
    with time_machine.travel(now, tick=False):
        return services.renewal_reminders_send_due()


def test_each_reminder_goes_once_to_both_sides_in_their_language(
    subscription, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert _run(END - 31 * DAY) == 0
        assert _run(END - 30 * DAY + dt.timedelta(hours=1)) == 1
        assert _run(END - 30 * DAY + dt.timedelta(hours=2)) == 0  # the next hourly run
        assert _run(END - 7 * DAY + dt.timedelta(hours=1)) == 1
        assert _run(END - 7 * DAY + dt.timedelta(hours=2)) == 0
    assert sorted(m.to[0] for m in mail.outbox) == [
        "admin@fabrikam.example",
        "admin@fabrikam.example",
        "boss@contoso.example",
        "boss@contoso.example",
    ]
    english = next(m for m in mail.outbox if m.to[0] == "boss@contoso.example")
    assert english.subject == "Microsoft 365 E3 for Alpine: 30 days to the renewal"
    assert "Renews on 9\xa0Jan\xa02027" in english.body
    assert "It renews as it is" in english.body
    assert f"/subscriptions/{subscription.uuid}/" in english.body
    japanese = next(m for m in mail.outbox if m.to[0] == "admin@fabrikam.example")
    assert "更新まであと 30 日" in japanese.subject
    assert "2027/01/09 に更新" in japanese.body
    assert RenewalReminder.objects.filter(subscription=subscription).count() == 2
    assert (
        subscription.provider.activity_events.filter(
            verb="subscription.renewal_reminder_sent"
        ).count()
        == 2
    )


def test_the_reminder_says_what_changes_or_that_it_ends(
    subscription, provider, django_capture_on_commit_callbacks
):
    actor = provider.memberships.get(role=Role.GLOBAL_ADMIN).user
    f.OfferTermFactory(offer=subscription.offer, term="P1Y", billing_frequency="annual")
    f.OfferTermFactory(offer=subscription.offer, term="P3Y", billing_frequency="triennial")
    with time_machine.travel(START + DAY, tick=False):
        services.scheduled_change_save(
            subscription=subscription,
            change=services.ChangeRequest(
                quantity=12, offer=subscription.offer, term_pair="P3Y/triennial"
            ),
            version=subscription.version,
            org=provider,
            actor=actor,
        )
    with django_capture_on_commit_callbacks(execute=True):
        _run(END - 20 * DAY)
    body = next(m for m in mail.outbox if m.to[0] == "boss@contoso.example").body
    assert "Renews with changes on 9\xa0Jan\xa02027" in body
    assert "Microsoft 365 E3 × 12, 3 years, billed Triennial" in body

    subscription.refresh_from_db()
    services.subscription_set_auto_renew(
        subscription=subscription,
        auto_renew=False,
        version=subscription.version,
        org=provider,
        actor=actor,
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _run(END - 3 * DAY)
    body = next(m for m in mail.outbox if m.to[0] == "boss@contoso.example").body
    assert "Ends on 9\xa0Jan\xa02027" in body
    assert "Auto-renew is off" in body


def test_no_reminder_for_an_ended_subscription(subscription):
    subscription.status = "cancelled"
    subscription.save()
    assert _run(END - 7 * DAY) == 0
    assert not RenewalReminder.objects.exists()


def test_beat_runs_the_renewal_job_hourly_and_it_renews_then_reminds(subscription):
    from django.conf import settings

    from subscriptions.tasks import renew_subscriptions

    entry = settings.CELERY_BEAT_SCHEDULE["renew-subscriptions"]
    assert entry["task"] == "subscriptions.tasks.renew_subscriptions"
    assert entry["schedule"] == dt.timedelta(hours=1)
    with time_machine.travel(END + dt.timedelta(minutes=30), tick=False):
        assert renew_subscriptions() == {"renewed": 1, "expired": 0, "reminders": 0}
        assert renew_subscriptions() == {"renewed": 0, "expired": 0, "reminders": 0}
    subscription.refresh_from_db()
    assert subscription.term_start == END
