import csv
import datetime
import io

import pytest
from django.db import connection
from django.urls import reverse

from portal.roles import Role
from tests import factories as f

pytestmark = pytest.mark.django_db

URL = reverse("subscriptions:export")


def _rows(response):
    assert response.streaming is True
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_it_streams_the_providers_subscriptions_as_csv(
    provider_client, provider, other_provider, subscription, reseller_location, reseller
):
    subscription.reseller_location = reseller_location
    subscription.support_contact = reseller
    subscription.term, subscription.billing_frequency = "P1Y", "annual"
    subscription.term_start = datetime.datetime(2024, 2, 29, 9, tzinfo=datetime.UTC)
    subscription.term_end = datetime.datetime(2025, 3, 1, tzinfo=datetime.UTC)
    subscription.auto_renew = False
    subscription.save()
    f.SubscriptionFactory(
        customer=f.CustomerFactory(provider=other_provider, company_name="Foreign Co")
    )
    response = provider_client.get(URL)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = _rows(response)
    assert rows == [
        [
            "Customer",
            "Domain",
            "Offer",
            "Licences",
            "Status",
            "Reseller partner ID (location)",
            "Designated support contact",
            "Term",
            "Billing frequency",
            "Term start",
            "Term end",
            "Auto-renew",
        ],
        [
            "Alpine Ski House",
            "alpineskihouse.onmicrosoft.example",
            "Microsoft 365 Business Basic",
            "10",
            "active",
            reseller_location.location_partner_id,
            "Fabrikam Test Solutions",
            "P1Y",
            "annual",
            "2024-02-29",
            "2025-02-28",
            "off",
        ],
    ]


def test_it_exports_only_the_renewal_filters_rows(provider_client, provider, subscription):
    subscription.auto_renew = False
    subscription.save()
    f.SubscriptionFactory(customer=f.CustomerFactory(provider=provider, company_name="Renews Co"))
    rows = _rows(provider_client.get(URL, {"renewal": "auto_renew_off"}))
    assert [row[0] for row in rows[1:]] == ["Alpine Ski House"]


def test_it_filters_by_reseller(
    provider_client, provider, subscription, reseller, reseller_location
):
    subscription.reseller_location = reseller_location
    subscription.save()
    f.SubscriptionFactory(customer=f.CustomerFactory(provider=provider, company_name="Direct Co"))
    rows = _rows(provider_client.get(URL, {"reseller": reseller.uuid}))
    assert [row[0] for row in rows[1:]] == ["Alpine Ski House"]


def test_it_defuses_spreadsheet_formulas(provider_client, provider):
    f.SubscriptionFactory(
        customer=f.CustomerFactory(provider=provider, company_name="=HYPERLINK(1)")
    )
    rows = _rows(provider_client.get(URL))
    assert rows[1][0] == "'=HYPERLINK(1)"


def test_it_is_the_providers_and_any_member_may_export(role_client, reseller_client, client):
    assert role_client(Role.SALES_AGENT).get(URL).status_code == 200
    assert reseller_client.get(URL).status_code == 404
    assert client.get(URL).status_code == 302


TRICKY = [
    "=HYPERLINK(1)",
    "+1",
    "-1",
    "@SUM(A1)",
    "\tTab Co",
    "\rCR Co",
    "\nLF Co",
    " Space Co",
    'Quote "Co", Ltd',
    "Two\nLines",
    "株式会社テスト",
    "",
]


def test_it_writes_the_cells_the_python_writer_writes(provider_client, provider, reseller):
    """On PostgreSQL the database writes the CSV (COPY); each cell is what the
    Python writer writes: formulas as text, quotes and line breaks kept, NULL empty."""
    from django.db.models import F

    from portal.exports import csv_response
    from subscriptions import selectors

    for n, name in enumerate(TRICKY):
        f.SubscriptionFactory(
            customer=f.CustomerFactory(
                provider=provider, company_name=name, primary_domain=TRICKY[-1 - n]
            ),
            offer=f.OfferFactory(name=TRICKY[(n + 3) % len(TRICKY)]),
            support_contact=reseller if n % 2 else None,
        )
    rows = _rows(provider_client.get(URL))
    subscriptions, columns = selectors.export_query(org=provider)
    cells = {f"c{n}": F(c) if isinstance(c, str) else c for n, c in enumerate(columns)}
    python = csv_response(
        filename="x.csv",
        headers=[header for header, _path in selectors.EXPORT_COLUMNS],
        rows=subscriptions.annotate(**cells).values_list(*cells),
    )
    expected = list(csv.reader(io.StringIO(b"".join(python.streaming_content).decode())))
    assert rows == expected
    assert [row[0] for row in rows[1:]] == [
        "'=HYPERLINK(1)",
        "'+1",
        "'-1",
        "'@SUM(A1)",
        "'\tTab Co",
        "'\rCR Co",
        "'\nLF Co",
        "' Space Co",
        'Quote "Co", Ltd',
        "Two\nLines",
        "株式会社テスト",
        "",
    ]
    # Licences (a number) as it is; no support contact: empty.
    assert {row[3] for row in rows[1:]} == {"10"}
    assert [row[6] for row in rows[1:3]] == ["", reseller.legal_name]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL writes the rows (COPY) after the headings"
)
def test_it_sends_the_headings_first_then_chunks_of_rows(provider_client, provider, monkeypatch):
    from portal import exports

    monkeypatch.setattr(exports, "CHUNK_SIZE", 300)
    for _n in range(12):
        f.SubscriptionFactory(customer=f.CustomerFactory(provider=provider))
    response = provider_client.get(URL)
    chunks = list(response.streaming_content)
    assert chunks[0].decode().startswith("Customer,Domain,Offer,Licences")
    assert chunks[0].count(b"\n") == 1  # the headings alone, before the rows are read
    rows = chunks[1:]
    assert len(rows) >= 3 and all(len(chunk) >= 300 for chunk in rows[:-1])
    assert b"".join(rows).count(b"\n") == 12


def test_its_headings_are_in_the_users_language(provider_client, subscription):
    provider_client.post(reverse("set_language"), {"language": "ja", "next": "/"})
    rows = _rows(provider_client.get(URL))
    assert rows[0][0] == "顧客" and rows[0][3] == "ライセンス"
    assert rows[1][0] == "Alpine Ski House"


def test_a_search_with_quotes_and_wildcards_is_a_plain_search(provider_client, provider):
    f.SubscriptionFactory(
        customer=f.CustomerFactory(provider=provider, company_name="100% O'Brien")
    )
    f.SubscriptionFactory(customer=f.CustomerFactory(provider=provider, company_name="1000 Co"))
    assert [row[0] for row in _rows(provider_client.get(URL, {"q": "100% o'b"}))[1:]] == [
        "100% O'Brien"
    ]
    assert _rows(provider_client.get(URL, {"q": "'); SELECT 1; --"}))[1:] == []
    assert _rows(provider_client.get(URL, {"q": "%_"}))[1:] == []
