from django.test import Client
from django.urls import reverse

from customers.models import Customer
from portal.models import ActivityEvent
from portal.roles import Role
from relationships.models import AdminRelationship
from tests import factories as f


def _url(customer):
    return reverse("customers:customer_change_reseller", args=[customer.uuid])


def _holders(customer):
    """The organisations holding a live admin relationship on the customer."""
    return set(
        AdminRelationship.objects.live().filter(customer=customer).values_list("partner", flat=True)
    )


def _seers(customer, *orgs):
    return {org.pk for org in orgs if Customer.objects.for_org(org).filter(pk=customer.pk).exists()}


def test_the_new_reseller_sees_the_customer_and_the_old_one_keeps_its_relationship(
    provider, provider_client, reseller
):
    newcomer = f.ResellerFactory(legal_name="Newcomer Ltd")
    f.PartnershipFactory(provider=provider, reseller=newcomer)
    customer = f.CustomerFactory(provider=provider, reseller=reseller)
    f.AdminRelationshipFactory(customer=customer, partner=reseller)

    response = provider_client.post(_url(customer), {"reseller": str(newcomer.uuid)}, follow=True)
    customer.refresh_from_db()
    assert customer.reseller == newcomer
    # The newcomer gets admin rights only once the customer approves a relationship.
    assert _holders(customer) == {reseller.pk}
    assert _seers(customer, reseller, newcomer) == {reseller.pk, newcomer.pk}
    assert "is now associated with Newcomer Ltd" in response.content.decode()
    event = ActivityEvent.objects.get(verb="customer.reseller_changed")
    assert event.before == {"reseller": reseller.partner_id}
    assert event.after == {"reseller": newcomer.partner_id, "name": "Newcomer Ltd"}


def test_it_associates_a_direct_customer(provider, provider_client, reseller):
    customer = f.CustomerFactory(provider=provider)
    provider_client.post(_url(customer), {"reseller": str(reseller.uuid)})
    customer.refresh_from_db()
    assert customer.reseller == reseller
    assert _holders(customer) == set()


def test_it_accepts_only_an_active_partner(provider, provider_client, reseller):
    removed = f.ResellerFactory()
    f.PartnershipFactory(provider=provider, reseller=removed, status="removed")
    foreign = f.ResellerFactory()
    f.PartnershipFactory(reseller=foreign)
    customer = f.CustomerFactory(provider=provider, reseller=reseller)
    for candidate in (removed, foreign):
        response = provider_client.post(_url(customer), {"reseller": str(candidate.uuid)})
        assert response.status_code == 400
        assert response.context["change_form"].errors["reseller"]
    customer.refresh_from_db()
    assert customer.reseller == reseller
    assert _seers(customer, reseller, removed, foreign) == {reseller.pk}


def test_it_needs_the_add_customer_right(provider, role_client, reseller):
    customer = f.CustomerFactory(provider=provider)
    response = role_client(Role.USER_ADMIN).post(_url(customer), {"reseller": str(reseller.uuid)})
    assert response.status_code == 403


def test_it_is_a_404_to_a_reseller(provider, reseller, reseller_client):
    customer = f.CustomerFactory(provider=provider, reseller=reseller)
    assert reseller_client.post(_url(customer), {"reseller": str(reseller.uuid)}).status_code == 404


def test_a_foreign_customer_is_a_404(provider, outsider_client):
    customer = f.CustomerFactory(provider=provider)
    assert outsider_client.post(_url(customer), {}).status_code == 404


def test_it_answers_post_only(provider, provider_client):
    customer = f.CustomerFactory(provider=provider)
    assert provider_client.get(_url(customer)).status_code == 405


def test_it_requires_a_csrf_token(provider, provider_admin, reseller):
    customer = f.CustomerFactory(provider=provider)
    client = Client(enforce_csrf_checks=True)
    client.force_login(provider_admin)
    assert client.post(_url(customer), {"reseller": str(reseller.uuid)}).status_code == 403
