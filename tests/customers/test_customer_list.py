import pytest
from django.urls import resolve, reverse

from portal.roles import Role
from tests import factories as f

URL = reverse("customers:customer_list")


def test_it_lists_the_providers_customers(provider, provider_client, reseller):
    customer = f.CustomerFactory(provider=provider, reseller=reseller, company_name="Alpine Ski")
    f.SubscriptionFactory.create_batch(3, customer=customer)
    f.CustomerFactory(company_name="Elsewhere Inc")  # another provider's
    html = provider_client.get(URL).content.decode()
    assert "Alpine Ski" in html
    assert customer.primary_domain in html
    assert "Fabrikam Test Solutions" in html
    assert '<td class="num">3</td>' in html
    assert "Elsewhere Inc" not in html


def test_row_links_resolve_to_the_detail_and_the_expanded_row(provider, provider_client):
    customer = f.CustomerFactory(provider=provider)
    html = provider_client.get(URL).content.decode()
    assert f'href="/customers/{customer.uuid}/"' in html
    assert f'hx-get="/customers/{customer.uuid}/row/"' in html
    assert resolve(f"/customers/{customer.uuid}/row/").view_name == "customers:customer_row"


def test_it_searches_as_you_type(provider, provider_client):
    f.CustomerFactory(provider=provider, company_name="Alpine Ski")
    f.CustomerFactory(
        provider=provider, company_name="Blue Yonder", primary_domain="by.onmicrosoft.example"
    )
    page = provider_client.get(URL).content.decode()
    assert 'hx-trigger="input changed delay:300ms, search"' in page
    assert 'hx-push-url="true"' in page

    response = provider_client.get(URL, {"q": "alpine"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "Alpine Ski" in html and "Blue Yonder" not in html
    assert "<html" not in html
    assert "HX-Request" in response["Vary"]
    by_domain = provider_client.get(URL, {"q": "by.onmicrosoft"}).content.decode()
    assert "Blue Yonder" in by_domain and "Alpine Ski" not in by_domain
    assert (
        "No customers match your search." in provider_client.get(URL, {"q": "zzz"}).content.decode()
    )


def test_it_filters_by_reseller_including_a_former_partner(provider, provider_client, reseller):
    former = f.ResellerFactory(legal_name="Former Partner Co")
    f.PartnershipFactory(provider=provider, reseller=former, status="removed")
    f.CustomerFactory(provider=provider, reseller=reseller, company_name="Via Fabrikam")
    f.CustomerFactory(provider=provider, reseller=former, company_name="Via Former")
    f.CustomerFactory(provider=provider, company_name="Direct One")
    stranger = f.ResellerFactory(legal_name="Someone Elses Reseller")
    f.PartnershipFactory(reseller=stranger)

    page = provider_client.get(URL).content.decode()
    assert "Former Partner Co" in page and "Someone Elses Reseller" not in page

    html = provider_client.get(URL, {"reseller": str(former.uuid)}).content.decode()
    assert "Via Former" in html and "Via Fabrikam" not in html and "Direct One" not in html
    assert f'<option value="{former.uuid}" selected>' in html


def test_a_foreign_reseller_filter_is_ignored(provider, provider_client):
    f.CustomerFactory(provider=provider, company_name="Direct One")
    stranger = f.ResellerFactory()
    for value in [str(stranger.uuid), "junk"]:
        response = provider_client.get(URL, {"reseller": value})
        assert response.status_code == 200
        assert "Direct One" in response.content.decode()


def test_it_paginates_fifty_a_page(provider, provider_client):
    for i in range(51):
        f.CustomerFactory(provider=provider, company_name=f"Customer {i:03d}")
    first = provider_client.get(URL).content.decode()
    assert "Customer 049" in first and "Customer 050" not in first
    assert "Page 1 of 2" in first
    second = provider_client.get(URL, {"page": 2}).content.decode()
    assert "Customer 050" in second and "Customer 000" not in second


@pytest.mark.parametrize("rows", [5, 60])
def test_it_runs_a_constant_number_of_queries(
    provider, provider_client, reseller, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        customer = f.CustomerFactory(provider=provider, reseller=reseller)
        f.SubscriptionFactory(customer=customer)
    with django_assert_max_num_queries(6):
        response = provider_client.get(URL)
    assert response.status_code == 200
    with django_assert_max_num_queries(6):
        provider_client.get(URL, {"q": "customer"}, headers={"HX-Request": "true"})


def test_a_reseller_sees_the_customers_it_administers_with_their_provider(
    provider, reseller, reseller_client
):
    second_provider = f.ProviderFactory(legal_name="Second Distribution")
    f.PartnershipFactory(provider=second_provider, reseller=reseller)
    f.CustomerFactory(provider=provider, reseller=reseller, company_name="First Via Us")
    f.CustomerFactory(provider=second_provider, reseller=reseller, company_name="Second Via Us")
    f.CustomerFactory(provider=provider, company_name="Not Ours")
    html = reseller_client.get(URL).content.decode()
    assert "First Via Us" in html and "Second Via Us" in html
    assert "Contoso Test Distribution" in html and "Second Distribution" in html
    assert "Not Ours" not in html
    assert "Add new customer" not in html
    assert 'name="reseller"' not in html


def test_every_role_may_view_it(role_client):
    for role in Role.values:
        assert role_client(role).get(URL).status_code == 200


def test_it_speaks_japanese(provider, provider_client):
    f.CustomerFactory(provider=provider)
    provider_client.post(reverse("set_language"), {"language": "ja"})
    html = provider_client.get(URL).content.decode()
    assert "顧客" in html and "新しい顧客の追加" in html


def test_it_sends_visitors_to_sign_in(client):
    assert client.get(URL).url.startswith(reverse("login"))


def test_it_answers_get_only(provider_client):
    assert provider_client.post(URL).status_code == 405


@pytest.mark.parametrize("rows", [5, 60])
def test_a_resellers_list_runs_a_constant_number_of_queries(
    provider, reseller, reseller_client, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        f.SubscriptionFactory(customer=f.CustomerFactory(provider=provider, reseller=reseller))
    with django_assert_max_num_queries(6):
        response = reseller_client.get(URL)
    assert len(response.context["page"].object_list) == min(rows, 50)
