import re

import pytest
from django.core import mail
from django.urls import reverse

from portal.models import ActivityEvent, OutboundEmail, StaffInvitation
from portal.roles import Role
from portal.tokens import hash_token
from tests import factories as f

pytestmark = pytest.mark.django_db
URL = reverse("user_invite")


def invite(client, email="Newbie@Contoso.example", role=Role.ADMIN_AGENT):
    return client.post(URL, {"email": email, "role": role})


def test_it_emails_a_one_time_link_through_the_outbox(
    provider_client, provider, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(provider_client)
    assert response.status_code == 302
    invitation = StaffInvitation.objects.get()
    assert invitation.organisation == provider
    assert invitation.email == "newbie@contoso.example"
    assert invitation.role == Role.ADMIN_AGENT
    outbox_row = OutboundEmail.objects.get(kind="staff-invite")
    assert outbox_row.status == "sent" and outbox_row.to == "newbie@contoso.example"
    assert len(mail.outbox) == 1
    token = re.search(r"/join/([^/\s]+)/", mail.outbox[0].body).group(1)
    assert len(token) >= 43  # 32 random bytes, url-safe base64
    assert invitation.token_hash == hash_token(token)
    assert token not in invitation.token_hash
    assert ActivityEvent.objects.filter(
        verb="staff_invitation.sent", organisation=provider
    ).exists()


def test_it_expires_in_seven_days(provider_client):
    invite(provider_client)
    invitation = StaffInvitation.objects.get()
    lifetime = (invitation.expires_at - invitation.created_at).total_seconds()
    assert lifetime == pytest.approx(7 * 86400, abs=5)


def test_a_second_invite_replaces_the_pending_one(provider_client):
    invite(provider_client)
    invite(provider_client)
    statuses = sorted(StaffInvitation.objects.values_list("status", flat=True))
    assert statuses == ["pending", "revoked"]


def test_it_does_not_tell_whether_an_address_belongs_to_another_organisation(
    provider_client, other_provider, member_factory, client
):
    """The outcome is the same as for any address; the person cannot join a second one."""
    member_factory(other_provider, email="taken@foreign.example")
    taken = invite(provider_client, email="TAKEN@foreign.example")
    fresh = invite(provider_client, email="fresh@foreign.example")
    assert taken.status_code == fresh.status_code == 302
    messages = [m.message for m in provider_client.get(taken.url).context["messages"]]
    assert "Invitation sent to taken@foreign.example." in messages
    assert StaffInvitation.objects.count() == 2


def test_a_member_of_this_organisation_is_not_invited_again(
    provider_client, provider, member_factory
):
    member_factory(provider, email="colleague@contoso.example")
    response = invite(provider_client, email="colleague@contoso.example")
    assert response.status_code == 200
    assert "already a member of your organisation" in response.content.decode()
    assert not StaffInvitation.objects.exists()


def test_it_shows_form_errors(provider_client):
    response = provider_client.post(URL, {"email": "not-an-email", "role": "emperor"})
    assert response.status_code == 200
    assert not StaffInvitation.objects.exists()


@pytest.mark.parametrize("role", [Role.ADMIN_AGENT, Role.SALES_AGENT])
def test_it_refuses_members_without_the_right(role_client, role):
    assert invite(role_client(role)).status_code == 403
    assert not StaffInvitation.objects.exists()


def test_revoking_kills_the_link(provider_client, provider):
    invitation = f.StaffInvitationFactory(organisation=provider)
    response = provider_client.post(
        reverse("staff_invite_revoke", args=[invitation.uuid]), follow=True
    )
    assert "was revoked" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.status == "revoked"
    assert ActivityEvent.objects.filter(verb="staff_invitation.revoked").exists()


def test_revoking_a_foreign_invitation_is_a_404(outsider_client, provider):
    invitation = f.StaffInvitationFactory(organisation=provider)
    url = reverse("staff_invite_revoke", args=[invitation.uuid])
    assert outsider_client.post(url).status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == "pending"


def test_revoking_needs_post(provider_client, provider):
    invitation = f.StaffInvitationFactory(organisation=provider)
    url = reverse("staff_invite_revoke", args=[invitation.uuid])
    assert provider_client.get(url).status_code == 405
