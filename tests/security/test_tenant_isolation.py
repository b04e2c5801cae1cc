"""Guarantee 1: no tenant reaches another's objects, on any URL of the project.

Every URL pattern is taken from the resolver. A pattern naming an object is
requested with the other tenant's ids as a Global admin of an outsider
organisation (GET, POST with a valid CSRF token, and GET as htmx): each answers
exactly what an id that does not exist answers (404, or 405 for a method the
page does not take), shows none of the other tenant's names and writes no row.
A pattern without an object in its path gets the foreign ids in the query
string and the form data instead.
"""

import pytest
from django.urls import reverse

from tests.security.conftest import (
    all_routes,
    await_agreement,
    build_world,
    csrf_client,
    row_counts,
)
from tests.security.routes import (
    EXEMPT,
    OBJECT_KWARGS,
    SKIPPED_PREFIXES,
    body_of,
    is_skipped,
    is_walked,
    unknown_url,
    urls_for,
    walked_routes,
)

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


class Walk:
    """Requests one tenant's URLs as an outsider and collects every breach found."""

    methods = (("get", None), ("post", None), ("get", HTMX))

    def __init__(self, client, target, markers):
        self.client, self.target, self.markers = client, target, markers
        self.failures, self.requests = [], 0

    def request(self, method, url, *, data=None, headers=None):
        before = row_counts()
        if method == "get":
            response = self.client.get(url, data, headers=headers or {})
        else:
            response = self.client.post(url, data or {}, headers=headers or {})
        self.requests += 1
        body = body_of(response)
        label = f"{method.upper()}{' (htmx)' if headers else ''} {url}"
        after = row_counts()
        if after != before:
            changed = {k: after[k] - before[k] for k in after if after[k] != before[k]}
            self.failures.append(f"{label}: wrote rows {changed}")
        leaked = [marker for marker in self.markers if marker in body]
        if leaked:
            self.failures.append(f"{label}: shows the other tenant's {leaked}")
        if response.status_code >= 500:
            self.failures.append(f"{label}: server error {response.status_code}")
        return response.status_code

    def object_route(self, route):
        foreign_ids = self.target.kwargs_for()
        reached_lookup = False
        unknown = unknown_url(route)
        expected_for = {
            (method, bool(headers)): self.request(method, unknown, headers=headers)
            for method, headers in self.methods
        }
        for url in urls_for(route, foreign_ids):
            for method, headers in self.methods:
                status = self.request(method, url, headers=headers)
                expected = expected_for[method, bool(headers)]
                if status != expected or status not in (404, 405):
                    self.failures.append(
                        f"{method.upper()}{' (htmx)' if headers else ''} {url} [{route.name}]: "
                        f"answered {status}, an unknown id answers {expected}; expected 404"
                    )
                reached_lookup |= status == 404
        if not reached_lookup:
            self.failures.append(f"{route}: no method answered 404 (object lookup not reached)")

    def plain_route(self, route):
        url = reverse(route.name)
        foreign = self.target.query_ids()
        for method, headers in self.methods:
            self.request(method, url, data=foreign, headers=headers)


def outsiders(home, away):
    """(description, user, markers of ``home`` that user must never see)."""
    sibling = build_world("Siblingham")
    sibling_reseller = sibling.reseller
    from tests import factories as f

    # A reseller of the same provider, without delegated admin on home's customer.
    f.PartnershipFactory(provider=home.provider, reseller=sibling_reseller)
    reseller_markers = [m for m in home.markers if m != home.partnership_request.email]
    return {
        "provider of another tenant": (away.provider_admin, home.markers),
        "reseller of another provider": (away.reseller_admin, home.markers),
        "another reseller of the same provider": (sibling.reseller_admin, reseller_markers),
    }


@pytest.mark.parametrize(
    "outsider",
    [
        "provider of another tenant",
        "reseller of another provider",
        "another reseller of the same provider",
    ],
)
def test_an_outsider_reaches_no_object_on_any_url(home, away, outsider, record_property):
    user, markers = outsiders(home, away)[outsider]
    # The agreement reminder would send mail if its lookup let the outsider through.
    await_agreement(home)
    walk = Walk(csrf_client(user), home, markers)
    routes = walked_routes()
    for route in routes:
        if route.kwargs:
            walk.object_route(route)
        else:
            walk.plain_route(route)
    record_property("walked_patterns", len(routes))
    record_property("requests", walk.requests)
    print(f"\nisolation walk as {outsider}: {len(routes)} URL patterns, {walk.requests} requests")
    assert not walk.failures, "\n".join(walk.failures)


def test_every_url_pattern_is_walked_or_exempt_with_a_reason():
    routes = all_routes()
    uncovered = [
        str(route)
        for route in routes
        if not is_skipped(route) and not is_walked(route) and route.name not in EXEMPT
    ]
    assert not uncovered, (
        "URL patterns the isolation walk does not cover; map their kwargs in "
        f"OBJECT_KWARGS or exempt them with a reason: {uncovered}"
    )
    names = {route.name for route in routes}
    stale = [name for name in EXEMPT if name not in names and name != "dev_mailbox"]
    assert not stale, f"Exemptions for URL names that no longer exist: {stale}"
    assert all(EXEMPT.values()) and all(SKIPPED_PREFIXES.values())


def test_the_walk_covers_the_pages_that_name_objects(home):
    walked = {route.name for route in walked_routes()}
    with_objects = {route.name for route in walked_routes() if route.kwargs}
    assert set(home.kwargs_for()) == OBJECT_KWARGS
    assert "customers:customer_detail" in with_objects
    assert "subscriptions:subscription_quantity" in with_objects
    assert "customers:customer_list" in walked
    assert {
        "subscriptions:subscription_upgrade",
        "subscriptions:subscription_auto_renew",
        "subscriptions:subscription_scheduled_change",
        "subscriptions:subscription_scheduled_change_cancel",
        "customers:tenant_owner_grant",
        "customers:tenant_owner_revoke",
        "partners:agreement_reminder",
        "partners:reseller_detail",
    } <= with_objects
    assert "partners:agreement_accept" in walked
    assert len(walked) >= 35, sorted(walked)


def test_the_csrf_token_of_the_walk_is_accepted_and_its_absence_refused(home):
    """A 404 of the walk is the object lookup's, not a CSRF failure in disguise."""
    client = csrf_client(home.provider_admin)
    response = client.post(reverse("customers:customer_new_cancel"))
    assert response.status_code == 302
    client.defaults.pop("HTTP_X_CSRFTOKEN")
    assert client.post(reverse("customers:customer_new_cancel")).status_code == 403
