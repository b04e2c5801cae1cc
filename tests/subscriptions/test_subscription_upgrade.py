"""Upgrade a subscription to an offer its offer upgrades to; "Buy more licences" from Customers."""

import pytest
from django.test import Client
from django.urls import reverse

from portal.models import ActivityEvent
from portal.roles import Role
from subscriptions.models import Subscription, SubscriptionChange
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def standard(offer):
    target = f.OfferFactory(name="Microsoft 365 Business Standard", min_licences=1, max_licences=50)
    offer.upgrades_to.add(target)
    return target


@pytest.fixture
def credited(subscription, reseller, reseller_location):
    subscription.reseller_location = reseller_location
    subscription.support_contact = reseller
    subscription.save()
    return subscription


def _post(client, url, subscription, offer, quantity, version=None):
    return client.post(
        url,
        {
            "offer": str(offer.uuid),
            "quantity": quantity,
            "version": version or subscription.version,
        },
    )


def test_it_replaces_the_subscription_by_the_upgraded_one(
    provider_client, provider_admin, credited, standard, action_url, detail_url
):
    html = provider_client.get(detail_url).content.decode()
    assert "Upgrade" in html and "Microsoft 365 Business Standard (1–50 licences)" in html

    response = _post(provider_client, action_url("upgrade"), credited, standard, 12)
    old = Subscription.objects.get(pk=credited.pk)
    new = old.upgraded_to
    assert response.status_code == 302 and response.url.endswith(f"/{new.uuid}/")
    assert (old.status, old.version) == (Subscription.Status.UPGRADED, 2)
    assert (new.offer, new.quantity, new.status) == (standard, 12, Subscription.Status.ACTIVE)
    assert new.reseller_location == credited.reseller_location
    assert new.support_contact == credited.support_contact
    assert new.upgraded_from == old
    label = "Microsoft 365 Business Basic × 10"
    assert SubscriptionChange.objects.get(subscription=new, field="upgraded_from").before == label
    assert SubscriptionChange.objects.get(subscription=old, field="upgraded_to").after == (
        "Microsoft 365 Business Standard × 12"
    )
    assert ActivityEvent.objects.filter(verb="subscription.upgraded").count() == 1

    html = provider_client.get(response.url).content.decode()
    assert "Upgraded to Microsoft 365 Business Standard with 12 licences." in html
    assert "Upgraded from" in html and f"/subscriptions/{old.uuid}/" in html
    html = provider_client.get(detail_url).content.decode()
    assert "This subscription was upgraded and cannot be changed" in html
    assert f"/subscriptions/{new.uuid}/" in html and "Change licences" not in html


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        (9, "Enter at least the current licence count (10)."),
        (51, "Between 10 and 50 licences for Microsoft 365 Business Standard."),
        ("", "This field is required."),
    ],
)
def test_it_refuses_bad_counts(
    provider_client, subscription, standard, action_url, quantity, message
):
    standard.min_licences = 10
    standard.save()
    response = _post(provider_client, action_url("upgrade"), subscription, standard, quantity)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Subscription.objects.count() == 1
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.ACTIVE


def test_it_refuses_an_offer_that_is_no_upgrade(provider_client, subscription, action_url):
    other = f.OfferFactory(name="Power BI Pro")
    response = _post(provider_client, action_url("upgrade"), subscription, other, 10)
    assert response.status_code == 400
    assert "Choose one of the offers listed." in response.content.decode()
    assert Subscription.objects.count() == 1


def test_it_refuses_a_stale_version_and_a_closed_subscription(
    provider_client, subscription, standard, action_url
):
    response = _post(provider_client, action_url("upgrade"), subscription, standard, 10, 5)
    assert response.status_code == 409
    subscription.status = Subscription.Status.SUSPENDED
    subscription.save()
    response = _post(provider_client, action_url("upgrade"), subscription, standard, 10)
    assert response.status_code == 400
    assert "Only an active subscription can be upgraded." in response.content.decode()
    assert Subscription.objects.count() == 1


def test_an_upgraded_subscription_refuses_every_change(
    provider_client, subscription, standard, action_url
):
    _post(provider_client, action_url("upgrade"), subscription, standard, 10)
    subscription.refresh_from_db()
    response = provider_client.post(
        action_url("quantity"), {"quantity": 20, "version": subscription.version}
    )
    assert "An upgraded subscription cannot be changed." in response.content.decode()
    response = _post(provider_client, action_url("upgrade"), subscription, standard, 10)
    assert Subscription.objects.count() == 2


def test_no_upgrade_section_without_targets(provider_client, detail_url):
    html = provider_client.get(detail_url).content.decode()
    assert 'id="upgrade"' not in html


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.GLOBAL_ADMIN, 302),
        (Role.ADMIN_AGENT, 302),
        (Role.SALES_AGENT, 302),
        (Role.USER_ADMIN, 403),
    ],
)
def test_each_role(role_client, subscription, standard, action_url, role, status):
    response = _post(role_client(role), action_url("upgrade"), subscription, standard, 10)
    assert response.status_code == status


def test_the_reseller_cannot_upgrade(reseller_client, subscription, standard, action_url):
    response = _post(reseller_client, action_url("upgrade"), subscription, standard, 10)
    assert response.status_code == 404
    assert Subscription.objects.count() == 1


def test_a_foreign_subscription_is_a_404(outsider_client, subscription, standard, action_url):
    response = _post(outsider_client, action_url("upgrade"), subscription, standard, 10)
    assert response.status_code == 404


def test_it_answers_post_only_with_a_csrf_token(provider_admin, subscription, standard, action_url):
    client = Client(enforce_csrf_checks=True)
    client.force_login(provider_admin)
    assert client.get(action_url("upgrade")).status_code == 405
    assert _post(client, action_url("upgrade"), subscription, standard, 10).status_code == 403


def test_it_speaks_japanese(provider_client, subscription, standard, detail_url):
    provider_client.post(reverse("set_language"), {"language": "ja"})
    html = provider_client.get(detail_url).content.decode()
    assert "アップグレード" in html


def test_buy_more_licences_is_one_click_from_the_customers_row(
    provider_client, reseller_client, role_client, customer, subscription
):
    url = reverse("customers:customer_row", args=[customer.uuid])
    target = f'href="/subscriptions/{subscription.uuid}/#licences"'
    for client in (provider_client, reseller_client):
        html = client.get(url, headers={"HX-Request": "true"}).content.decode()
        assert "Buy more licences" in html and target in html
    html = role_client(Role.USER_ADMIN).get(url, headers={"HX-Request": "true"}).content.decode()
    assert "Buy more licences" not in html
    page = provider_client.get(f"/subscriptions/{subscription.uuid}/").content.decode()
    assert 'id="licences"' in page


def test_the_row_queries_stay_constant(
    provider_client, customer, offer, django_assert_max_num_queries
):
    url = reverse("customers:customer_row", args=[customer.uuid])
    for size in (2, 30):
        f.SubscriptionFactory.create_batch(size, customer=customer, offer=offer)
        with django_assert_max_num_queries(5):
            provider_client.get(url, headers={"HX-Request": "true"})
