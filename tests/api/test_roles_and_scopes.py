"""Every endpoint for each role and scope: the pages' role matrix, a read key reads only."""

import datetime as dt

import pytest

from billing.models import Statement
from jobs.models import Job
from partners.handover import handover_plan
from partners.models import Partnership
from portal.roles import PERMISSIONS, Perm, Role
from tests import factories as f

# (method, path template, permission, writes, the only kind of organisation it serves)
ENDPOINTS = [
    ("GET", "/api/v1/resellers", Perm.VIEW, False, "provider"),
    ("GET", "/api/v1/partnership-requests", Perm.VIEW, False, "provider"),
    ("POST", "/api/v1/partnership-requests", Perm.REQUEST_PARTNERSHIP, True, "provider"),
    ("GET", "/api/v1/customers", Perm.VIEW, False, None),
    ("GET", "/api/v1/customers/{customer}", Perm.VIEW, False, None),
    ("POST", "/api/v1/customers", Perm.ADD_CUSTOMER, True, "provider"),
    ("GET", "/api/v1/customers/{customer}/subscriptions", Perm.VIEW, False, None),
    ("GET", "/api/v1/subscriptions", Perm.VIEW, False, None),
    ("GET", "/api/v1/subscriptions/{subscription}", Perm.VIEW, False, None),
    ("PATCH", "/api/v1/subscriptions/{subscription}", Perm.MANAGE_SUBSCRIPTIONS, True, None),
    ("POST", "/api/v1/orders", Perm.ADD_CUSTOMER, True, "provider"),
    ("GET", "/api/v1/activity-records", Perm.VIEW_ACTIVITY, False, None),
    ("GET", "/api/v1/admin-relationships", Perm.VIEW, False, None),
    ("GET", "/api/v1/admin-relationships/{relationship}", Perm.VIEW, False, None),
    ("POST", "/api/v1/admin-relationships", Perm.MANAGE_ADMIN_RELATIONSHIPS, True, None),
    (
        "POST",
        "/api/v1/admin-relationships/{relationship}/terminate",
        Perm.MANAGE_ADMIN_RELATIONSHIPS,
        True,
        None,
    ),
    ("GET", "/api/v1/price-list", Perm.VIEW_BILLING, False, "provider"),
    ("GET", "/api/v1/providers", Perm.VIEW_BILLING, False, "reseller"),
    ("GET", "/api/v1/prices", Perm.VIEW_BILLING, False, "reseller"),
    ("GET", "/api/v1/statements", Perm.VIEW_BILLING, False, None),
    ("GET", "/api/v1/statements/{statement}", Perm.VIEW_BILLING, False, None),
    ("GET", "/api/v1/statements/{statement}/lines", Perm.VIEW_BILLING, False, None),
    ("GET", "/api/v1/imports", Perm.RUN_BULK_IMPORTS, False, "provider"),
    ("GET", "/api/v1/imports/{job}", Perm.RUN_BULK_IMPORTS, False, "provider"),
    ("GET", "/api/v1/overview", Perm.VIEW_OVERVIEW, False, None),
    ("GET", "/api/v1/reseller-relationship-requests", Perm.VIEW, False, None),
    ("GET", "/api/v1/reseller-relationship-requests/{rrequest}", Perm.VIEW, False, None),
    (
        "POST",
        "/api/v1/reseller-relationship-requests",
        Perm.REQUEST_RESELLER_RELATIONSHIP,
        True,
        None,
    ),
    (
        "POST",
        "/api/v1/reseller-relationship-requests/{rrequest}/revoke",
        Perm.REQUEST_RESELLER_RELATIONSHIP,
        True,
        None,
    ),
    ("GET", "/api/v1/handovers", Perm.REMOVE_PARTNERSHIP, False, "provider"),
    ("GET", "/api/v1/handovers/{handover}", Perm.REMOVE_PARTNERSHIP, False, "provider"),
]
NAMES = {
    "{customer}": "{customer_id}",
    "{subscription}": "{subscription_id}",
    "{relationship}": "{relationship_id}",
    "{statement}": "{statement_id}",
    "{job}": "{job_id}",
    "{rrequest}": "{relationship_request_id}",
    "{handover}": "{handover_id}",
}


def _documented(path):
    for short, name in NAMES.items():
        path = path.replace(short, name)
    return path


def test_the_matrix_names_every_operation_of_the_document(openapi_document):
    documented = {
        (method.upper(), path)
        for path, operations in openapi_document["paths"].items()
        for method in operations
    }
    listed = {(m, _documented(p)) for m, p, *_ in ENDPOINTS}
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
    if path == "/api/v1/admin-relationships" and method == "POST":
        return {
            "customer_id": str(world["customer"].uuid),
            "display_name": "Matrix access",
            "roles": [f.role_catalogue()["Directory Readers"].id],
            "duration_days": 30,
        }
    if path == "/api/v1/reseller-relationship-requests" and method == "POST":
        return {
            "partner_id": str(world["partner"].uuid),
            "company_name": "Matrix Existing KK",
            "primary_domain": "matrixexisting.onmicrosoft.example",
            "contact_first_name": "Mio",
            "contact_last_name": "Sato",
            "contact_email": "mio@matrixexisting.example",
            "language": "ja",
        }
    if method == "PATCH":
        return {"quantity": world["subscription"].quantity + 1}
    return None


