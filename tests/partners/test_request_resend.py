"""Resend: a new token replaces the old one, the expiry is renewed, the email goes again."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from partners.models import PartnershipRequest
from portal.models import ActivityEvent, OutboundEmail
from portal.roles import Role

pytestmark = pytest.mark.django_db


def _resend(client, partnership_request):
    return client.post(reverse("partners:request_resend", args=[partnership_request.uuid]))


def test_it_issues_a_new_link_and_the_old_one_stops_working(
    provider_client, prepared, invite_path, client, django_capture_on_commit_callbacks
):
    PartnershipRequest.objects.update(expires_at=timezone.now() + timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        response = _resend(provider_client, prepared.partnership_request)
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new.reseller@example.test"]
    new_token = re.search(r"/invite/([A-Za-z0-9_-]+)/", mail.outbox[0].body).group(1)
    assert new_token != prepared.token
    assert client.get(invite_path).status_code == 404
    assert client.get(f"/invite/{new_token}/").status_code == 200
    partnership_request = PartnershipRequest.objects.get()
    assert partnership_request.expires_at > timezone.now() + timedelta(days=29)
    assert partnership_request.sent_at is not None
    assert ActivityEvent.objects.filter(verb="partnership_request.resent").count() == 1


def test_it_renews_an_expired_request(
    provider_client, prepared, django_capture_on_commit_callbacks
):
    PartnershipRequest.objects.update(expires_at=timezone.now() - timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        _resend(provider_client, prepared.partnership_request)
    assert PartnershipRequest.objects.get().effective_status == "pending"
    assert OutboundEmail.objects.count() == 1


def test_a_revoked_request_cannot_be_resent(provider_client, prepared):
    PartnershipRequest.objects.update(status="revoked")
    response = _resend(provider_client, prepared.partnership_request)
    assert "Only a pending or expired request" in provider_client.get(response.url).content.decode()
    assert not OutboundEmail.objects.exists()


def test_a_foreign_request_is_a_404(outsider_client, prepared):
    assert _resend(outsider_client, prepared.partnership_request).status_code == 404


def test_a_user_management_admin_gets_403(role_client, prepared):
    assert _resend(role_client(Role.USER_ADMIN), prepared.partnership_request).status_code == 403


def test_it_refuses_a_get(provider_client, prepared):
    url = reverse("partners:request_resend", args=[prepared.partnership_request.uuid])
    assert provider_client.get(url).status_code == 405
