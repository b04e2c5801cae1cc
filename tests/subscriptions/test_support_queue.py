import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partners.models import Partnership
from tests import factories as f

pytestmark = pytest.mark.django_db

URL = reverse("subscriptions:support_queue")


def _supported(provider, reseller, count, name="Supported Co"):
    customer = f.CustomerFactory(provider=provider, reseller=reseller, company_name=name)
    return f.SubscriptionFactory.create_batch(count, customer=customer, support_contact=reseller)


def test_it_lists_what_names_the_reseller_across_providers(reseller_client, provider, reseller):
    second = f.ProviderFactory(legal_name="Northwind Cloud")
    f.PartnershipFactory(provider=second, reseller=reseller)
    _supported(provider, reseller, 1, name="Alpine Co")
    _supported(second, reseller, 1, name="Tokyo Co")
    customer = f.CustomerFactory(
        provider=provider, reseller=reseller, company_name="Provider Supported Co"
    )
    f.SubscriptionFactory(customer=customer)  # the provider is its support contact
    html = reseller_client.get(URL).content.decode()
    assert "Alpine Co" in html and "Tokyo Co" in html and "Northwind Cloud" in html
    assert "Provider Supported Co" not in html


def test_it_keeps_the_rows_after_the_partnership_is_removed(reseller_client, provider, reseller):
    _supported(provider, reseller, 1)
    Partnership.objects.filter(provider=provider, reseller=reseller).update(status="removed")
    assert "Supported Co" in reseller_client.get(URL).content.decode()


def test_it_runs_the_same_queries_for_5_and_60_rows(
    reseller_client, provider, reseller, django_assert_max_num_queries
):
    _supported(provider, reseller, 5)
    with CaptureQueriesContext(connection) as small:
        reseller_client.get(URL)
    _supported(provider, reseller, 55, name="More Co")
    with django_assert_max_num_queries(len(small)):
        html = reseller_client.get(URL).content.decode()
    assert "Page 1 of 3" in html


def test_it_searches_with_htmx(reseller_client, provider, reseller):
    _supported(provider, reseller, 1, name="Wingtip Toys")
    _supported(provider, reseller, 1, name="Coho Winery")
    response = reseller_client.get(URL, {"q": "coho"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "Coho Winery" in html and "Wingtip Toys" not in html and "<html" not in html


def test_it_is_the_resellers_page(provider_client, client):
    assert provider_client.get(URL).status_code == 404
    assert client.get(URL).status_code == 302


def test_it_speaks_japanese(reseller_client):
    reseller_client.post(reverse("set_language"), {"language": "ja", "next": "/"})
    assert "サポート キュー" in reseller_client.get(URL).content.decode()
