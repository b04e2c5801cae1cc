import pytest

from customers.models import Customer
from portal.models import ActivityEvent
from portal.roles import Role
from subscriptions.models import SubscriptionChange
from tests import factories as f

pytestmark = pytest.mark.django_db


def _post(client, url, subscription, contact):
    return client.post(url, {"support_contact": contact.uuid, "version": subscription.version})


def test_it_names_the_associated_reseller_and_keeps_the_history(
    provider_client, provider_admin, subscription, action_url, reseller
):
    response = _post(provider_client, action_url("support_contact"), subscription, reseller)
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.support_contact == reseller
    change = SubscriptionChange.objects.get(field="support_contact")
    assert change.actor == provider_admin
    assert change.before.startswith("Contoso Test Distribution")
    assert change.after.startswith("Fabrikam Test Solutions")
    assert ActivityEvent.objects.filter(verb="subscription.support_contact_changed").exists()


def test_it_refuses_anyone_but_the_provider_or_the_associated_reseller(
    provider_client, provider, subscription, action_url
):
    partner = f.ResellerFactory()
    f.PartnershipFactory(provider=provider, reseller=partner)
    response = _post(provider_client, action_url("support_contact"), subscription, partner)
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.support_contact == provider


def test_it_refuses_a_stale_version(provider_client, subscription, action_url, reseller):
    response = provider_client.post(
        action_url("support_contact"), {"support_contact": reseller.uuid, "version": 5}
    )
    assert response.status_code == 409
    assert "This subscription was changed by someone else; reload" in response.content.decode()
    assert not SubscriptionChange.objects.exists()


def test_a_reseller_cannot_change_it(reseller_client, subscription, action_url, reseller):
    assert (
        _post(reseller_client, action_url("support_contact"), subscription, reseller).status_code
        == 404
    )
    subscription.refresh_from_db()
    assert subscription.support_contact != reseller


def test_it_needs_the_right_the_tenant_and_a_post(
    role_client, outsider_client, reseller_client, customer, subscription, action_url, reseller
):
    url = action_url("support_contact")
    assert _post(role_client(Role.USER_ADMIN), url, subscription, reseller).status_code == 403
    assert _post(outsider_client, url, subscription, reseller).status_code == 404
    assert role_client(Role.ADMIN_AGENT).get(url).status_code == 405
    Customer.objects.filter(pk=customer.pk).update(reseller=None)
    assert _post(reseller_client, url, subscription, reseller).status_code == 404
