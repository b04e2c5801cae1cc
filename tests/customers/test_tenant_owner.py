"""The Azure tenant owner section of a customer: grant to the associated reseller, revoke."""

import pytest
from django.test import Client
from django.urls import reverse

from customers.models import TenantOwnerGrant
from partners import services as partner_services
from partners.models import Partnership
from portal.models import ActivityEvent
from portal.roles import Role
from subscriptions.models import Offer
from tests import factories as f


@pytest.fixture
def azure_customer(provider, reseller):
    customer = f.CustomerFactory(provider=provider, reseller=reseller, company_name="Coho Winery")
    f.SubscriptionFactory(
        customer=customer,
        offer__name="Azure plan",
        offer__kind=Offer.Kind.AZURE_PLAN,
        offer__max_licences=1,
        quantity=1,
    )
    return customer


def _detail(customer):
    return reverse("customers:customer_detail", args=[customer.uuid])


def _grant(customer):
    return reverse("customers:tenant_owner_grant", args=[customer.uuid])


def _revoke(customer, organisation):
    return reverse("customers:tenant_owner_revoke", args=[customer.uuid, organisation.uuid])


def test_it_grants_tenant_owner_to_the_associated_reseller(
    provider, provider_client, reseller, azure_customer
):
    html = provider_client.get(_detail(azure_customer)).content.decode()
    assert "Azure tenant owner" in html and "Grant tenant owner to reseller" in html

    response = provider_client.post(_grant(azure_customer), follow=True)
    html = response.content.decode()
    assert "Fabrikam Test Solutions now holds tenant owner rights" in html
    grant = TenantOwnerGrant.objects.get(customer=azure_customer)
    assert grant.organisation == reseller and grant.is_active
    # Listed, the grant button gone, the revoke one there; both logs have it.
    assert "Grant tenant owner to reseller" not in html and "Revoke tenant owner" in html
    assert set(
        ActivityEvent.objects.filter(verb="customer.tenant_owner_granted").values_list(
            "organisation", flat=True
        )
    ) == {provider.pk, reseller.pk}
    assert "Tenant owner granted" in html


def test_a_second_grant_is_refused(provider_client, azure_customer):
    provider_client.post(_grant(azure_customer))
    response = provider_client.post(_grant(azure_customer), follow=True)
    assert "already holds tenant owner rights" in response.content.decode()
    assert TenantOwnerGrant.objects.filter(customer=azure_customer).count() == 1


def test_the_database_allows_one_active_grant_per_organisation(azure_customer, reseller):
    from django.db import IntegrityError, transaction

    f.TenantOwnerGrantFactory(customer=azure_customer)
    with pytest.raises(IntegrityError), transaction.atomic():
        f.TenantOwnerGrantFactory(customer=azure_customer)


def test_it_needs_an_active_azure_plan_and_a_reseller(provider, provider_client, reseller):
    seats_only = f.CustomerFactory(provider=provider, reseller=reseller)
    f.SubscriptionFactory(customer=seats_only)
    html = provider_client.get(_detail(seats_only)).content.decode()
    assert "Azure tenant owner" not in html
    response = provider_client.post(_grant(seats_only), follow=True)
    assert "need an active Azure plan subscription" in response.content.decode()

    no_reseller = f.CustomerFactory(provider=provider)
    f.SubscriptionFactory(customer=no_reseller, offer__kind=Offer.Kind.AZURE_PLAN)
    html = provider_client.get(_detail(no_reseller)).content.decode()
    assert "Azure tenant owner" in html and "Grant tenant owner to reseller" not in html
    response = provider_client.post(_grant(no_reseller), follow=True)
    assert "no associated reseller" in response.content.decode()
    assert not TenantOwnerGrant.objects.exists()


