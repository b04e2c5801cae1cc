import secrets
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from partners.models import Membership
from portal.models import ActivityEvent, StaffInvitation, User
from portal.roles import Role
from portal.tokens import hash_token
from tests import factories as f

pytestmark = pytest.mark.django_db

NEW_ACCOUNT = {
    "first_name": "Mei",
    "last_name": "Tanaka",
    "password1": "A-long-new-passphrase-42",
    "password2": "A-long-new-passphrase-42",
}


@pytest.fixture
def invitation_link(provider, provider_admin):
    """An invitation of ``provider`` for mei@contoso.example, and its link."""
    token = secrets.token_urlsafe(32)
    invitation = f.StaffInvitationFactory(
        organisation=provider,
        email="mei@contoso.example",
        role=Role.ADMIN_AGENT,
        token_hash=hash_token(token),
        invited_by=provider_admin,
    )
    return invitation, reverse("staff_invite_accept", args=[token])


def test_a_new_person_sets_name_and_password_and_becomes_a_member(client, invitation_link):
    invitation, url = invitation_link
    response = client.post(url, NEW_ACCOUNT)
    assert response.status_code == 302
    user = User.objects.get(email="mei@contoso.example")
    assert user.first_name == "Mei" and user.check_password(NEW_ACCOUNT["password1"])
    membership = Membership.objects.get(user=user)
    assert membership.organisation == invitation.organisation
    assert membership.role == Role.ADMIN_AGENT
    invitation.refresh_from_db()
    assert invitation.status == "accepted" and invitation.accepted_by == user
    assert ActivityEvent.objects.filter(verb="staff_invitation.accepted", actor=user).exists()
    assert client.get(reverse("profile")).status_code == 200  # signed in


def test_the_link_works_once(client, invitation_link):
    _, url = invitation_link
    client.post(url, NEW_ACCOUNT)
    other = Client()
    response = other.post(url, NEW_ACCOUNT)
    assert response.status_code == 404
    assert "not valid" in response.content.decode()


def test_get_and_head_change_nothing(client, invitation_link):
    invitation, url = invitation_link
    response = client.get(url)
    assert response.status_code == 200
    assert "Join Contoso Test Distribution" in response.content.decode()
    assert client.head(url).status_code == 200
    invitation.refresh_from_db()
    assert invitation.status == "pending"
    assert not User.objects.filter(email="mei@contoso.example").exists()


def test_the_page_is_not_cached(client, invitation_link):
    _, url = invitation_link
    response = client.get(url)
    assert "no-store" in response["Cache-Control"]
    assert 'hx-history="false"' in response.content.decode()


@pytest.mark.parametrize(
    "spoil",
    [
        {"status": StaffInvitation.Status.REVOKED},
        {"status": StaffInvitation.Status.ACCEPTED},
        {"expires_at": timezone.now() - timedelta(seconds=1)},
    ],
    ids=["revoked", "used", "expired"],
)
def test_an_unusable_link_gets_a_clear_page(client, invitation_link, spoil):
    invitation, url = invitation_link
    StaffInvitation.objects.filter(pk=invitation.pk).update(**spoil)
    for response in (client.get(url), client.post(url, NEW_ACCOUNT)):
        assert response.status_code == 404
        assert "Invitation not valid" in response.content.decode()
    assert not User.objects.filter(email="mei@contoso.example").exists()


@pytest.mark.parametrize("token", ["tampered", "x" * 500, "%00"])
def test_a_tampered_token_gets_a_clear_page(client, invitation_link, token):
    response = client.get(f"/join/{token}/")
    assert response.status_code == 404


def test_a_signed_in_user_of_another_address_is_asked_to_sign_out(
    client_for, invitation_link, other_provider, member_factory
):
    invitation, url = invitation_link
    stranger = member_factory(other_provider, email="stranger@foreign.example")
    client = client_for(stranger)
    response = client.get(url)
    assert response.status_code == 403
    assert "Sign out first" in response.content.decode()
    assert client.post(url, NEW_ACCOUNT).status_code == 403
    invitation.refresh_from_db()
    assert invitation.status == "pending"
    assert Membership.objects.get(user=stranger).organisation == other_provider


def test_a_signed_in_user_with_the_invited_address_in_any_case_joins(client_for, invitation_link):
    invitation, url = invitation_link
    user = f.UserFactory(email="MEI@Contoso.example")
    response = client_for(user).post(url)
    assert response.status_code == 302
    assert Membership.objects.get(user=user).organisation == invitation.organisation


def test_an_existing_account_must_sign_in_first(client, invitation_link):
    invitation, url = invitation_link
    f.UserFactory(email="mei@contoso.example")
    response = client.get(url)
    assert "Sign in with it to accept" in response.content.decode()
    client.post(url, NEW_ACCOUNT)
    invitation.refresh_from_db()
    assert invitation.status == "pending"


def test_a_member_of_another_organisation_cannot_join_a_second_one(
    client_for, invitation_link, other_provider, member_factory
):
    invitation, url = invitation_link
    user = member_factory(other_provider, email="mei@contoso.example")
    response = client_for(user).post(url)
    assert response.status_code == 400
    assert "already belong to an organisation" in response.content.decode()
    assert Membership.objects.get(user=user).organisation == other_provider


def test_a_weak_or_mismatched_password_is_a_form_error(client, invitation_link):
    _, url = invitation_link
    response = client.post(url, {**NEW_ACCOUNT, "password1": "123", "password2": "123"})
    assert response.status_code == 400
    assert not User.objects.filter(email="mei@contoso.example").exists()
    response = client.post(url, {**NEW_ACCOUNT, "password2": "something-else-entirely"})
    assert "The two passwords differ." in response.content.decode()


def test_it_speaks_japanese(client, invitation_link):
    _, url = invitation_link
    client.cookies["django_language"] = "ja"
    assert "招待を承諾して参加" in client.get(url).content.decode()