def _world(org, provider, reseller=None):
    """A customer (delegated to ``reseller`` when given), a subscription, an active admin
    relationship held by ``org``, a statement of ``org``, an import of the provider, a
    pending reseller relationship request made by ``org`` and a planned handover."""
    customer = f.CustomerFactory(provider=provider, reseller=reseller)
    partnered = reseller
    if partnered is None:
        partnered = f.ResellerFactory()
        f.PartnershipFactory(provider=provider, reseller=partnered)
    provider_admin = f.MembershipFactory(organisation=provider, role=Role.GLOBAL_ADMIN).user
    statement = Statement.objects.create(
        provider=provider, reseller=reseller, month=dt.date.today().replace(day=1), currency="USD"
    )
    return {
        "org": org,
        "provider": provider,
        "customer": customer,
        "subscription": f.SubscriptionFactory(customer=customer, quantity=3),
        "offer": f.OfferFactory(min_licences=1, max_licences=10),
        "relationship": f.AdminRelationshipFactory(customer=customer, partner=org),
        "statement": statement,
        "job": Job.objects.create(
            organisation=provider,
            kind=Job.Kind.INVITES,
            created_by=f.MembershipFactory(organisation=provider).user,
            status=Job.Status.RUNNING,
            total=10,
            done=4,
        ),
        # The other party of a reseller relationship request the key's organisation makes.
        "partner": partnered if org == provider else provider,
        "rrequest": f.ResellerRelationshipRequestFactory(
            provider=provider, reseller=partnered, requested_by_org=org
        ),
        "handover": handover_plan(
            partnership=Partnership.objects.get(provider=provider, reseller=partnered),
            actor=provider_admin,
            decision="leave",
        ),
    }


@pytest.fixture
def world(provider):
    return _world(provider, provider)


def _walk_matrix(client, world, role, scope, *, only=None):
    kind = "provider" if world["org"].is_provider else "reseller"
    for method, template, perm, writes, serves in ENDPOINTS:
        if only is not None and template not in only:
            continue
        path = template.format(
            customer=world["customer"].uuid,
            subscription=world["subscription"].uuid,
            relationship=world["relationship"].uuid,
            statement=world["statement"].uuid,
            job=world["job"].uuid,
            rrequest=world["rrequest"].uuid,
            handover=world["handover"].uuid,
        )
        world["subscription"].refresh_from_db()
        headers = {"If-Match": str(world["subscription"].version)} if method == "PATCH" else {}
        query = {"provider_id": str(world["provider"].uuid)} if template.endswith("/prices") else {}
        response = client.request(
            method, path, data=_body(method, template, world), headers=headers, **query
        )
        allowed = role in PERMISSIONS[perm]
        if serves is not None and serves != kind:
            expected = 404  # like the pages: the wrong kind of organisation sees nothing there
        elif writes and scope == "read":
            expected = 403
        else:
            expected = 201 if method == "POST" and writes and "{" not in template else 200
            expected = expected if allowed else 403
        assert response.status_code == expected, (role, scope, method, path, response.json())
        if expected == 403:
            problem = "insufficient-scope" if writes and scope == "read" else "forbidden"
            assert response.json()["type"].endswith(problem)


@pytest.mark.parametrize("scope", ["read", "read_write"])
@pytest.mark.parametrize("role", [r.value for r in Role])
def test_each_endpoint_answers_per_role_and_scope(
    provider, world, role, scope, make_key, api_client, fresh_cache, settings
):
    settings.API_RATE_LIMIT_PER_MINUTE = 1000
    client = api_client(make_key(provider, role=role, scope=scope))
    _walk_matrix(client, world, role, scope)


RESELLER_ENDPOINTS = {
    "/api/v1/admin-relationships",
    "/api/v1/admin-relationships/{relationship}",
    "/api/v1/admin-relationships/{relationship}/terminate",
    "/api/v1/price-list",
    "/api/v1/providers",
    "/api/v1/prices",
    "/api/v1/statements",
    "/api/v1/statements/{statement}",
    "/api/v1/statements/{statement}/lines",
    "/api/v1/imports",
    "/api/v1/imports/{job}",
    "/api/v1/reseller-relationship-requests",
    "/api/v1/reseller-relationship-requests/{rrequest}",
    "/api/v1/reseller-relationship-requests/{rrequest}/revoke",
    "/api/v1/handovers",
    "/api/v1/handovers/{handover}",
}


@pytest.mark.parametrize("scope", ["read", "read_write"])
@pytest.mark.parametrize("role", [r.value for r in Role])
def test_a_resellers_keys_answer_per_role_and_scope(
    provider, reseller, role, scope, make_key, api_client, fresh_cache, settings
):
    """The admin relationship, price, statement and import endpoints for a reseller's keys."""
    settings.API_RATE_LIMIT_PER_MINUTE = 1000
    world = _world(reseller, provider, reseller=reseller)
    client = api_client(make_key(reseller, role=role, scope=scope))
    _walk_matrix(client, world, role, scope, only=RESELLER_ENDPOINTS)


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
