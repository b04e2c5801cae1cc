"""Security guarantees of the Users, invitation, activity and password screens."""

import secrets

import pytest
from django.test import Client
from django.urls import reverse

from partners.models import Membership
from portal.models import ActivityEvent, OutboundEmail, StaffInvitation, User
from portal.roles import Role
from portal.tokens import hash_token
from tests import factories as f

pytestmark = pytest.mark.django_db

HOSTILE_FIRST = "<script>alert(1)</script>"
HOSTILE_LAST = '" hx-get="/evil" x="'


@pytest.fixture
def world(provider, provider_admin, member_factory):
    """A member, a pending invitation with a known token, an activity event."""
    member = member_factory(provider, Role.SALES_AGENT, email="ana@contoso.example")
    token = secrets.token_urlsafe(32)
    invitation = f.StaffInvitationFactory(
        organisation=provider, token_hash=hash_token(token), invited_by=provider_admin
    )
    f.ActivityEventFactory(organisation=provider, actor=provider_admin)
    return {"member": member, "invitation": invitation, "token": token}


def post_routes(world):
    membership, invitation = world["member"].membership, world["invitation"]
    return [
        (reverse("user_invite"), {"email": "x@contoso.example", "role": "sales_agent"}),
        (reverse("member_role", args=[membership.uuid]), {"role": "admin_agent"}),
        (reverse("member_deactivate", args=[membership.uuid]), {}),
        (reverse("member_reactivate", args=[membership.uuid]), {}),
        (reverse("staff_invite_revoke", args=[invitation.uuid]), {}),
        (reverse("password_change"), {"old_password": "x"}),
        (reverse("password_reset"), {"email": "ana@contoso.example"}),
    ]


def snapshot():
    """Every row of the tables these screens write."""
    return [
        list(model.objects.order_by("pk").values())
        for model in (User, Membership, StaffInvitation, ActivityEvent, OutboundEmail)
    ]


def test_a_post_without_csrf_token_is_refused(world, provider_admin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(provider_admin)
    before = snapshot()
    for url, data in post_routes(world):
        assert client.post(url, data).status_code == 403, url
    accept = reverse("staff_invite_accept", args=[world["token"]])
    assert Client(enforce_csrf_checks=True).post(accept, {}).status_code == 403
    assert snapshot() == before


def test_get_changes_nothing_on_any_route(world, provider_client):
    before = snapshot()
    membership = world["member"].membership
    urls = [url for url, _ in post_routes(world)] + [
        reverse("user_list"),
        reverse("activity_log"),
        reverse("profile"),
        reverse("password_reset_done"),
        reverse("password_reset_complete"),
        reverse("password_reset_confirm", args=["MQ", "bad-token"]),
    ]
    for url in urls:
        assert provider_client.get(url).status_code in (200, 302, 405), url
    accept = reverse("staff_invite_accept", args=[world["token"]])
    for client in (Client(), provider_client):
        client.get(accept)
        client.head(accept)
    assert snapshot() == before
    assert Membership.objects.get(pk=membership.pk).role == Role.SALES_AGENT


@pytest.mark.parametrize("name", ["user_list", "activity_log"])
def test_fragment_or_page_urls_vary_on_hx_request(provider_client, name):
    for headers in ({}, {"HX-Request": "true"}):
        response = provider_client.get(reverse(name), headers=headers)
        assert "HX-Request" in response["Vary"]


def _assert_escaped(html):
    assert HOSTILE_FIRST not in html
    assert 'hx-get="/evil"' not in html
    assert "&lt;script&gt;" in html


def test_hostile_names_are_escaped_on_pages_fragments_and_mail(
    world, provider, provider_client, provider_admin, django_capture_on_commit_callbacks
):
    for user in (world["member"], provider_admin):
        user.first_name, user.last_name = HOSTILE_FIRST, HOSTILE_LAST
        user.save()
    provider.legal_name = HOSTILE_FIRST
    provider.save()
    f.ActivityEventFactory(organisation=provider, actor=provider_admin, object_repr=HOSTILE_FIRST)
    for url in (reverse("user_list"), reverse("activity_log")):
        _assert_escaped(provider_client.get(url).content.decode())
        _assert_escaped(provider_client.get(url, headers={"HX-Request": "true"}).content.decode())
    _assert_escaped(
        Client().get(reverse("staff_invite_accept", args=[world["token"]])).content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        provider_client.post(
            reverse("user_invite"), {"email": "new@contoso.example", "role": "sales_agent"}
        )
    _assert_escaped(OutboundEmail.objects.get(kind="staff-invite").body_html)


def test_secret_pages_are_not_stored(world):
    response = Client().get(reverse("staff_invite_accept", args=[world["token"]]))
    assert "no-store" in response["Cache-Control"]
    response = Client().get(reverse("password_reset_confirm", args=["MQ", "set-password"]))
    assert "no-store" in response["Cache-Control"] or "private" in response["Cache-Control"]


def test_the_invitation_token_never_shows_in_pages_or_the_activity_log(
    provider_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = provider_client.post(
            reverse("user_invite"),
            {"email": "new@contoso.example", "role": "sales_agent"},
            follow=True,
        )
    body = OutboundEmail.objects.get(kind="staff-invite").body_text
    token = body.split("/join/", 1)[1].split("/", 1)[0]
    assert token not in response.content.decode()
    assert token not in provider_client.get(reverse("user_list")).content.decode()
    assert token not in str(list(ActivityEvent.objects.values()))
