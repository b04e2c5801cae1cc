"""The reseller's Indirect providers page: the providers it has authorised."""

import pytest
from django.urls import reverse

from portal.roles import Role
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
    assert "delegated admin rights for 2 customers" in html
    assert f'href="{reverse("customers:customer_list")}"' in html


@pytest.mark.parametrize("role", list(Role))
def test_every_role_can_view_and_only_admins_can_revoke(client_for, member_factory, reseller, role):
    html = client_for(member_factory(reseller, role)).get(URL).content.decode()
    assert "Contoso Test Distribution" in html
    assert ("Revoke authorisation" in html) is (role in (Role.GLOBAL_ADMIN, Role.ADMIN_AGENT))


def test_it_is_a_404_to_a_provider_and_sends_visitors_to_sign_in(provider_client, client):
    assert provider_client.get(URL).status_code == 404
    assert client.get(URL).url.startswith(reverse("login"))


@pytest.mark.parametrize("size", [5, 60])
def test_it_runs_a_constant_number_of_queries(
    reseller_client, reseller, size, django_assert_max_num_queries
):
    for _ in range(size):
        f.PartnershipFactory(provider=f.ProviderFactory(), reseller=reseller)
    with django_assert_max_num_queries(6):
        response = reseller_client.get(URL)
    assert response.status_code == 200


def test_it_speaks_japanese(reseller_client, japanese):
    assert "間接プロバイダー" in japanese(reseller_client).get(URL).content.decode()
