"""The terms on the screens: details, auto-renew, scheduled change, licence changes,
the Subscriptions list's renewal column and filters, the Customers' expanded row."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.roles import Role
from subscriptions.models import ScheduledChange, Subscription
from subscriptions.terms import term_end_for
from tests import factories as f

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
LIST_URL = reverse("subscriptions:subscription_list")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(START + dt.timedelta(hours=30), tick=False) as traveller:
        yield traveller


@pytest.fixture
def subscription(customer, offer):
    f.OfferTermFactory(offer=offer, term="P1Y", billing_frequency="monthly", position=0)
    f.OfferTermFactory(offer=offer, term="P1Y", billing_frequency="annual", position=1)
    return f.SubscriptionFactory(
        customer=customer,
        offer=offer,
        quantity=10,
        term="P1Y",
        billing_frequency="monthly",
        term_start=START,
        term_end=term_end_for(START, "P1Y"),
    )


def _post(client, url, **data):
    return client.post(url, data, follow=True)


def test_the_details_show_the_term_windows_and_renewal_label(provider_client, detail_url):
    html = provider_client.get(detail_url).content.decode()
    assert "Renews on 1\xa0Mar\xa02027" in html
    assert "1 year" in html and "Monthly" in html
    assert "2\xa0Mar\xa02026 – 1\xa0Mar\xa02027" in html
    assert 'id="open-windows"' in html
    assert "9\xa0Mar\xa02026,\xa009:00 UTC" in html  # the purchase window closes
    assert "Up to 10 licences can be removed now" in html
    assert "Licences added now can be removed again until 10\xa0Mar\xa02026,\xa015:00 UTC" in html


def test_the_details_speak_japanese(provider_client, detail_url):
    provider_client.cookies["django_language"] = "ja"
    html = provider_client.get(detail_url, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "2027/03/01 に更新" in html
    assert "キャンセル可能期間" in html


def test_auto_renew_off_makes_it_end(provider_client, detail_url, action_url, subscription):
    response = _post(provider_client, action_url("auto_renew"), version=1)
    html = response.content.decode()
    assert "Auto-renew turned off" in html and "Ends on 1\xa0Mar\xa02027" in html
    subscription.refresh_from_db()
    assert subscription.auto_renew is False
    response = _post(provider_client, action_url("auto_renew"), version=2, auto_renew="on")
    assert "Renews on 1\xa0Mar\xa02027" in response.content.decode()
    assert (
        subscription.provider.activity_events.filter(verb="subscription.auto_renew_changed").count()
        == 2
    )


def test_a_change_is_scheduled_edited_and_cancelled(
    provider_client, action_url, subscription, offer
):
    url = action_url("scheduled_change")
    html = _post(
        provider_client, url, version=1, offer=offer.uuid, quantity=15, term="P1Y/annual"
    ).content.decode()
    assert "Change scheduled for the renewal." in html
    assert "Renews with changes on 1\xa0Mar\xa02027" in html
    change = ScheduledChange.objects.get(subscription=subscription, status="pending")
    assert (change.quantity, change.term, change.billing_frequency) == (15, "P1Y", "annual")
    # Editing keeps one pending change.
    _post(provider_client, url, version=2, offer=offer.uuid, quantity=20, term="P1Y/annual")
    assert ScheduledChange.objects.get(subscription=subscription, status="pending").quantity == 20
    html = _post(provider_client, action_url("scheduled_change_cancel"), version=3).content.decode()
    assert "Scheduled change cancelled" in html and "Renews on 1\xa0Mar\xa02027" in html
    assert not ScheduledChange.objects.filter(status="pending").exists()


def test_a_pair_the_offer_is_not_sold_in_is_refused(provider_client, action_url, offer):
    html = _post(
        provider_client,
        action_url("scheduled_change"),
        version=1,
        offer=offer.uuid,
        quantity=15,
        term="P3Y/triennial",
    ).content.decode()
    assert "is not sold with this term and billing frequency" in html
    assert not ScheduledChange.objects.exists()


def test_an_offer_off_the_upgrade_path_is_refused(provider_client, action_url):
    other = f.OfferFactory(name="Unrelated offer")
    response = provider_client.post(
        action_url("scheduled_change"), {"version": 1, "offer": other.uuid, "quantity": 5}
    )
    assert response.status_code == 400
    assert not ScheduledChange.objects.exists()


def test_a_licence_change_warns_and_needs_confirming_to_discard_the_scheduled_change(
    provider_client, action_url, detail_url, subscription, offer
):
    _post(
        provider_client,
        action_url("scheduled_change"),
        version=1,
        offer=offer.uuid,
        quantity=15,
        term="P1Y/annual",
    )
    html = provider_client.get(detail_url).content.decode()
    assert "changing the licence count now discards it" in html
    assert "Yes, discard the change scheduled for the renewal" in html
    html = _post(provider_client, action_url("quantity"), version=2, quantity=12).content.decode()
    assert "Confirm to go ahead" in html
    subscription.refresh_from_db()
    assert subscription.quantity == 10
    _post(provider_client, action_url("quantity"), version=2, quantity=12, confirm_discard="on")
    subscription.refresh_from_db()
    assert subscription.quantity == 12
    assert ScheduledChange.objects.get().status == "discarded"


def test_a_decrease_after_the_window_is_refused_with_its_closing_time(
    provider_client, action_url, subscription, frozen
):
    frozen.move_to(START + dt.timedelta(hours=200))
    html = _post(provider_client, action_url("quantity"), version=1, quantity=5).content.decode()
    assert "the cancellation window closed on 9\xa0Mar\xa02026,\xa009:00 UTC" in html
    assert "Schedule the new licence count for the renewal instead" in html
    subscription.refresh_from_db()
    assert subscription.quantity == 10


def test_a_reseller_changes_licences_only(
    reseller_client, action_url, detail_url, subscription, offer
):
    html = reseller_client.get(detail_url).content.decode()
    assert "Renews on 1\xa0Mar\xa02027" in html and "Change licences" in html
    assert "Schedule a change for the renewal" not in html
    assert "Turn auto-renew off" not in html
    assert reseller_client.post(action_url("auto_renew"), {"version": 1}).status_code == 404
    response = reseller_client.post(
        action_url("scheduled_change"), {"version": 1, "offer": offer.uuid, "quantity": 20}
    )
    assert response.status_code == 404
    assert (
        reseller_client.post(action_url("quantity"), {"version": 1, "quantity": 8}).status_code
        == 302
    )


@pytest.mark.parametrize(("role", "status"), [(Role.SALES_AGENT, 302), (Role.USER_ADMIN, 403)])
def test_the_permission_matrix_holds(role_client, action_url, role, status):
    assert role_client(role).post(action_url("auto_renew"), {"version": 1}).status_code == status


def test_an_expired_subscription_shows_no_renewal_and_takes_no_change(
    provider_client, detail_url, action_url, subscription
):
    Subscription.objects.filter(pk=subscription.pk).update(status="expired")
    html = provider_client.get(detail_url).content.decode()
    assert "Renews on" not in html and "Expired" in html
    assert "Turn auto-renew off" not in html and "Change licences" not in html
    html = _post(provider_client, action_url("quantity"), version=1, quantity=12).content.decode()
    assert "An expired subscription cannot be changed." in html
    subscription.refresh_from_db()
    assert subscription.quantity == 10


# --- the lists ------------------------------------------------------------------------------


def _many(provider, count, **kwargs):
    customer = f.CustomerFactory(provider=provider)
    return f.SubscriptionFactory.create_batch(
        count, customer=customer, term_start=START, term_end=term_end_for(START, "P1M"), **kwargs
    )


def test_the_list_shows_the_renewal_column_and_filters(provider_client, provider, frozen):
    renews = _many(provider, 1, offer__name="Renews soon")[0]
    later = f.SubscriptionFactory(
        customer=renews.customer,
        offer__name="Renews next year",
        term="P1Y",
        term_start=START - dt.timedelta(days=30),
        term_end=term_end_for(START - dt.timedelta(days=30), "P1Y"),
        purchase_window=False,
    )
    _many(provider, 1, offer__name="Ends soon", auto_renew=False)
    ScheduledChange.objects.create(
        subscription=renews, quantity=3, offer=renews.offer, term="P1M", billing_frequency="monthly"
    )
    html = provider_client.get(LIST_URL).content.decode()
    assert "Renews with changes on 1\xa0Apr\xa02026" in html
    assert "Ends on 1\xa0Apr\xa02026" in html and "Renews on 1\xa0Feb\xa02027" not in html
    assert "Renews on" in html

    def names(renewal):
        page = provider_client.get(LIST_URL, {"renewal": renewal}).content.decode()
        return {n for n in ("Renews soon", "Renews next year", "Ends soon") if n in page}

    assert names("renews_30") == {"Renews soon"}
    assert names("auto_renew_off") == {"Ends soon"}
    assert names("window_open") == {"Renews soon", "Ends soon"}
    frozen.move_to(START + dt.timedelta(days=8))
    assert names("window_open") == set()
    assert later.term_end > START


@pytest.mark.parametrize("renewal", ["", "renews_30", "auto_renew_off", "window_open"])
def test_the_list_runs_the_same_queries_for_5_and_60_rows(
    provider_client, provider, renewal, django_assert_max_num_queries
):
    auto_renew = renewal != "auto_renew_off"
    _many(provider, 5, auto_renew=auto_renew)
    with CaptureQueriesContext(connection) as small:
        assert provider_client.get(LIST_URL, {"renewal": renewal}).status_code == 200
    for sub in _many(provider, 55, auto_renew=auto_renew):
        ScheduledChange.objects.create(
            subscription=sub, quantity=3, offer=sub.offer, term="P1M", billing_frequency="monthly"
        )
    with django_assert_max_num_queries(len(small)):
        html = provider_client.get(LIST_URL, {"renewal": renewal}).content.decode()
    assert "Page 1 of 3" in html


def test_the_customers_expanded_row_shows_the_renewal_in_constant_queries(
    provider, provider_client, django_assert_max_num_queries
):
    customer = f.CustomerFactory(provider=provider)
    url = reverse("customers:customer_row", args=[customer.uuid])
    f.SubscriptionFactory(customer=customer, term_start=START, term_end=term_end_for(START, "P1M"))
    with CaptureQueriesContext(connection) as small:
        html = provider_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "Renews on 1\xa0Apr\xa02026" in html
    for sub in f.SubscriptionFactory.create_batch(20, customer=customer, auto_renew=False):
        ScheduledChange.objects.create(
            subscription=sub, quantity=3, offer=sub.offer, term="P1M", billing_frequency="monthly"
        )
    with django_assert_max_num_queries(len(small)):
        html = provider_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "Ends on" in html


def test_the_cancel_confirmation_says_until_when(provider_client, action_url):
    html = provider_client.get(action_url("cancel")).content.decode()
    assert "this one until 9\xa0Mar\xa02026,\xa009:00 UTC" in html


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_rows_renewal_labels_read_as_the_details_date_filter_writes_them(language):
    from django.utils import formats, translation

    from subscriptions import selectors, terms

    with translation.override(language):
        label = selectors.renewal_labeller()
        for days in range(0, 400, 7):
            term_end = START + dt.timedelta(days=days, hours=days % 24)
            date = formats.date_format(terms.term_last_date(term_end), "DATE_FORMAT")
            cases = {
                (True, False): translation.gettext("Renews on %(date)s"),
                (True, True): translation.gettext("Renews with changes on %(date)s"),
                (False, False): translation.gettext("Ends on %(date)s"),
            }
            for (auto_renew, has_change), text in cases.items():
                written = label(
                    status="active", auto_renew=auto_renew, term_end=term_end, has_change=has_change
                )
                assert written == text % {"date": date}
        assert label(status="cancelled", auto_renew=True, term_end=START, has_change=False) == ""
