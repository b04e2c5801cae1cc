"""Set a role, deactivate and reactivate members (/users/<uuid>/role|deactivate|reactivate/)."""

import threading

import pytest
from django.db import close_old_connections, connection
from django.urls import reverse

from partners.models import Membership
from portal import services
from portal.models import ActivityEvent
from portal.roles import Role
from tests import factories as f

pytestmark = pytest.mark.django_db


def url(name, user):
    return reverse(name, args=[user.membership.uuid])


def test_it_changes_a_role(provider_client, provider, member_factory):
    member = member_factory(provider, Role.SALES_AGENT)
    response = provider_client.post(url("member_role", member), {"role": Role.ADMIN_AGENT})
    assert response.status_code == 302
    assert Membership.objects.get(user=member).role == Role.ADMIN_AGENT
    event = ActivityEvent.objects.get(verb="membership.role_changed")
    assert event.before == {"role": "sales_agent"} and event.after == {"role": "admin_agent"}


def test_an_unknown_role_changes_nothing(provider_client, provider, member_factory):
    member = member_factory(provider, Role.SALES_AGENT)
    response = provider_client.post(url("member_role", member), {"role": "emperor"}, follow=True)
    assert "Choose one of the roles." in response.content.decode()
    assert Membership.objects.get(user=member).role == Role.SALES_AGENT


def test_it_deactivates_and_reactivates(provider_client, provider, member_factory):
    member = member_factory(provider, Role.SALES_AGENT)
    provider_client.post(url("member_deactivate", member))
    member.refresh_from_db()
    assert member.is_active is False
    provider_client.post(url("member_reactivate", member))
    member.refresh_from_db()
    assert member.is_active is True
    verbs = set(ActivityEvent.objects.values_list("verb", flat=True))
    assert {"user.deactivated", "user.reactivated"} <= verbs


def test_a_deactivated_user_cannot_sign_in(provider_client, provider, member_factory, client):
    member = member_factory(provider, Role.SALES_AGENT, email="gone@contoso.example")
    provider_client.post(url("member_deactivate", member))
    response = client.post(
        reverse("login"), {"username": "gone@contoso.example", "password": "Test-Password-2026"}
    )
    assert response.status_code == 200  # the form again, not a redirect


def test_the_last_global_admin_cannot_demote_themselves(provider_client, provider_admin):
    response = provider_client.post(
        url("member_role", provider_admin), {"role": Role.SALES_AGENT}, follow=True
    )
    assert "You cannot change your own role." in response.content.decode()
    assert Membership.objects.get(user=provider_admin).role == Role.GLOBAL_ADMIN


def test_a_user_management_admin_cannot_deactivate_the_global_admin(
    role_client, provider, provider_admin
):
    client = role_client(Role.USER_ADMIN)
    response = client.post(url("member_deactivate", provider_admin), follow=True)
    assert "Only a Global admin can" in response.content.decode()
    provider_admin.refresh_from_db()
    assert provider_admin.is_active


def test_an_inactive_global_admin_does_not_count(provider_client, provider, provider_admin):
    f.MembershipFactory(organisation=provider, role=Role.GLOBAL_ADMIN, user__is_active=False)
    provider_client.post(url("member_role", provider_admin), {"role": Role.SALES_AGENT})
    assert Membership.objects.get(user=provider_admin).role == Role.GLOBAL_ADMIN


def test_one_of_two_global_admins_can_be_demoted(provider_client, provider, member_factory):
    second = member_factory(provider, Role.GLOBAL_ADMIN)
    provider_client.post(url("member_role", second), {"role": Role.SALES_AGENT})
    assert Membership.objects.get(user=second).role == Role.SALES_AGENT


def test_nobody_deactivates_themselves(provider_client, provider, provider_admin, member_factory):
    member_factory(provider, Role.GLOBAL_ADMIN)
    response = provider_client.post(url("member_deactivate", provider_admin), follow=True)
    assert "You cannot deactivate your own account." in response.content.decode()


@pytest.mark.parametrize(
    ("name", "data"),
    [("member_role", {"role": Role.SALES_AGENT}), ("member_deactivate", {})],
)
def test_a_member_of_another_organisation_is_a_404(
    outsider_client, provider, member_factory, name, data
):
    member = member_factory(provider, Role.ADMIN_AGENT)
    assert outsider_client.post(url(name, member), data).status_code == 404
    member.refresh_from_db()
    assert member.is_active and member.membership.role == Role.ADMIN_AGENT


def test_reactivating_a_member_of_another_organisation_is_a_404(
    outsider_client, provider, member_factory
):
    member = member_factory(provider, Role.ADMIN_AGENT)
    member.is_active = False
    member.save()
    assert outsider_client.post(url("member_reactivate", member)).status_code == 404
    member.refresh_from_db()
    assert not member.is_active


@pytest.mark.parametrize("name", ["member_role", "member_deactivate", "member_reactivate"])
@pytest.mark.parametrize("role", [Role.ADMIN_AGENT, Role.SALES_AGENT])
def test_members_without_the_right_get_403(role_client, provider, member_factory, name, role):
    member = member_factory(provider, Role.SALES_AGENT)
    response = role_client(role).post(url(name, member), {"role": Role.GLOBAL_ADMIN})
    assert response.status_code == 403
    member.refresh_from_db()
    assert member.is_active and member.membership.role == Role.SALES_AGENT


@pytest.mark.parametrize("name", ["member_role", "member_deactivate", "member_reactivate"])
def test_get_is_refused(provider_client, provider, member_factory, name):
    member = member_factory(provider, Role.SALES_AGENT)
    assert provider_client.get(url(name, member)).status_code == 405


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("action", ["demote", "deactivate"])
def test_two_concurrent_requests_cannot_remove_both_global_admins(provider, member_factory, action):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises writers anyway")
    first = member_factory(provider, Role.GLOBAL_ADMIN)
    second = member_factory(provider, Role.GLOBAL_ADMIN)
    barrier = threading.Barrier(2)
    errors = []

    def remove(actor, target):
        try:
            barrier.wait(timeout=5)
            membership = Membership.objects.get(user=target)
            if action == "demote":
                services.member_set_role(
                    org=provider, actor=actor, membership=membership, role=Role.SALES_AGENT
                )
            else:
                services.member_deactivate(org=provider, actor=actor, membership=membership)
        except Exception as exc:
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [
        threading.Thread(target=remove, args=(first, second)),
        threading.Thread(target=remove, args=(second, first)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    active_admins = Membership.objects.filter(
        organisation=provider, role=Role.GLOBAL_ADMIN, user__is_active=True
    ).count()
    assert active_admins == 1
    assert len(errors) == 1
    # The loser is refused either as the last admin or, once demoted, as no Global admin any more.
    assert errors[0].message in {
        "The last active Global admin of an organisation must stay one.",
        "Only a Global admin can give, change or take away the Global admin role.",
    }
