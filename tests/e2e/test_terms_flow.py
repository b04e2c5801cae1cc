"""Commerce terms in the browser, in English and Japanese: add licences, reduce them inside
their window, be refused after it (with the closing time), schedule a change, and see the
subscription renewed with it after the reminders, as time moves on.

The live server runs in this process, so time-machine moves its clock too; the reminder
and renewal jobs run here at the instants they would run at.
"""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.utils import translation

from portal.roles import Role
from subscriptions import services
from subscriptions.models import SeatAddition, Subscription
from tests import factories as f
from tests.e2e._language import switch_language
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)

TEXT = {
    "en": {
        "change": "Change licences",
        "schedule": "Schedule the change",
        "refused": "the cancellation window closed on",
        "renews_with_changes": "Renews with changes on",
        "reminder_30": "30 days to the renewal",
        "reminder_7": "7 days to the renewal",
        "annual": "Annual",
        "renewed": "Renewed",
    },
    "ja": {
        "change": "ライセンス数の変更",
        "schedule": "変更を予約する",
        "refused": "キャンセル可能期間は",
        "renews_with_changes": "に変更を適用して更新",
        "reminder_30": "更新まであと 30 日",
        "reminder_7": "更新まであと 7 日",
        "annual": "年",
        "renewed": "更新",
    },
}


@pytest.fixture
def world(live_server):
    provider = f.ProviderFactory(legal_name="Contoso Distribution")
    reseller = f.ResellerFactory(legal_name="Fabrikam Solutions")
    f.PartnershipFactory(provider=provider, reseller=reseller)
    admin = f.MembershipFactory(
        organisation=provider, role=Role.GLOBAL_ADMIN, user__email="admin@contoso.example"
    ).user
    reseller_admin = f.MembershipFactory(
        organisation=reseller, role=Role.GLOBAL_ADMIN, user__email="admin@fabrikam.example"
    ).user
    customer = f.CustomerFactory(provider=provider, reseller=reseller, company_name="Coho Winery")
    offer = f.OfferFactory(name="Microsoft 365 E3")
    f.OfferTermFactory(offer=offer, term="P1Y", billing_frequency="monthly", position=0)
    f.OfferTermFactory(offer=offer, term="P1Y", billing_frequency="annual", position=1)
    return admin, reseller_admin, customer, offer


def _licences(page, count, text):
    page.locator("#quantity-quantity").fill(str(count))
    page.get_by_role("button", name=text["change"]).click()
    page.wait_for_load_state()


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_windows_scheduled_change_reminders_and_renewal(page, shot, world, lang):
    text = TEXT[lang]
    admin, reseller_admin, customer, offer = world
    for user in (admin, reseller_admin):
        user.language = lang
        user.save()
    start = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with time_machine.travel(start, tick=True) as traveller:
        subscription = f.SubscriptionFactory(
            customer=customer,
            offer=offer,
            quantity=10,
            term="P1Y",
            billing_frequency="monthly",
            support_contact=customer.reseller,
        )
        url = f"/subscriptions/{subscription.uuid}/"
        sign_in(page, "admin@contoso.example", f.PASSWORD)
        switch_language(page, lang)
        page.goto(url)

        # Add seats: a window opens for them.
        _licences(page, 15, text)
        assert page.inner_text("#subscription-quantity") == "15"
        assert page.locator("#open-windows tbody tr").count() == 2
        # Reduce within the window.
        _licences(page, 12, text)
        assert page.inner_text("#subscription-quantity") == "12"
        shot(page, f"terms-windows-{lang}")

        # Eight days on, every window has closed: a decrease is refused with the time.
        traveller.move_to(start + 8 * DAY)
        page.goto(url)
        page.expect_refusal_from(f"{url}licences/")
        _licences(page, 10, text)
        assert page.inner_text("#subscription-quantity") == "12"
        closed = SeatAddition.objects.filter(subscription=subscription).latest("window_closes_at")
        with translation.override(lang):
            when = services.when(closed.window_closes_at)
        message = page.inner_text(".messages")
        assert text["refused"] in message and when in message, message
        shot(page, f"terms-refused-{lang}")

        # Schedule the change for the renewal instead.
        renewal = page.locator("#renewal")
        renewal.locator("input[name=quantity]").fill("20")
        renewal.locator("select[name=term]").select_option("P1Y/annual")
        renewal.get_by_role("button", name=text["schedule"]).click()
        page.wait_for_load_state()
        assert text["renews_with_changes"] in page.inner_text("#renewal-label")

        # Time passes: the hourly job sends the reminders and then renews.
        subscription.refresh_from_db()
        term_end = subscription.term_end
        for before in (30 * DAY, 7 * DAY):
            services.renewal_reminders_send_due(now=term_end - before + HOUR)
        traveller.move_to(term_end + HOUR)
        run = services.subscriptions_renew_due()
        assert run.renewed == 1

        subjects = sorted((m.to[0], m.subject) for m in mail.outbox)
        assert [to for to, _subject in subjects] == [
            "admin@contoso.example",
            "admin@contoso.example",
            "admin@fabrikam.example",
            "admin@fabrikam.example",
        ]
        assert sum(text["reminder_30"] in s for _to, s in subjects) == 2
        assert sum(text["reminder_7"] in s for _to, s in subjects) == 2

        # A year on the session has ended: sign in again and see the renewal.
        page.context.clear_cookies()
        sign_in(page, "admin@contoso.example", f.PASSWORD)
        switch_language(page, lang)
        page.goto(url)
        assert page.inner_text("#subscription-quantity") == "20"
        assert text["annual"] in page.inner_text("#subscription-billing-frequency")
        assert text["renewed"] in page.inner_text("main")
        shot(page, f"terms-renewed-{lang}")
    subscription.refresh_from_db()
    assert (subscription.quantity, subscription.billing_frequency) == (20, "annual")
    assert subscription.term_start == term_end
    assert Subscription.objects.count() == 1
