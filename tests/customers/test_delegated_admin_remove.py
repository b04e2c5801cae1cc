from django.test import Client
from django.urls import reverse

from customers.models import DelegatedAdmin
from portal.models import ActivityEvent
from portal.roles import Role
from subscriptions.models import SubscriptionChange
from tests import factories as f


def _url(customer, organisation):
    return reverse("customers:delegated_admin_remove", args=[customer.uuid, organisation.uuid])


def _world(provider, reseller):
    former = f.ResellerFactory(legal_name="Former Reseller")
    customer = f.CustomerFactory(provider=provider, reseller=reseller)
    f.DelegatedAdminFactory(customer=customer, organisation=former)
    return customer, former


def test_it_removes_a_former_resellers_delegated_admin(provider, provider_client, reseller):
    customer, former = _world(provider, reseller)
    supported = f.SubscriptionFactory(customer=customer, support_contact=former)

    response = provider_client.post(_url(customer, former), follow=True)
    assert "Former Reseller no longer holds delegated admin" in response.content.decode()
    assert not DelegatedAdmin.objects.filter(customer=customer, organisation=former).exists()
    assert DelegatedAdmin.objects.filter(customer=customer).count() == 2
    supported.refresh_from_db()
    assert supported.support_contact == provider
    assert SubscriptionChange.objects.filter(
        subscription=supported, field="support_contact"
    ).exists()
    assert ActivityEvent.objects.filter(verb="customer.delegated_admin_removed").exists()


def test_it_keeps_the_provider_and_the_associated_reseller(provider, provider_client, reseller):
    customer, _former = _world(provider, reseller)
    for holder in (provider, reseller):
        response = provider_client.post(_url(customer, holder), follow=True)
        assert response.status_code == 200
        assert "message-error" in response.content.decode()
    assert DelegatedAdmin.objects.filter(customer=customer).count() == 3


def test_an_organisation_without_delegated_admin_is_a_404(provider, provider_client, reseller):
    customer = f.CustomerFactory(provider=provider)
    assert provider_client.post(_url(customer, reseller)).status_code == 404


def test_it_needs_the_remove_right(provider, role_client, reseller):
    customer, former = _world(provider, reseller)
    for role in (Role.SALES_AGENT, Role.USER_ADMIN):
        assert role_client(role).post(_url(customer, former)).status_code == 403
    assert role_client(Role.ADMIN_AGENT).post(_url(customer, former)).status_code == 302


def test_it_is_a_404_to_a_reseller(provider, reseller, reseller_client):
    customer, former = _world(provider, reseller)
    assert reseller_client.post(_url(customer, former)).status_code == 404


def test_a_foreign_customer_is_a_404(provider, outsider_client, reseller):
    customer, former = _world(provider, reseller)
    assert outsider_client.post(_url(customer, former)).status_code == 404
    assert DelegatedAdmin.objects.filter(customer=customer).count() == 3


def test_it_answers_post_only(provider, provider_client, reseller):
    customer, former = _world(provider, reseller)
    assert provider_client.get(_url(customer, former)).status_code == 405


def test_it_requires_a_csrf_token(provider, provider_admin, reseller):
    customer, former = _world(provider, reseller)
    client = Client(enforce_csrf_checks=True)
    client.force_login(provider_admin)
    assert client.post(_url(customer, former)).status_code == 403
