import pytest
from django.test import Client

from customers.models import Customer
from partners.models import Partnership
from portal.models import ActivityEvent
from portal.roles import Role
from subscriptions.models import SubscriptionChange

pytestmark = pytest.mark.django_db


def _post(client, url, subscription, quantity):
    return client.post(url, {"quantity": quantity, "version": subscription.version})


def test_it_changes_the_licence_count(provider_client, provider_admin, subscription, action_url):
    response = _post(provider_client, action_url("quantity"), subscription, 25)
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert (subscription.quantity, subscription.version) == (25, 2)
    change = SubscriptionChange.objects.get(field="quantity")
    assert (change.actor, change.before, change.after) == (provider_admin, "10", "25")
    assert ActivityEvent.objects.filter(verb="subscription.quantity_changed").count() == 1
    html = provider_client.get(response.url).content.decode()
    assert "Licence count changed." in html and provider_admin.display_name in html


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        (0, "Ensure this value is greater than or equal to 1."),
        (301, "Enter a licence count from 1 to 300."),
        ("ten", "Enter a whole number."),
        (10, "The subscription already has this licence count."),
    ],
)
def test_it_refuses_bad_counts(provider_client, subscription, action_url, quantity, message):
    response = _post(provider_client, action_url("quantity"), subscription, quantity)
    assert response.status_code == 400
    assert message in response.content.decode()
    subscription.refresh_from_db()
    assert (subscription.quantity, subscription.version) == (10, 1)
    assert not SubscriptionChange.objects.exists()


def test_it_refuses_a_stale_version(provider_client, subscription, action_url):
    response = provider_client.post(action_url("quantity"), {"quantity": 20, "version": 2})
    assert response.status_code == 409
    assert "This subscription was changed by someone else; reload" in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.quantity == 10


def test_an_associated_reseller_changes_licences(
    reseller_client, reseller_admin, provider, reseller, subscription, action_url
):
    # Removing the partnership leaves its delegated admin, and so this right.
    Partnership.objects.filter(provider=provider, reseller=reseller).update(status="removed")
    assert _post(reseller_client, action_url("quantity"), subscription, 11).status_code == 302
    subscription.refresh_from_db()
    assert subscription.quantity == 11
    assert SubscriptionChange.objects.get(field="quantity").actor == reseller_admin
    # Both the reseller's and the provider's activity logs show it.
    orgs = set(
        ActivityEvent.objects.filter(verb="subscription.quantity_changed").values_list(
            "organisation", flat=True
        )
    )
    assert orgs == {provider.pk, reseller.pk}


def test_a_reseller_no_longer_associated_gets_a_404(
    reseller_client, customer, reseller, subscription, action_url
):
    Customer.objects.filter(pk=customer.pk).update(reseller=None)
    assert _post(reseller_client, action_url("quantity"), subscription, 11).status_code == 404


def test_it_needs_the_right_the_tenant_a_post_and_csrf(
    role_client, outsider_client, provider_admin, subscription, action_url
):
    url = action_url("quantity")
    assert _post(role_client(Role.USER_ADMIN), url, subscription, 11).status_code == 403
    assert _post(outsider_client, url, subscription, 11).status_code == 404
    assert role_client(Role.SALES_AGENT).get(url).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(provider_admin)
    assert _post(strict, url, subscription, 11).status_code == 403
    subscription.refresh_from_db()
    assert subscription.quantity == 10
