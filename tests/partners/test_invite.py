"""The invite link's page: names the provider, explains authorising, changes nothing."""

from datetime import timedelta
from urllib.parse import quote

import pytest
from django.utils import timezone

from partners.models import Partnership, PartnershipRequest
from portal.models import ActivityEvent
from portal.roles import Role
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_a_visitor_sees_the_provider_and_can_sign_in_or_enrol(client, invite_path, provider):
    html = client.get(invite_path).content.decode()
    assert provider.display_name in html and provider.directory_regions in html
    assert "place orders for your customers and hold admin rights" in html
    assert f'href="/accounts/login/?next={quote(invite_path, safe="")}"' in html
    assert "Enrol as an indirect reseller" in html and 'name="partner_id"' in html
    assert "csrfmiddlewaretoken" in html


@pytest.mark.parametrize("method", ["get", "head"])
def test_opening_the_link_changes_nothing(client, invite_path, method):
    events = ActivityEvent.objects.count()
    response = getattr(client, method)(invite_path)
    assert response.status_code == 200
    assert PartnershipRequest.objects.get().status == "pending"
    assert not Partnership.objects.exists() and ActivityEvent.objects.count() == events


@pytest.mark.parametrize(
    "token", ["unknown-token-of-good-shape-AAAAAAAAAAAAAAAAAA", "short", "bad!chars%20here....."]
)
def test_an_unknown_or_malformed_token_is_a_clear_404(client, token):
    response = client.get(f"/invite/{token}/")
    assert response.status_code == 404
    assert "This invite link is not valid" in response.content.decode()


def test_a_tampered_token_is_a_404(client, prepared):
    tampered = prepared.token[:-1] + ("A" if prepared.token[-1] != "A" else "B")
    assert client.get(f"/invite/{tampered}/").status_code == 404


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"status": "accepted"}, "already been used"),
        ({"status": "revoked"}, "withdrawn"),
        ({"status": "expired"}, "expired"),
        ({"expires_at": timezone.now() - timedelta(seconds=1)}, "expired"),
    ],
    ids=["used", "revoked", "expired", "past-expiry"],
)
def test_an_unusable_link_is_a_clear_410(client, prepared, invite_path, change, reason):
    PartnershipRequest.objects.update(**change)
    response = client.get(invite_path)
    assert response.status_code == 410
    assert reason in response.content.decode()


def test_a_provider_user_cannot_accept(provider_client, outsider_client, invite_path):
    for some_client in (provider_client, outsider_client):
        response = some_client.get(invite_path)
        assert response.status_code == 403
        html = response.content.decode()
        assert "cannot accept" in html and "Authorize indirect provider</button>" not in html


def test_a_reseller_admin_sees_the_consent_and_the_authorize_button(
    client_for, member_factory, invite_path
):
    user = member_factory(f.ResellerFactory(), Role.ADMIN_AGENT)
    html = client_for(user).get(invite_path).content.decode()
    assert 'name="consent"' in html and "Authorize indirect provider</button>" in html


def test_a_reseller_member_without_the_right_is_told_who_can(
    client_for, member_factory, invite_path
):
    user = member_factory(f.ResellerFactory(), Role.SALES_AGENT)
    html = client_for(user).get(invite_path).content.decode()
    assert "Only a Global admin or an Admin agent" in html
    assert 'name="consent"' not in html


def test_an_already_partnered_reseller_is_told_so(reseller_client, invite_path):
    html = reseller_client.get(invite_path).content.decode()
    assert "already authorised" in html and 'name="consent"' not in html


def test_it_speaks_japanese(client, invite_path, japanese, client_for, member_factory):
    html = japanese(client).get(invite_path).content.decode()
    assert "間接リセラーとして登録" in html
    user_client = japanese(client_for(member_factory(f.ResellerFactory(), Role.GLOBAL_ADMIN)))
    assert "間接プロバイダーを承認する" in user_client.get(invite_path).content.decode()
