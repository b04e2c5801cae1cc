"""The isolation walk over the JSON API: another tenant's key reaches none of this tenant's objects.

Every route under api/v1/ is walked with every method the OpenAPI document gives
it (a meta-test fails for a route that is not): a foreign object answers what an
unknown id answers, 404; a list or a create given the foreign ids shows none of
this tenant's names and writes none of its rows.
"""

import json
import re

import pytest

from api import services as api_services
from api.v1 import api
from portal.roles import Role
from tests.security.conftest import Route, all_routes, row_counts
from tests.security.routes import OBJECT_KWARGS, body_of, unknown_url, urls_for

API_PREFIX = "api/v1/"
API_EXEMPT = {
    "api-v1:openapi-json": "The public OpenAPI document: names no tenant object.",
    "api-v1:api-root": "The API's root: answers 404 (Django Ninja's index, with no docs here).",
    "api:docs": "The public reference page rendered from the OpenAPI document.",
}


def api_routes() -> list[Route]:
    """One route per API path (Django Ninja names one pattern per operation of a path)."""
    seen, routes = set(), []
    for route in all_routes():
        api_route = route.route.startswith(API_PREFIX) and route.name not in API_EXEMPT
        if api_route and route.route not in seen:
            seen.add(route.route)
            routes.append(route)
    return routes


def document_path(route: Route) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route.route)


def methods_of(route: Route) -> list[str]:
    document = api.get_openapi_schema(path_prefix="/api/v1")
    return [m.upper() for m in document["paths"].get(document_path(route), {})]


def test_every_api_route_is_walked_or_exempt_with_a_reason():
    unwalked = [
        str(route)
        for route in api_routes()
        if not methods_of(route) or not all(k in OBJECT_KWARGS for k in route.kwargs)
    ]
    assert unwalked == []
    assert len(api_routes()) >= 17


def test_the_api_root_is_not_a_page(client, db):
    assert client.get("/api/v1/").status_code == 404


def _bodies(home_world):
    """Create bodies naming the other tenant's objects."""
    q = home_world.query_ids()
    return {
        "/api/v1/customers": {
            "company_name": "Walk Co",
            "domain_prefix": "walkco",
            "street": "1 Street",
            "city": "Osaka",
            "postal_code": "530",
            "country": "JP",
            "contact_first_name": "A",
            "contact_last_name": "B",
            "contact_email": "a@walk.example",
            "reseller_id": q["reseller"],
            "lines": [{"offer_id": q["offer"], "quantity": 1}],
        },
        "/api/v1/orders": {"customer_id": q["customer"], "offer_id": q["offer"], "quantity": 1},
        "/api/v1/admin-relationships": {
            "customer_id": q["customer"],
            "partner_id": q["reseller"],
            "display_name": "Walk relationship",
            "roles": ["62e90394-69f5-4237-9190-012177145e10"],
            "duration_days": 30,
        },
        # The other tenant's reseller (or provider, for a reseller's key) as the partner.
        "/api/v1/reseller-relationship-requests": {
            "partner_id": q["partner"],
            "company_name": "Walk Joining Co",
            "primary_domain": "walkjoining.onmicrosoft.example",
            "contact_first_name": "A",
            "contact_last_name": "B",
            "contact_email": "a@walkjoining.example",
        },
        # An address of its own: echoing it back is no leak.
        "/api/v1/partnership-requests": {"email": "walker@elsewhere.example"},
    }


