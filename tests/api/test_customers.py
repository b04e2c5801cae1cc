"""GET/POST /api/v1/customers and a customer's subscriptions."""

import pytest

from customers.models import Customer
from portal.models import ActivityEvent
from portal.roles import Role
from tests import factories as f


@pytest.fixture
def offer(db):
    return f.OfferFactory(name="Contoso 365 Business", min_licences=1, max_licences=300)


def _new_customer(offer, **overrides):
    body = {
        "company_name": "Northwind Traders",
        "domain_prefix": "northwindapi",
        "street": "1 Main Street",
        "city": "Seattle",
        "postal_code": "98052",
        "country": "US",
        "contact_first_name": "Ana",
        "contact_last_name": "Trujillo",
        "contact_email": "ana@northwind.example",
        "language": "en",
        "lines": [{"offer_id": str(offer.uuid), "quantity": 5}],
    }
    body.update(overrides)
    return body


def test_it_lists_the_providers_customers_only(provider, other_provider, admin_api):
    mine = f.CustomerFactory(provider=provider, company_name="Adatum Corp")
    f.CustomerFactory(provider=other_provider, company_name="Foreign Customer")

    response = admin_api.get("/api/v1/customers")

    assert response.status_code == 200
    assert [c["id"] for c in response.json()["items"]] == [str(mine.uuid)]


def test_it_filters_by_search_and_reseller(provider, reseller, admin_api):
    f.CustomerFactory(provider=provider, company_name="Adatum Corp")
    credited = f.CustomerFactory(provider=provider, reseller=reseller, company_name="Blue Yonder")

    by_name = admin_api.get("/api/v1/customers", q="yonder").json()["items"]
    by_reseller = admin_api.get("/api/v1/customers", reseller_id=str(reseller.uuid)).json()["items"]

    assert [c["id"] for c in by_name] == [str(credited.uuid)]
    assert [c["id"] for c in by_reseller] == [str(credited.uuid)]
    assert by_reseller[0]["reseller"]["partner_id"] == reseller.partner_id


def test_it_pages_with_a_continuation_token_and_no_offset(
    provider, admin_api, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(5):
        f.CustomerFactory(provider=provider, company_name=f"Customer {i:02d}")

    seen, token = [], None
    with CaptureQueriesContext(connection) as queries:
        while True:
            query = {"limit": 2, **({"continuation_token": token} if token else {})}
            body = admin_api.get("/api/v1/customers", **query).json()
            seen += [c["company_name"] for c in body["items"]]
            token = body["continuation_token"]
            if token is None:
                break

    assert seen == [f"Customer {i:02d}" for i in range(5)]
    assert not any("OFFSET" in q["sql"].upper() for q in queries.captured_queries)


def test_a_tampered_token_is_a_validation_problem(admin_api):
    response = admin_api.get("/api/v1/customers", continuation_token="not-a-token")

    assert response.status_code == 422
    assert response.json()["type"] == "/api/v1/problems/validation-error"


def test_a_foreign_customer_is_as_unknown_as_a_missing_one(other_provider, admin_api):
    foreign = f.CustomerFactory(provider=other_provider)

    foreign_answer = admin_api.get(f"/api/v1/customers/{foreign.uuid}")
    unknown_answer = admin_api.get("/api/v1/customers/00000000-0000-0000-0000-000000000000")

    assert foreign_answer.status_code == unknown_answer.status_code == 404
    assert foreign_answer.json()["type"] == unknown_answer.json()["type"]


def test_it_creates_a_customer_with_its_first_order_once_per_idempotency_key(
    provider, offer, admin_api
):
    headers = {"Idempotency-Key": "create-northwind-1"}

    first = admin_api.post("/api/v1/customers", _new_customer(offer), headers=headers)
    again = admin_api.post("/api/v1/customers", _new_customer(offer), headers=headers)

    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    customer = Customer.objects.get()
    assert customer.primary_domain == first.json()["primary_domain"]
    assert customer.subscriptions.get().quantity == 5
    event = ActivityEvent.objects.get(verb="customer.created")
    assert event.actor_label == "API key “global_admin read_write key”"


def test_a_reused_idempotency_key_with_another_body_is_refused(provider, offer, admin_api):
    headers = {"Idempotency-Key": "k-1"}
    admin_api.post("/api/v1/customers", _new_customer(offer), headers=headers)

    response = admin_api.post(
        "/api/v1/customers",
        _new_customer(offer, domain_prefix="otherprefix"),
        headers=headers,
    )

    assert response.status_code == 422
    assert response.json()["type"] == "/api/v1/problems/idempotency-key-reused"
    assert Customer.objects.count() == 1


def test_an_invalid_customer_answers_the_forms_errors(provider, offer, admin_api):
    response = admin_api.post(
        "/api/v1/customers",
        _new_customer(offer, lines=[{"offer_id": str(offer.uuid), "quantity": 999}]),
    )

    assert response.status_code == 422
    body = response.json()
    assert body["type"] == "/api/v1/problems/validation-error"
    assert "from 1 to 300" in body["errors"][0]["message"]
    assert not Customer.objects.exists()


def test_a_read_key_cannot_create(provider, offer, make_key, api_client, fresh_cache):
    reader = api_client(make_key(provider, scope="read"))

    response = reader.post("/api/v1/customers", _new_customer(offer))

    assert response.status_code == 403
    assert response.json()["type"] == "/api/v1/problems/insufficient-scope"


def test_it_lists_a_customers_subscriptions(provider, admin_api):
    customer = f.CustomerFactory(provider=provider)
    sub = f.SubscriptionFactory(customer=customer)
    f.SubscriptionFactory(customer=f.CustomerFactory(provider=provider))

    items = admin_api.get(f"/api/v1/customers/{customer.uuid}/subscriptions").json()["items"]

    assert [s["id"] for s in items] == [str(sub.uuid)]
    assert items[0]["term"] and items[0]["term_end"].endswith("Z")


def test_a_user_admin_key_sees_customers_but_cannot_create(
    provider, offer, make_key, api_client, fresh_cache
):
    client = api_client(make_key(provider, role=Role.USER_ADMIN))

    assert client.get("/api/v1/customers").status_code == 200
    response = client.post("/api/v1/customers", _new_customer(offer))
    assert response.status_code == 403
    assert response.json()["type"] == "/api/v1/problems/forbidden"
