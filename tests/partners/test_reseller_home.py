"""The reseller's Indirect providers page: the providers it has authorised."""

import pytest
from django.urls import reverse

from portal.roles import Role
from relationships.models import AccessAssignment, AdminRelationship
from tests import factories as f

pytestmark = pytest.mark.django_db
URL = reverse("partners:reseller_home")


def test_it_lists_the_authorised_providers(reseller_client, reseller, provider):
    f.PartnershipFactory(
        provider=f.ProviderFactory(legal_name="Ended Provider"), reseller=reseller, status="removed"
    )
    f.PartnershipFactory(provider=f.ProviderFactory(legal_name="Stranger Provider"))
    html = reseller_client.get(URL).content.decode()
    assert provider.display_name in html and provider.directory_regions in html
    assert "Ended Provider" not in html and "Stranger Provider" not in html


def test_it_links_to_the_customers_it_administers(reseller_client, reseller, provider):
    f.CustomerFactory.create_batch(2, provider=provider, reseller=reseller)
    html = reseller_client.get(URL).content.decode()
    assert "You serve 2 customers" in html
    assert f'href="{reverse("customers:customer_list")}"' in html


@pytest.mark.parametrize("role", list(Role))
def test_every_role_can_view_and_only_admins_can_revoke(client_for, member_factory, reseller, role):
    html = client_for(member_factory(reseller, role)).get(URL).content.decode()
    assert "Contoso Test Distribution" in html
    assert ("Revoke authorisation" in html) is (role in (Role.GLOBAL_ADMIN, Role.ADMIN_AGENT))


def test_it_is_a_404_to_a_provider_and_sends_visitors_to_sign_in(provider_client, client):
    assert provider_client.get(URL).status_code == 404
    assert client.get(URL).url.startswith(reverse("login"))


# The page's own six, and the admin relationships: the latest (with roles, and the
# groups' assignments with theirs) and the pending consents (with roles).
HOME_QUERIES = 12


def _relationships(reseller, size):
    """``size`` live relationships with an assignment each, and ``size`` awaiting consent."""
    group = f.SecurityGroupFactory(organisation=reseller)
    for _ in range(size):
        customer = f.CustomerFactory(reseller=reseller)
        live = f.AdminRelationshipFactory(customer=customer, partner=reseller)
        assignment = AccessAssignment.objects.create(relationship=live, group=group)
        assignment.roles.set(live.roles.all())
        f.AdminRelationshipFactory(
            customer=customer, partner=reseller, status=AdminRelationship.Status.CREATED
        )


def test_it_lists_its_relationships_and_pending_consents(reseller_client, reseller):
    customer = f.CustomerFactory(reseller=reseller, company_name="Alpine Ski")
    f.AdminRelationshipFactory(customer=customer, partner=reseller, display_name="Desk access")
    f.AdminRelationshipFactory(
        customer=customer,
        partner=reseller,
        display_name="Asked for",
        status=AdminRelationship.Status.CREATED,
    )
    html = reseller_client.get(URL).content.decode()
    section = html.split('id="admin-relationships"')[1].split("</section>")[0]
    assert "Desk access" in section and "Alpine Ski" in section
    assert "Awaiting your consent" in section and "Asked for" in section
    assert "Consent and ask the customer" in section


@pytest.mark.parametrize("size", [5, 60])
def test_it_runs_a_constant_number_of_queries(
    reseller_client, reseller, size, django_assert_max_num_queries
):
    for _ in range(size):
        f.PartnershipFactory(provider=f.ProviderFactory(), reseller=reseller)
    _relationships(reseller, size)
    with django_assert_max_num_queries(HOME_QUERIES):
        response = reseller_client.get(URL)
    assert response.status_code == 200


def test_it_speaks_japanese(reseller_client, japanese):
    assert "間接プロバイダー" in japanese(reseller_client).get(URL).content.decode()
