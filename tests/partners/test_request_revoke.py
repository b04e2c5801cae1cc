"""Revoke: the request's link stops working for good."""

import pytest
from django.urls import reverse

from partners.models import PartnershipRequest
from portal.models import ActivityEvent
from portal.roles import Role

pytestmark = pytest.mark.django_db


def _revoke(client, partnership_request):
    return client.post(reverse("partners:request_revoke", args=[partnership_request.uuid]))


def test_it_invalidates_the_link(provider_client, prepared, invite_path, client):
    response = _revoke(provider_client, prepared.partnership_request)
    assert response.status_code == 302
    partnership_request = PartnershipRequest.objects.get()
    assert partnership_request.status == "revoked" and partnership_request.revoked_at
    page = client.get(invite_path)
    assert page.status_code == 410 and "withdrawn" in page.content.decode()
    assert ActivityEvent.objects.filter(verb="partnership_request.revoked").count() == 1
    table = provider_client.get(response.url, headers={"HX-Request": "true"}).content.decode()
    assert "new.reseller@example.test" not in table


def test_the_address_can_be_invited_again(provider_client, prepared):
    _revoke(provider_client, prepared.partnership_request)
    provider_client.post(reverse("partners:request_new"), {"email": "new.reseller@example.test"})
    assert PartnershipRequest.objects.filter(status="pending").count() == 1


def test_a_foreign_request_is_a_404(outsider_client, prepared):
    assert _revoke(outsider_client, prepared.partnership_request).status_code == 404
    assert PartnershipRequest.objects.get().status == "pending"


def test_a_user_management_admin_gets_403(role_client, prepared):
    assert _revoke(role_client(Role.USER_ADMIN), prepared.partnership_request).status_code == 403


def test_it_refuses_a_get(provider_client, prepared):
    url = reverse("partners:request_revoke", args=[prepared.partnership_request.uuid])
    assert provider_client.get(url).status_code == 405