def test_it_revokes_and_keeps_the_record(provider, provider_client, reseller, azure_customer):
    f.TenantOwnerGrantFactory(customer=azure_customer)
    response = provider_client.post(_revoke(azure_customer, reseller), follow=True)
    assert "no longer holds tenant owner rights" in response.content.decode()
    grant = TenantOwnerGrant.objects.get(customer=azure_customer)
    assert grant.revoked_at is not None and grant.revoked_by is not None
    assert ActivityEvent.objects.filter(
        organisation=provider, verb="customer.tenant_owner_revoked"
    ).exists()
    # Revoked: nothing left to revoke, and it can be granted again.
    assert provider_client.post(_revoke(azure_customer, reseller)).status_code == 404
    provider_client.post(_grant(azure_customer))
    assert TenantOwnerGrant.objects.active().filter(customer=azure_customer).count() == 1


def test_a_former_resellers_rights_stay_until_revoked(
    provider, provider_client, provider_admin, reseller, azure_customer
):
    f.TenantOwnerGrantFactory(customer=azure_customer)
    partnership = Partnership.objects.get(provider=provider, reseller=reseller)
    partner_services.partnership_remove(partnership=partnership, actor=provider_admin)
    assert TenantOwnerGrant.objects.active().filter(organisation=reseller).exists()
    html = provider_client.get(_detail(azure_customer)).content.decode()
    assert "Fabrikam Test Solutions" in html and "Revoke tenant owner" in html
    provider_client.post(_revoke(azure_customer, reseller))
    assert not TenantOwnerGrant.objects.active().exists()


def test_the_reseller_sees_its_rights_but_no_controls(
    reseller, reseller_client, azure_customer, member_factory
):
    html = reseller_client.get(_detail(azure_customer)).content.decode()
    assert "does not hold tenant owner rights" in html
    f.TenantOwnerGrantFactory(customer=azure_customer)
    other = f.ResellerFactory(legal_name="Other Holder")
    f.AdminRelationshipFactory(customer=azure_customer, partner=other)
    f.TenantOwnerGrantFactory(customer=azure_customer, organisation=other)
    html = reseller_client.get(_detail(azure_customer)).content.decode()
    assert "Fabrikam Test Solutions" in html and "Azure tenant owner" in html
    assert "Other Holder" not in html.split('id="tenant-owner"')[1].split("</section>")[0]
    assert "Grant tenant owner to reseller" not in html and "Revoke tenant owner" not in html
    assert reseller_client.post(_grant(azure_customer)).status_code == 404
    assert reseller_client.post(_revoke(azure_customer, reseller)).status_code == 404


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.GLOBAL_ADMIN, 302),
        (Role.ADMIN_AGENT, 302),
        (Role.SALES_AGENT, 403),
        (Role.USER_ADMIN, 403),
    ],
)
def test_each_role(role_client, azure_customer, reseller, role, status):
    client = role_client(role)
    html = client.get(_detail(azure_customer)).content.decode()
    assert ("Grant tenant owner to reseller" in html) is (status == 302)
    assert client.post(_grant(azure_customer)).status_code == status
    assert client.post(_revoke(azure_customer, reseller)).status_code == status


def test_a_foreign_customer_is_a_404(outsider_client, azure_customer, reseller):
    f.TenantOwnerGrantFactory(customer=azure_customer)
    assert outsider_client.post(_grant(azure_customer)).status_code == 404
    assert outsider_client.post(_revoke(azure_customer, reseller)).status_code == 404
    assert TenantOwnerGrant.objects.active().count() == 1


def test_it_answers_post_only_with_a_csrf_token(provider_admin, azure_customer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(provider_admin)
    assert client.get(_grant(azure_customer)).status_code == 405
    assert client.post(_grant(azure_customer)).status_code == 403
    assert not TenantOwnerGrant.objects.exists()


def test_the_detail_page_queries_stay_constant(
    provider_client, azure_customer, django_assert_max_num_queries
):
    f.TenantOwnerGrantFactory(customer=azure_customer)
    with django_assert_max_num_queries(9):
        provider_client.get(_detail(azure_customer))


def test_it_speaks_japanese(provider_client, azure_customer):
    provider_client.post(reverse("set_language"), {"language": "ja"})
    html = provider_client.get(_detail(azure_customer)).content.decode()
    assert "Azure テナント所有者" in html and "リセラーにテナント所有者権限を付与" in html
