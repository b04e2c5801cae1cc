"""Which URL patterns the isolation walk requests, and why the others are left out.

A pattern is walked when every kwarg of its route names a tenant object the
walk can fill with a foreign id (``OBJECT_KWARGS``), or when it has no kwarg at
all (then the foreign ids go into the query string and the form data). Any
other pattern must be listed in ``EXEMPT`` with the reason; a meta-test fails
for a pattern that is neither, so a new page cannot skip the walk.
"""

import itertools
import uuid

from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from partners.services import seal_enrolment
from tests.security.conftest import Route, all_routes

# Prefixes of URL trees that are not the portal's tenant screens.
SKIPPED_PREFIXES = {
    "admin/": "Django admin: platform operators (is_staff), not tenant members.",
    "i18n/": "Language switch: stores the visitor's language, touches no tenant data.",
    "static/": "Static files.",
    "api/v1/": "The JSON API: keys, not sessions; walked by tests/security/test_api_isolation.py.",
}

EXEMPT = {
    "login": "Public sign-in page (design: Sign in).",
    "logout": "Ends the requester's own session; names no object.",
    "password_reset": "Public: anyone may ask for a reset link by email (design: Password reset).",
    "password_reset_done": "Public confirmation page of the reset request.",
    "password_reset_confirm": "Public: the signed uid/token in the link is the credential.",
    "password_reset_complete": "Public confirmation page after a reset.",
    "partners:invite": "Public invite link: the token is the capability (design: Invite link).",
    "partners:invite_accept": "The invite link's Accept: the token is the capability.",
    "partners:invite_enrol": "The invite link's enrolment for visitors: the token is the capability.",
    "partners:invite_enrol_confirm": (
        "The enrolment link mailed to the enrolling address: the invite token and the "
        "sealed confirmation are the capability."
    ),
    "partners:directory": "Public Indirect provider directory (design: Directory, anonymous).",
    "partners:agreement": "Public text of the partner agreement, read before enrolling.",
    "partners:agreement_version": (
        "Public text of a published partner agreement version: the same for everyone."
    ),
    "staff_invite_accept": "Staff invitation link: the token is the capability (design: Users).",
    "dev_mailbox": "Only routed with DEBUG on; answers 404 otherwise.",
    "relationships:approve": "Public admin relationship approval link: the token is the capability.",
    "relationships:customer_terminate": (
        "Public termination link of the approval confirmation: the token is the capability."
    ),
    "customers:relationship_request_link": (
        "Public reseller relationship request link (the company's accept page): "
        "the token is the capability."
    ),
}

# URL kwarg names that hold a tenant object's id.
OBJECT_KWARGS = {
    "request_id",
    "partnership_id",
    "customer_id",
    "organisation_id",
    "subscription_id",
    "invitation_uuid",
    "membership_uuid",
    "tier_id",
    "reseller_id",
    "statement_id",
    "job_id",
    "api_key_id",
    "webhook_id",
    "delivery_id",
    "relationship_id",
    "group_id",
    "template_id",
    "relationship_request_id",
    "handover_id",
}


def is_skipped(route: Route) -> bool:
    return any(route.route.startswith(prefix) for prefix in SKIPPED_PREFIXES)


def is_walked(route: Route) -> bool:
    return (
        not is_skipped(route)
        and route.name not in EXEMPT
        and all(kwarg in OBJECT_KWARGS for kwarg in route.kwargs)
    )


def walked_routes() -> list[Route]:
    return [route for route in all_routes() if is_walked(route)]


def public_token_routes() -> list[Route]:
    return [route for route in all_routes() if route.name in EXEMPT and "token" in route.kwargs]


def own_urls(route: Route, world) -> list[str]:
    """The route's URLs filled with ``world``'s own ids and valid tokens."""
    if route.name == "password_reset_confirm":
        user = world.member
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        return [reverse(route.name, args=[uid, default_token_generator.make_token(user)])]
    if route.name == "partners:invite_enrol_confirm":
        enrolment = {
            "company_name": "Enrolling KK",
            "partner_id": "8800001",
            "location_partner_id": "8800002",
            "country": "JP",
            "first_name": "Aiko",
            "last_name": "Sato",
            "email": "new-admin@reseller.example",
            "password_hash": make_password("a-Long-and-unusual-passphrase-42"),
        }
        confirmation = seal_enrolment(world.request_token, enrolment)
        return [reverse(route.name, args=[world.request_token, confirmation])]
    if route.name == "partners:agreement_version":
        from partners.agreement import CURRENT

        return [reverse(route.name, args=[CURRENT.version])]
    if "token" in route.kwargs:
        token = {
            "staff_invite_accept": world.staff_token,
            "relationships:approve": world.approval_token,
            "relationships:customer_terminate": world.termination_token,
            "customers:relationship_request_link": world.relationship_request_token,
        }.get(route.name, world.request_token)
        return [reverse(route.name, kwargs={"token": token})]
    return urls_for(route, world.kwargs_for())


def requestable_routes() -> list[Route]:
    """Every route of the portal itself: walked ones and the public ones."""
    return [
        route for route in all_routes() if not is_skipped(route) and route.name != "dev_mailbox"
    ]


def body_of(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def urls_for(route, ids: dict[str, list[str]]) -> list[str]:
    """The route's URL for each combination of the given ids of its kwargs."""
    if not route.kwargs:
        return [reverse(route.name)]
    choices = [ids[kwarg] for kwarg in route.kwargs]
    return [
        reverse(route.name, kwargs=dict(zip(route.kwargs, combo, strict=True)))
        for combo in itertools.product(*choices)
    ]


def unknown_url(route) -> str:
    return reverse(route.name, kwargs={kwarg: str(uuid.uuid4()) for kwarg in route.kwargs})


def owner_get_responses(world, clients: dict):
    """GET (plain and htmx) every route of the portal with ``world``'s own ids.

    ``clients`` maps a label to a client; public token routes are also opened
    anonymously. Yields ``(route, url, [(label, response), ...])`` per URL.
    """
    from django.test import Client

    for route in requestable_routes():
        chosen = dict(clients)
        if route.name in EXEMPT:
            chosen["anonymous"] = Client()
        for url in own_urls(route, world):
            responses = []
            for who, client in chosen.items():
                for headers in ({}, {"HX-Request": "true"}):
                    label = f"GET{' (htmx)' if headers else ''} {url} as {who}"
                    responses.append((label, client.get(url, headers=headers)))
            yield route, url, responses
