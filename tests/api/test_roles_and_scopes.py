"""Every endpoint for each role and scope: the pages' role matrix, a read key reads only."""

import pytest

from portal.roles import PERMISSIONS, Perm, Role
from tests import factories as f

# (method, path template, permission, writes, provider-only)
ENDPOINTS = [
    ("GET", "/api/v1/resellers", Perm.VIEW, False),
    ("GET", "/api/v1/partnership-requests", Perm.VIEW, False),
    ("POST", "/api/v1/partnership-requests", Perm.REQUEST_PARTNERSHIP, True),
    ("GET", "/api/v1/customers", Perm.VIEW, False),
    ("GET", "/api/v1/customers/{customer}", Perm.VIEW, False),
    ("POST", "/api/v1/customers", Perm.ADD_CUSTOMER, True),
    ("GET", "/api/v1/customers/{customer}/subscriptions", Perm.VIEW, False),
    ("GET", "/api/v1/subscriptions", Perm.VIEW, False),
    ("GET", "/api/v1/subscriptions/{subscription}", Perm.VIEW, False),
    ("PATCH", "/api/v1/subscriptions/{subscription}", Perm.MANAGE_SUBSCRIPTIONS, True),
    ("POST", "/api/v1/orders", Perm.ADD_CUSTOMER, True),
    ("GET", "/api/v1/activity-records", Perm.VIEW_ACTIVITY, False),
    ("GET", "/api/v1/overview", Perm.VIEW_OVERVIEW, False),
]


def test_the_matrix_names_every_operation_of_the_document(openapi_document):
    documented = {
        (method.upper(), path)
        for path, operations in openapi_document["paths"].items()
        for method in operations
    }
    listed = {
        (m, p.replace("{customer}", "{customer_id}").replace("{subscription}", "{subscription_id}"))
        for m, p, _, _ in ENDPOINTS
    }
    assert documented == listed


def _body(method, path, world):
    if path == "/api/v1/partnership-requests":
        return {"email": "someone@newreseller.example"} if method == "POST" else None
    if path == "/api/v1/customers" and method == "POST":
        return {
            "company_name": "Matrix Co",
            "domain_prefix": "matrixco",
            "street": "1 Street",
            "city": "Osaka",
            "postal_code": "530-0001",
            "country": "JP",
            "contact_first_name": "Ken",
            "contact_last_name": "Ito",
            "contact_email": "ken@matrix.example",
            "lines": [{"offer_id": str(world["offer"].uuid), "quantity": 2}],
        }
    if path == "/api/v1/orders":
        return {
            "customer_id": str(world["customer"].uuid),
            "offer_id": str(world["offer"].uuid),
            "quantity": 2,
        }
    if method == "PATCH":
        return {"quantity": world["subscription"].quantity + 1}
    return None


@pytest.fixture
def world(provider):
    customer = f.CustomerFactory(provider=provider)
    return {
        "customer": customer,
        "subscription": f.SubscriptionFactory(customer=customer, quantity=3),
        "offer": f.OfferFactory(min_licences=1, max_licences=10),
    }


@pytest.mark.parametrize("scope", ["read", "read_write"])
@pytest.mark.parametrize("role", [r.value for r in Role])
def test_each_endpoint_answers_per_role_and_scope(
    provider, world, role, scope, make_key, api_client, fresh_cache, settings
):
    settings.API_RATE_LIMIT_PER_MINUTE = 1000
    client = api_client(make_key(provider, role=role, scope=scope))
    for method, template, perm, writes in ENDPOINTS:
        path = template.format(
            customer=world["customer"].uuid, subscription=world["subscription"].uuid
        )
        world["subscription"].refresh_from_db()
        headers = {"If-Match": str(world["subscription"].version)} if method == "PATCH" else {}
        response = client.request(
            method, path, data=_body(method, template, world), headers=headers
        )
        allowed = role in PERMISSIONS[perm]
        if writes and scope == "read":
            expected = 403
        else:
            expected = (201 if method == "POST" else 200) if allowed else 403
        assert response.status_code == expected, (role, scope, method, path, response.json())
        if expected == 403:
            kind = "insufficient-scope" if writes and scope == "read" else "forbidden"
            assert response.json()["type"].endswith(kind)


def test_a_key_acts_with_no_more_than_its_creators_role_today(
    provider, make_key, api_client, fresh_cache
):
    from partners.models import Membership

    secret = make_key(provider, role=Role.ADMIN_AGENT)
    client = api_client(secret)
    assert client.get("/api/v1/activity-records").status_code == 200
    # The creator is made a Sales agent: the key loses what the creator lost.
    from api.models import ApiKey

    creator = ApiKey.objects.get().created_by
    Membership.objects.filter(user=creator).update(role=Role.SALES_AGENT)

    assert client.get("/api/v1/activity-records").status_code == 403


def test_a_reseller_key_sees_no_provider_resources(reseller, make_key, api_client, fresh_cache):
    client = api_client(make_key(reseller))

    assert client.get("/api/v1/resellers").status_code == 404
    assert client.get("/api/v1/customers").status_code == 200
