"""Admin relationships, prices, statements and imports through the API: the pages' services
and rules, cost and margin to the provider only, a foreign object a 404."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from billing import services as billing_services
from billing.models import PriceListEntry, ProviderCurrency, ResellerPrice, Statement
from jobs.models import Job
from portal.models import ActivityEvent, OutboundEmail
from portal.roles import Role
from relationships.models import AdminRelationship
from tests import factories as f


@pytest.fixture
def reseller_api(reseller, make_key, api_client, fresh_cache):
    return api_client(make_key(reseller))


def _readers():
    return f.role_catalogue()["Directory Readers"].id


# -- admin relationships --------------------------------------------------------


def test_a_provider_requests_an_admin_relationship_and_gets_the_approval_link_once(
    provider, admin_api
):
    customer = f.CustomerFactory(provider=provider)

    response = admin_api.post(
        "/api/v1/admin-relationships",
        {
            "customer_id": str(customer.uuid),
            "display_name": "Helpdesk access",
            "roles": [_readers()],
            "duration_days": 90,
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "approval_pending" and body["roles"] == [_readers()]
    assert body["approval_url"].startswith("http") and "/admin-approval/" in body["approval_url"]
    relationship = AdminRelationship.objects.get(uuid=body["id"])
    assert relationship.display_name == "Helpdesk access"
    assert OutboundEmail.objects.filter(
        kind="admin-relationship-approval", to=customer.contact_email
    ).exists()
    got = admin_api.get(f"/api/v1/admin-relationships/{relationship.uuid}").json()
    assert "approval_url" not in got


def test_a_request_for_the_associated_reseller_awaits_its_consent(provider, reseller, admin_api):
    customer = f.CustomerFactory(provider=provider, reseller=reseller)

    response = admin_api.post(
        "/api/v1/admin-relationships",
        {
            "customer_id": str(customer.uuid),
            "partner_id": str(reseller.uuid),
            "display_name": "Reseller access",
            "roles": [_readers()],
            "duration_days": 30,
        },
    )

    assert response.status_code == 201
    assert (response.json()["status"], response.json()["approval_url"]) == ("created", None)
    assert response.json()["partner"]["id"] == str(reseller.uuid)


def test_a_request_the_service_refuses_is_a_problem_and_writes_nothing(provider, admin_api):
    customer = f.CustomerFactory(provider=provider)
    other_reseller = f.ResellerFactory()

    too_long = admin_api.post(
        "/api/v1/admin-relationships",
        {
            "customer_id": str(customer.uuid),
            "display_name": "Too long",
            "roles": [_readers()],
            "duration_days": 731,
        },
    )
    not_partner = admin_api.post(
        "/api/v1/admin-relationships",
        {
            "customer_id": str(customer.uuid),
            "partner_id": str(other_reseller.uuid),
            "display_name": "Not ours",
            "roles": [_readers()],
            "duration_days": 30,
        },
    )

    assert too_long.status_code == 400 and too_long.json()["type"].endswith("/refused")
    assert too_long.json()["errors"][0]["field"] == "duration_days"
    assert not_partner.status_code == 422
    assert not_partner.json()["errors"][0]["field"] == "partner"
    assert not AdminRelationship.objects.exists()


def test_relationships_are_listed_with_filters_and_pages(provider, admin_api):
    first, second = f.CustomerFactory(provider=provider), f.CustomerFactory(provider=provider)
    for customer in (first, first, second):
        f.AdminRelationshipFactory(customer=customer)
    ended = f.AdminRelationshipFactory(customer=second, status=AdminRelationship.Status.TERMINATED)

    page1 = admin_api.get("/api/v1/admin-relationships", limit=2).json()
    page2 = admin_api.get(
        "/api/v1/admin-relationships", limit=2, continuation_token=page1["continuation_token"]
    ).json()
    of_first = admin_api.get("/api/v1/admin-relationships", customer_id=str(first.uuid)).json()
    terminated = admin_api.get("/api/v1/admin-relationships", status="terminated").json()

    assert len(page1["items"]) == 2 and len(page2["items"]) == 2
    assert page2["continuation_token"] is None
    assert len({i["id"] for i in page1["items"] + page2["items"]}) == 4
    assert {i["customer_id"] for i in of_first["items"]} == {str(first.uuid)}
    assert [i["id"] for i in terminated["items"]] == [str(ended.uuid)]


def test_terminating_ends_the_relationship_once(provider, admin_api):
    relationship = f.AdminRelationshipFactory(customer=f.CustomerFactory(provider=provider))
    url = f"/api/v1/admin-relationships/{relationship.uuid}/terminate"

    response = admin_api.post(url, {})
    again = admin_api.post(url, {})

    assert response.status_code == 200
    assert response.json()["status"] == "termination_requested"
    assert again.status_code == 400 and "already ended" in again.json()["detail"]
    event = ActivityEvent.objects.get(verb="admin_relationship.termination_requested")
    assert event.actor_label.startswith("API key")


def test_a_reseller_requests_admin_rights_on_its_own_customers_only(
    provider, reseller, reseller_api
):
    own = f.CustomerFactory(provider=provider, reseller=reseller)
    providers_only = f.CustomerFactory(provider=provider)
    body = {"display_name": "Our access", "roles": [_readers()], "duration_days": 30}

    created = reseller_api.post(
        "/api/v1/admin-relationships", {**body, "customer_id": str(own.uuid)}
    )
    refused = reseller_api.post(
        "/api/v1/admin-relationships", {**body, "customer_id": str(providers_only.uuid)}
    )

    assert created.status_code == 201 and created.json()["partner"]["id"] == str(reseller.uuid)
    assert refused.status_code == 404


def test_another_providers_relationship_is_404_like_an_unknown_id(
    provider, other_provider, admin_api
):
    foreign = f.AdminRelationshipFactory(customer=f.CustomerFactory(provider=other_provider))

    for url in (
        f"/api/v1/admin-relationships/{foreign.uuid}",
        "/api/v1/admin-relationships/5b0c3e8e-0000-4000-8000-000000000000",
    ):
        assert admin_api.get(url).status_code == 404
    assert (
        admin_api.post(f"/api/v1/admin-relationships/{foreign.uuid}/terminate", {}).status_code
        == 404
    )
    foreign.refresh_from_db()
    assert foreign.status == "active"


# -- prices and statements ---------------------------------------------------


@pytest.fixture
def priced(provider, reseller):
    """A price list entry (with a cost) and the reseller's own lower price."""
    offer = f.OfferFactory(name="Business Standard", min_licences=1, max_licences=100)
    ProviderCurrency.objects.create(provider=provider, currency="JPY")
    since = timezone.localdate() - dt.timedelta(days=10)
    PriceListEntry.objects.create(
        provider=provider,
        offer=offer,
        term="P1M",
        billing_frequency="monthly",
        cost=Decimal("1000"),
        reseller_price=Decimal("1300"),
        retail_price=Decimal("1500"),
        effective_from=since,
    )
    ResellerPrice.objects.create(
        provider=provider,
        reseller=reseller,
        offer=offer,
        price=Decimal("1250"),
        effective_from=since,
    )
    return offer


