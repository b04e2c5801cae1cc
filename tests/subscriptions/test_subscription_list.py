import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.roles import Role
from tests import factories as f

pytestmark = pytest.mark.django_db

URL = reverse("subscriptions:subscription_list")


def _subscriptions(provider, count, **kwargs):
    customer = f.CustomerFactory(provider=provider, **kwargs)
    return f.SubscriptionFactory.create_batch(count, customer=customer)


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_it_runs_the_same_queries_for_5_and_60_rows(
    provider_client, provider, reseller, django_assert_max_num_queries
):
    location = reseller.locations.get()
    _subscriptions(provider, 5, reseller=reseller)
    small = _queries(provider_client, URL)
    for subscription in _subscriptions(provider, 55, reseller=reseller):
        subscription.reseller_location = location
        subscription.save()
    with django_assert_max_num_queries(small):
        html = provider_client.get(URL).content.decode()
    assert "Page 1 of 3" in html


def test_it_pages_through(provider_client, provider):
    _subscriptions(provider, 30)
    html = provider_client.get(URL, {"page": 2}).content.decode()
    assert "Page 2 of 2" in html and html.count("<tr>") == 1 + 5


def test_it_searches_as_you_type_and_answers_htmx_with_the_table(provider_client, provider, offer):
    f.SubscriptionFactory(
        customer=f.CustomerFactory(provider=provider, company_name="Wingtip Toys")
    )
    f.SubscriptionFactory(customer=f.CustomerFactory(provider=provider, company_name="Coho Winery"))
    page = provider_client.get(URL).content.decode()
    assert 'hx-trigger="input changed delay:300ms, search"' in page
    response = provider_client.get(URL, {"q": "wingtip"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "Wingtip Toys" in html and "Coho Winery" not in html
    assert "<html" not in html
    assert "HX-Request" in response["Vary"]


def test_it_filters_by_reseller_and_status(provider_client, provider, reseller, reseller_location):
    credited = f.SubscriptionFactory(
        customer=f.CustomerFactory(provider=provider, company_name="Credited Co"),
        reseller_location=reseller_location,
    )
    f.SubscriptionFactory(customer=f.CustomerFactory(provider=provider, company_name="Direct Co"))
    f.SubscriptionFactory(
        customer=f.CustomerFactory(provider=provider, company_name="Paused Co"), status="suspended"
    )
    html = provider_client.get(URL, {"reseller": reseller.uuid}).content.decode()
    assert credited.customer.company_name in html and "Direct Co" not in html
    assert reseller_location.location_partner_id in html
    html = provider_client.get(URL, {"status": "suspended"}).content.decode()
    assert "Paused Co" in html and "Direct Co" not in html
    # A malformed filter is ignored, never a 500.
    assert provider_client.get(URL, {"reseller": "x", "status": "y"}).status_code == 200


def test_it_links_to_the_csv_export_with_the_filters(provider_client, reseller):
    html = provider_client.get(URL, {"reseller": reseller.uuid}).content.decode()
    assert f'href="/subscriptions/export.csv?reseller={reseller.uuid}"' in html


def test_it_shows_only_the_orgs_subscriptions(provider_client, provider, other_provider):
    f.SubscriptionFactory(
        customer=f.CustomerFactory(provider=other_provider, company_name="Foreign Co")
    )
    f.SubscriptionFactory(customer=f.CustomerFactory(provider=provider, company_name="Own Co"))
    html = provider_client.get(URL).content.decode()
    assert "Own Co" in html and "Foreign Co" not in html


def test_a_reseller_sees_the_subscriptions_of_customers_it_administers(
    reseller_client, provider, reseller
):
    f.SubscriptionFactory(
        customer=f.CustomerFactory(
            provider=provider, reseller=reseller, company_name="Delegated Co"
        )
    )
    other = f.CustomerFactory(provider=provider, company_name="Not Delegated Co")
    f.SubscriptionFactory(customer=other)
    html = reseller_client.get(URL).content.decode()
    assert "Delegated Co" in html and "Not Delegated Co" not in html
    assert "Support queue" in html and "Export CSV" not in html


def test_every_member_may_view_and_visitors_sign_in(role_client, client):
    assert role_client(Role.USER_ADMIN).get(URL).status_code == 200
    assert client.get(URL).status_code == 302
    assert role_client(Role.SALES_AGENT).post(URL).status_code == 405
