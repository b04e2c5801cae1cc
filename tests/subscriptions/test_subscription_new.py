import uuid

import pytest
from django.urls import reverse

from partners.models import Partnership
from portal.models import ActivityEvent
from portal.roles import Role
from subscriptions.models import Order, Subscription, SubscriptionChange
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def new_url(customer):
    return reverse("subscriptions:subscription_new", args=[customer.uuid])


def _post(client, url, **data):
    payload = {"idempotency_key": str(uuid.uuid4()), "quantity": 5, **data}
    return client.post(url, payload)


def test_it_shows_the_form_with_active_offers_and_the_customers_reseller(
    provider_client, new_url, offer, reseller
):
    f.OfferFactory(name="Retired Offer", is_active=False)
    html = provider_client.get(new_url).content.decode()
    assert "New subscription" in html
    assert offer.name in html and "Retired Offer" not in html
    assert f'value="{reseller.uuid}" selected' in html
    assert 'name="idempotency_key"' in html and "csrfmiddlewaretoken" in html


def test_it_places_an_order_and_redirects_to_the_customer(
    provider_client, provider_admin, new_url, customer, offer, reseller
):
    response = _post(
        provider_client, new_url, offer=offer.uuid, quantity=12, reseller=reseller.uuid
    )
    assert response.status_code == 302
    assert response.url == reverse("customers:customer_detail", args=[customer.uuid])
    subscription = Subscription.objects.get(customer=customer)
    assert (subscription.quantity, subscription.status) == (12, "active")
    assert subscription.reseller_location == reseller.locations.get()
    assert subscription.support_contact == reseller
    assert SubscriptionChange.objects.get(subscription=subscription).actor == provider_admin
    verbs = set(ActivityEvent.objects.values_list("verb", flat=True))
    assert {"order.submitted", "subscription.created"} <= verbs
    page = provider_client.get(response.url).content.decode()
    assert "Subscription to Microsoft 365 Business Basic added for Alpine Ski House." in page


def test_a_double_submit_creates_one_subscription(provider_client, new_url, offer):
    key = str(uuid.uuid4())
    for _ in range(2):
        response = _post(provider_client, new_url, offer=offer.uuid, idempotency_key=key)
        assert response.status_code == 302
    assert Order.objects.count() == 1
    assert Subscription.objects.count() == 1


@pytest.mark.parametrize(
    ("quantity", "message"),
    [(0, "Enter at least one licence."), (301, "Between 1 and 300 licences for")],
)
def test_it_refuses_a_licence_count_out_of_bounds(
    provider_client, new_url, offer, quantity, message
):
    response = _post(provider_client, new_url, offer=offer.uuid, quantity=quantity)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Subscription.objects.exists()


def test_it_refuses_an_inactive_offer_and_bad_input(provider_client, new_url):
    retired = f.OfferFactory(is_active=False)
    response = _post(provider_client, new_url, offer=retired.uuid, quantity="many")
    html = response.content.decode()
    assert response.status_code == 400
    assert "Choose one of the offers listed." in html
    assert "Enter the number of licences as a whole number." in html
    assert not Order.objects.exists()


def _pending_reseller(provider):
    pending = f.ResellerFactory(legal_name="Pending Reseller")
    f.PartnershipRequestFactory(provider=provider, email=pending.contact_email)
    return pending


def _removed_reseller(provider):
    removed = f.ResellerFactory(legal_name="Removed Reseller")
    f.PartnershipFactory(provider=provider, reseller=removed, status=Partnership.Status.REMOVED)
    return removed


def _foreign_reseller(provider):
    foreign = f.ResellerFactory(legal_name="Foreign Reseller")
    f.PartnershipFactory(reseller=foreign)
    return foreign


@pytest.mark.parametrize("make_reseller", [_pending_reseller, _removed_reseller, _foreign_reseller])
def test_it_refuses_a_reseller_that_is_not_an_active_partner(
    provider_client, provider, new_url, offer, make_reseller
):
    other = make_reseller(provider)
    html = provider_client.get(new_url).content.decode()
    assert other.legal_name not in html
    response = _post(provider_client, new_url, offer=offer.uuid, reseller=other.uuid)
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Subscription.objects.exists()


def test_it_needs_the_right_to_manage_subscriptions(role_client, new_url):
    assert role_client(Role.USER_ADMIN).get(new_url).status_code == 403
    assert role_client(Role.SALES_AGENT).get(new_url).status_code == 200


def test_a_foreign_customer_is_a_404(outsider_client, reseller_client, new_url):
    assert outsider_client.get(new_url).status_code == 404
    # Ordering is the provider's: a reseller has no such page.
    assert reseller_client.get(new_url).status_code == 404


def test_it_checks_the_csrf_token(provider_admin, new_url, offer):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(provider_admin)
    response = _post(client, new_url, offer=offer.uuid)
    assert response.status_code == 403
    assert not Order.objects.exists()


def test_it_speaks_japanese(provider_client, new_url):
    provider_client.post(reverse("set_language"), {"language": "ja", "next": "/"})
    html = provider_client.get(new_url).content.decode()
    assert "新しいサブスクリプション" in html and "送信" in html