def test_the_provider_reads_its_price_list_with_the_cost(provider, priced, admin_api):
    body = admin_api.get("/api/v1/price-list").json()

    [entry] = body["items"]
    assert (entry["cost"], entry["reseller_price"], entry["currency"]) == ("1000", "1300", "JPY")
    assert entry["offer"]["name"] == "Business Standard"


def test_a_reseller_reads_its_own_prices_and_never_the_cost(
    provider, reseller, priced, reseller_api, other_provider
):
    providers = reseller_api.get("/api/v1/providers").json()
    prices = reseller_api.get("/api/v1/prices", provider_id=str(provider.uuid))

    assert [p["id"] for p in providers["items"]] == [str(provider.uuid)]
    [price] = prices.json()["items"]
    assert (price["unit_price"], price["currency"]) == ("1250", "JPY")
    assert "cost" not in price and "1000" not in prices.content.decode()
    assert (
        reseller_api.get("/api/v1/prices", provider_id=str(other_provider.uuid)).status_code == 404
    )
    assert reseller_api.get("/api/v1/price-list").status_code == 404


@pytest.fixture
def charged(provider, reseller, priced):
    """Two charges on the reseller's open statement of this month."""
    location = f.PartnerLocationFactory(organisation=reseller)
    customer = f.CustomerFactory(provider=provider, reseller=reseller)
    for quantity in (2, 3):
        sub = f.SubscriptionFactory(
            customer=customer, offer=priced, quantity=quantity, reseller_location=location
        )
        charge = billing_services.charge_record(
            subscription=sub, kind="purchase", quantity=quantity, full_period=True
        )
    return charge.statement


def test_statements_and_lines_show_cost_and_margin_to_the_provider_only(
    provider, reseller, charged, admin_api, reseller_api
):
    mine = admin_api.get(f"/api/v1/statements/{charged.uuid}").json()
    theirs = reseller_api.get(f"/api/v1/statements/{charged.uuid}").json()
    lines = admin_api.get(f"/api/v1/statements/{charged.uuid}/lines", limit=1).json()
    more = admin_api.get(
        f"/api/v1/statements/{charged.uuid}/lines", continuation_token=lines["continuation_token"]
    ).json()
    reseller_lines = reseller_api.get(f"/api/v1/statements/{charged.uuid}/lines").json()

    assert (mine["status"], mine["lines"], mine["total"]) == ("open", 2, "6250")
    assert (mine["cost"], mine["margin"]) == ("5000", "1250")
    assert (theirs["total"], theirs["cost"], theirs["margin"]) == ("6250", None, None)
    assert len(lines["items"]) == 1 and len(more["items"]) == 1
    assert lines["items"][0]["id"] != more["items"][0]["id"]
    assert {line["unit_cost"] for line in reseller_lines["items"]} == {None}
    assert {line["unit_cost"] for line in lines["items"] + more["items"]} == {"1000"}


