"""Customers and Indirect resellers as CSV files: streamed, filtered as the list, formula-safe."""

import csv
import io

import pytest
from django.urls import reverse

from portal.roles import Role
from tests import factories as f

pytestmark = pytest.mark.django_db

CUSTOMERS = reverse("customers:export")
RESELLERS = reverse("partners:reseller_export")


def _rows(response):
    assert response.status_code == 200 and response.streaming is True
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_customers_stream_as_the_list_filters_them(provider_client, provider, reseller):
    f.CustomerFactory(provider=provider, reseller=reseller, company_name="Alpine Ski House")
    f.CustomerFactory(provider=provider, company_name="Direct Co")
    f.CustomerFactory(company_name="Foreign Co")
    rows = _rows(provider_client.get(CUSTOMERS))
    assert rows[0][:4] == ["Company name", "Primary domain", "Country", "Indirect reseller"]
    assert [row[0] for row in rows[1:]] == ["Alpine Ski House", "Direct Co"]
    assert rows[1][3] == "Fabrikam Test Solutions" and rows[1][4] == reseller.partner_id
    filtered = _rows(provider_client.get(CUSTOMERS, {"reseller": reseller.uuid}))
    assert [row[0] for row in filtered[1:]] == ["Alpine Ski House"]
    assert [row[0] for row in _rows(provider_client.get(CUSTOMERS, {"q": "direct"}))[1:]] == [
        "Direct Co"
    ]


def test_customer_cells_never_run_as_formulas(provider_client, provider):
    f.CustomerFactory(provider=provider, company_name="=HYPERLINK(1)")
    assert _rows(provider_client.get(CUSTOMERS))[1][0] == "'=HYPERLINK(1)"


def test_a_reseller_exports_the_customers_it_administers(reseller_client, provider, reseller):
    mine = f.CustomerFactory(provider=provider, reseller=reseller, company_name="Mine")
    f.AdminRelationshipFactory(customer=mine, partner=reseller)
    f.CustomerFactory(provider=provider, company_name="Not mine")
    assert [row[0] for row in _rows(reseller_client.get(CUSTOMERS))[1:]] == ["Mine"]


def test_resellers_stream_with_their_customer_counts(provider_client, provider, reseller):
    f.CustomerFactory.create_batch(2, provider=provider, reseller=reseller)
    gone = f.ResellerFactory(legal_name="@Gone Reseller")
    f.PartnershipFactory(provider=provider, reseller=gone, status="removed")
    f.PartnershipFactory(reseller=f.ResellerFactory(legal_name="Someone Else's"))
    rows = _rows(provider_client.get(RESELLERS))
    assert rows[0][0] == "Reseller name" and rows[0][-1] == "Customers"
    assert [(row[0], row[-1]) for row in rows[1:]] == [("Fabrikam Test Solutions", "2")]
    removed = _rows(provider_client.get(RESELLERS, {"status": "removed"}))
    assert [row[0] for row in removed[1:]] == ["'@Gone Reseller"]


def test_the_export_buttons_are_on_the_lists(provider_client, provider, reseller):
    f.CustomerFactory(provider=provider)
    assert (
        f'href="{CUSTOMERS}'
        in provider_client.get(reverse("customers:customer_list")).content.decode()
    )
    assert (
        f'href="{RESELLERS}'
        in provider_client.get(reverse("partners:reseller_list")).content.decode()
    )


def test_the_resellers_export_is_the_providers(role_client, reseller_client, client):
    assert role_client(Role.SALES_AGENT).get(RESELLERS).status_code == 200
    assert reseller_client.get(RESELLERS).status_code == 404
    assert client.get(RESELLERS).status_code == 302


@pytest.mark.parametrize("size", [2, 20])
def test_the_exports_query_count_does_not_grow(
    provider_client, provider, reseller, size, django_assert_max_num_queries
):
    for _ in range(size):
        f.CustomerFactory(provider=provider, reseller=reseller)
    with django_assert_max_num_queries(6):
        _rows(provider_client.get(CUSTOMERS))
    with django_assert_max_num_queries(6):
        _rows(provider_client.get(RESELLERS))
