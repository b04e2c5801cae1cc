"""Guarantee 5: a GET changes nothing, on any route, for its own tenant.

Every route of the portal is opened with the owning tenant's ids (its Global
admins, provider and reseller side, and anonymously for the public links),
plain and as htmx; the rows of every model, their statuses and timestamps
included, are the same afterwards. Invite links change nothing on GET or HEAD
(mail scanners open them); only the Accept POST does.
"""

import pytest
from django.test import Client
from django.urls import reverse

from partners.models import PartnershipRequest
from portal.models import StaffInvitation
from tests.security.conftest import await_agreement, csrf_client, rows_digest
from tests.security.routes import owner_get_responses

pytestmark = pytest.mark.django_db


def test_no_get_on_any_route_changes_a_row(home):
    # Every action applies to its own tenant: an unaccepted agreement, a grant, an upgrade target.
    await_agreement(home)
    clients = {
        "provider admin": csrf_client(home.provider_admin),
        "reseller admin": csrf_client(home.reseller_admin),
    }
    before, failures, rendered, refused_get = rows_digest(), [], set(), set()
    for route, url, responses in owner_get_responses(home, clients):
        after = rows_digest()
        if after != before:
            changed = [model for model in after if after[model] != before[model]]
            failures.append(f"GET {url} [{route.name}]: changed {changed}")
            before = after
        for label, response in responses:
            if response.status_code >= 500:
                failures.append(f"{label}: server error {response.status_code}")
            if response.status_code in (200, 302):
                rendered.add(route.name)
            if response.status_code == 405:
                refused_get.add(route.name)
    assert not failures, "\n".join(failures)
    # Every page that takes GET was really rendered (not refused), so the check means something.
    assert {
        "customers:customer_detail",
        "customers:customer_row",
        "subscriptions:subscription_detail",
        "subscriptions:support_queue",
        "partners:provider_revoke",
        "partners:partnership_remove",
        "partners:reseller_detail",
        "partners:invite",
        "customers:relationship_request_link",
        "customers:relationship_request_list",
        "customers:relationship_request_new",
        "staff_invite_accept",
        "password_reset_confirm",
        "activity_log",
        "partners:reseller_home",
    } <= rendered
    # The actions take POST only: a GET (a prefetching browser, a crawler) is a 405.
    assert {
        "subscriptions:subscription_upgrade",
        "customers:tenant_owner_grant",
        "customers:tenant_owner_revoke",
        "partners:agreement_reminder",
        "partners:agreement_accept",
        "customers:relationship_request_revoke",
    } <= refused_get - rendered


@pytest.mark.parametrize("signed_in", [False, True])
def test_opening_invite_links_changes_nothing(home, signed_in):
    links = [
        reverse("partners:invite", args=[home.request_token]),
        reverse("staff_invite_accept", args=[home.staff_token]),
        reverse("customers:relationship_request_link", args=[home.relationship_request_token]),
    ]
    client = csrf_client(home.reseller_admin) if signed_in else Client()
    before = rows_digest()
    for link in links:
        for _ in range(2):
            assert client.get(link).status_code < 500
            assert client.head(link).status_code < 500
    assert rows_digest() == before
    assert PartnershipRequest.objects.get(pk=home.partnership_request.pk).status == "pending"
    assert StaffInvitation.objects.get(pk=home.staff_invitation.pk).status == "pending"
    home.relationship_request.refresh_from_db()
    assert home.relationship_request.status == "pending"