def test_statements_are_filtered_by_month_status_and_reseller(
    provider, reseller, charged, admin_api
):
    this_month = charged.month.strftime("%Y-%m")
    Statement.objects.create(provider=provider, reseller=None, month=charged.month, currency="JPY")

    of_reseller = admin_api.get("/api/v1/statements", reseller_id=str(reseller.uuid)).json()
    of_month = admin_api.get("/api/v1/statements", month=this_month).json()
    closed = admin_api.get("/api/v1/statements", status="closed").json()
    bad = admin_api.get("/api/v1/statements", month="2026-13")

    assert [s["id"] for s in of_reseller["items"]] == [str(charged.uuid)]
    assert len(of_month["items"]) == 2
    assert closed["items"] == []
    assert bad.status_code == 422


def test_another_providers_statement_is_404(provider, other_provider, admin_api, reseller_api):
    foreign = Statement.objects.create(
        provider=other_provider, month=dt.date(2026, 1, 1), currency="USD"
    )

    assert admin_api.get(f"/api/v1/statements/{foreign.uuid}").status_code == 404
    assert admin_api.get(f"/api/v1/statements/{foreign.uuid}/lines").status_code == 404
    assert reseller_api.get(f"/api/v1/statements/{foreign.uuid}").status_code == 404


# -- imports -----------------------------------------------------------------


def test_an_imports_progress_is_read_as_the_page_shows_it(provider, admin_api, member_factory):
    job = Job.objects.create(
        organisation=provider,
        kind=Job.Kind.CUSTOMERS,
        created_by=member_factory(provider, Role.ADMIN_AGENT),
        status=Job.Status.RUNNING,
        file_name="customers.csv",
        total=12,
        invalid=2,
        done=4,
        failed=1,
        started_at=timezone.now() - dt.timedelta(seconds=50),
    )
    foreign = Job.objects.create(
        organisation=f.ProviderFactory(),
        kind=Job.Kind.INVITES,
        created_by=member_factory(provider, Role.ADMIN_AGENT),
    )

    body = admin_api.get(f"/api/v1/imports/{job.uuid}").json()
    listed = admin_api.get("/api/v1/imports").json()

    assert (body["status"], body["rows"], body["valid_rows"], body["processed"]) == (
        "running",
        12,
        10,
        5,
    )
    assert body["percent"] == 50 and body["seconds_left"] == 50
    assert [i["id"] for i in listed["items"]] == [str(job.uuid)]
    assert admin_api.get(f"/api/v1/imports/{foreign.uuid}").status_code == 404


# -- commerce terms ------------------------------------------------------------


def test_auto_renew_is_turned_off_with_the_version(provider, admin_api):
    sub = f.SubscriptionFactory(customer=f.CustomerFactory(provider=provider))

    response = admin_api.patch(
        f"/api/v1/subscriptions/{sub.uuid}",
        {"auto_renew": False},
        headers={"If-Match": str(sub.version)},
    )
    stale = admin_api.patch(
        f"/api/v1/subscriptions/{sub.uuid}",
        {"auto_renew": True},
        headers={"If-Match": str(sub.version)},
    )

    assert response.status_code == 200
    assert response.json()["auto_renew"] is False
    assert response.json()["renewal_label"] != ""
    assert stale.status_code == 412


# -- constant queries ----------------------------------------------------------------


def _queries(client, path, **query):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(path, **query).status_code == 200
    return len(captured.captured_queries)


def test_the_new_lists_run_the_same_queries_for_2_rows_as_for_8(
    provider, reseller, charged, priced, admin_api, member_factory
):
    creator = member_factory(provider, Role.ADMIN_AGENT)

    def grow(n):
        for _ in range(n):
            f.AdminRelationshipFactory(customer=f.CustomerFactory(provider=provider))
            Job.objects.create(organisation=provider, kind=Job.Kind.INVITES, created_by=creator)
            Statement.objects.create(
                provider=provider,
                reseller=f.ResellerFactory(),
                month=charged.month,
                currency="JPY",
            )
            sub = f.SubscriptionFactory(
                customer=f.CustomerFactory(provider=provider, reseller=reseller), offer=priced
            )
            sub.reseller_location = f.PartnerLocationFactory(organisation=reseller)
            sub.save()
            billing_services.charge_record(
                subscription=sub, kind="purchase", quantity=1, full_period=True
            )

    paths = [
        "/api/v1/admin-relationships",
        "/api/v1/statements",
        f"/api/v1/statements/{charged.uuid}/lines",
        "/api/v1/imports",
        "/api/v1/price-list",
    ]
    admin_api.get("/api/v1/imports")  # the key's first request records when it was used
    grow(2)
    small = [_queries(admin_api, path) for path in paths]
    grow(6)
    large = [_queries(admin_api, path) for path in paths]

    assert small == large
    assert max(large) <= 8