class ApiWalk:
    def __init__(self, secret, target, markers):
        from django.test import Client

        # A server error is one of the walk's findings, not the end of the walk.
        self.client = Client(raise_request_exception=False)
        self.auth = {"Authorization": f"Bearer {secret}"}
        self.target, self.markers = target, markers
        self.failures, self.requests = [], 0

    def request(self, method, url, data=None, *, query=None):
        before = row_counts()
        headers = {**self.auth, "If-Match": "1", "Idempotency-Key": f"walk-{self.requests}"}
        call = getattr(self.client, method.lower())
        if method == "GET":
            response = call(url, query or {}, headers=headers)
        else:
            response = call(
                url, data=json.dumps(data or {}), content_type="application/json", headers=headers
            )
        self.requests += 1
        label = f"{method} {url}"
        body = body_of(response)
        leaked = [m for m in self.markers if m in body]
        if leaked:
            self.failures.append(f"{label}: shows the other tenant's {leaked}")
        if response.status_code >= 500:
            self.failures.append(f"{label}: server error {response.status_code}")
        after = row_counts()
        target_rows_changed = {
            k: after[k] - before[k]
            for k in after
            if after[k] != before[k] and not k.startswith(("api.", "portal.ratelimit"))
        }
        return response, target_rows_changed

    def object_route(self, route):
        unknown = unknown_url(route)
        for method in methods_of(route):
            expected, _ = self.request(method, unknown, data={"quantity": 2})
            for url in urls_for(route, self.target.kwargs_for()):
                response, changed = self.request(method, url, data={"quantity": 2})
                if response.status_code != 404 or expected.status_code != 404:
                    # (an unknown id must answer 404 too: a lookup that cannot say 404 is no check)
                    self.failures.append(
                        f"{method} {url}: answered {response.status_code}, an unknown id "
                        f"{expected.status_code}; expected 404"
                    )
                elif response.json()["type"] != expected.json()["type"]:
                    self.failures.append(f"{method} {url}: another problem than an unknown id's")
                if changed:
                    self.failures.append(f"{method} {url}: wrote rows {changed}")

    def plain_route(self, route):
        path = document_path(route)
        ids = self.target.query_ids()
        query = {
            "reseller_id": ids["reseller"],
            "reseller_partner_id": ids["location_partner_id"],
            "customer_id": ids["customer"],
            "offer_id": ids["offer"],
            # A reseller's prices from this tenant (the provider): not partnered, so none.
            "provider_id": str(self.target.provider.uuid),
        }
        for method in methods_of(route):
            if method == "GET":
                self.request(method, path, query=query)
            else:
                response, changed = self.request(method, path, _bodies(self.target).get(path))
                if response.status_code < 300 and path != "/api/v1/partnership-requests":
                    self.failures.append(f"{method} {path}: accepted the other tenant's ids")


@pytest.mark.parametrize("outsider", ["provider of another tenant", "reseller of another provider"])
def test_another_tenants_key_reaches_no_object_on_any_api_route(home, away, outsider, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 10_000
    if outsider == "provider of another tenant":
        secret = away.api_secret
    else:
        secret = api_services.api_key_create(
            org=away.reseller,
            actor=away.reseller_admin,
            actor_role=Role.GLOBAL_ADMIN,
            name="Away reseller key",
            role=Role.GLOBAL_ADMIN,
            scope="read_write",
        ).secret
    walk = ApiWalk(secret, home, home.markers)
    routes = api_routes()
    for route in routes:
        if route.kwargs:
            walk.object_route(route)
        else:
            walk.plain_route(route)
    print(f"\nAPI isolation walk as {outsider}: {len(routes)} routes, {walk.requests} requests")
    assert not walk.failures, "\n".join(walk.failures)


def test_the_owner_reaches_its_own_objects_on_every_object_route(home, settings):
    """The walk's 404s are not an artefact: the owner's key gets each object (and an action
    route without GET, such as terminate, acts on it)."""
    from django.test import Client

    client = Client()
    headers = {"Authorization": f"Bearer {home.api_secret}"}
    kwargs = home.kwargs_for()
    # The API's jobs are imports: a handover's job is not one (the pages show it elsewhere).
    kwargs["job_id"] = [str(home.job.uuid)]
    for route in api_routes():
        if not route.kwargs:
            continue
        for url in urls_for(route, kwargs):
            if "GET" in methods_of(route):
                response = client.get(url, headers=headers)
            else:
                response = client.post(url, "{}", content_type="application/json", headers=headers)
            assert response.status_code == 200, (url, response.content[:300])
