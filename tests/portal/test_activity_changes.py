"""The Activity log's Change column reads as words: labels, names, local dates, on/off."""

import pytest
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db
URL = reverse("activity_log")


def change_cells(client, language="en"):
    client.cookies["django_language"] = language
    html = client.get(URL).content.decode()
    return [cell.split("</code>")[0] for cell in html.split('<code class="change">')[1:]]


def test_fields_statuses_and_organisations_are_named(provider_client, provider, reseller):
    f.ActivityEventFactory(
        organisation=provider,
        verb="partnership.request_accepted",
        object_type="partnershiprequest",
        before={"status": "pending"},
        after={"status": "accepted", "reseller": reseller.partner_id},
    )
    (cell,) = change_cells(provider_client)
    assert cell == "Reseller: Fabrikam Test Solutions; Status: Pending → Accepted"
    assert reseller.partner_id not in cell
    (cell,) = change_cells(provider_client, "ja")
    assert "Fabrikam Test Solutions" in cell
    assert "Status" not in cell and "Pending" not in cell and "pending" not in cell


def test_timestamps_are_local_and_in_the_language(provider_client, provider, settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    f.ActivityEventFactory(
        organisation=provider,
        object_type="partnershiprequest",
        after={"email": "new@reseller.example", "expires_at": "2026-12-03T15:30:00+00:00"},
    )
    (cell,) = change_cells(provider_client)
    assert "T15:30" not in cell and "+00:00" not in cell
    assert "Expires: 4\u00a0Dec\u00a02026,\u00a000:30" in cell  # 15:30 UTC is 00:30 in Tokyo
    assert "Email: new@reseller.example" in cell
    (cell,) = change_cells(provider_client, "ja")
    assert "2026/12/04\u00a000:30" in cell


def test_customers_by_name_booleans_as_words_and_no_uuid(provider_client, provider):
    customer = f.CustomerFactory(provider=provider, company_name="Alpine Ski House")
    f.ActivityEventFactory(
        organisation=provider,
        object_type="order",
        after={"customer": str(customer.uuid), "lines": 2},
    )
    f.ActivityEventFactory(
        organisation=provider,
        object_type="subscription",
        before={"auto_renew": True},
        after={"auto_renew": False},
    )
    cells = change_cells(provider_client)
    assert "Auto-renew: On → Off" in cells
    assert "Customer: Alpine Ski House; Lines: 2" in cells
    assert not any(str(customer.uuid) in cell for cell in cells)
    cells = change_cells(provider_client, "ja")
    assert not any("Auto-renew" in cell or "On" in cell for cell in cells)


def test_roles_and_subscription_statuses_are_translated(provider_client, provider):
    f.ActivityEventFactory(
        organisation=provider,
        object_type="subscription",
        before={"status": "active"},
        after={"status": "suspended"},
    )
    f.ActivityEventFactory(
        organisation=provider,
        object_type="membership",
        after={"email": "ana@contoso.example", "role": "user_admin"},
    )
    cells = change_cells(provider_client)
    assert "Status: Active → Suspended" in cells
    assert "Email: ana@contoso.example; Role: User management admin" in cells
    cells = change_cells(provider_client, "ja")
    assert not any("suspended" in c.lower() or "user_admin" in c for c in cells)


@pytest.mark.parametrize("rows", [4, 48])
def test_names_resolve_in_a_constant_number_of_queries(
    provider_client, provider, provider_admin, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        reseller = f.ResellerFactory()
        customer = f.CustomerFactory(provider=provider)
        f.ActivityEventFactory(
            organisation=provider,
            actor=provider_admin,
            after={"reseller": reseller.partner_id, "customer": str(customer.uuid)},
        )
    with django_assert_max_num_queries(11):
        html = provider_client.get(URL).content.decode()
    assert html.count("Reseller: ") == rows


def test_import_jobs_and_statements_read_as_words(provider_client, provider):
    f.ActivityEventFactory(
        organisation=provider,
        object_type="job",
        after={"kind": "invites", "rows": 12, "file": "invites.csv"},
    )
    f.ActivityEventFactory(
        organisation=provider,
        object_type="statement",
        before={"status": "open"},
        after={"status": "closed", "month": "2026-10-01", "total": "120.00"},
    )
    cells = change_cells(provider_client)
    assert "File: invites.csv; Kind: Partnership invites; Rows: 12" in cells
    assert "Month: 1\u00a0Oct\u00a02026; Status: Open → Closed; Total: 120.00" in cells
    cells = change_cells(provider_client, "ja")
    assert not any("Kind" in c or "invites:" in c or "Closed" in c for c in cells)
