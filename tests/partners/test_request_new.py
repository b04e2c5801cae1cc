"""Request a partnership, step one: entering the address prepares the request and its link."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from partners.models import PartnershipRequest
from portal.models import ActivityEvent
from portal.roles import Role
from portal.tokens import hash_token
from tests import factories as f

pytestmark = pytest.mark.django_db
URL = reverse("partners:request_new")


def _prepare(client, email="New.Reseller@Example.test ", **headers):
    return client.post(URL, {"email": email}, headers=headers)


def _link(html):
    return re.search(r"http://[^\s<\"]+/invite/([A-Za-z0-9_-]+)/", html)


def test_it_shows_the_address_field(provider_client):
    html = provider_client.get(URL).content.decode()
    assert 'name="email"' in html and "csrfmiddlewaretoken" in html


def test_it_prepares_a_pending_request_whose_draft_holds_a_working_link(provider_client, client):
    html = _prepare(provider_client).content.decode()
    partnership_request = PartnershipRequest.objects.get()
    assert partnership_request.email == "new.reseller@example.test"
    assert partnership_request.status == "pending" and partnership_request.sent_at is None
    assert partnership_request.expires_at > timezone.now() + timedelta(days=29)
    token = _link(html).group(1)
    assert len(token) >= 43  # 32 random bytes: 256 bits
    assert partnership_request.token_hash == hash_token(token)
    assert token not in partnership_request.message  # only the hash is stored
    assert client.get(f"/invite/{token}/").status_code == 200
    for label in ("Send", "Open in email", "Copy to clipboard", "Done"):
        assert label in html
    assert 'href="mailto:new.reseller@example.test?subject=' in html
    assert ActivityEvent.objects.filter(verb="partnership_request.created").count() == 1


def test_an_htmx_request_gets_only_the_draft_panel(provider_client):
    html = _prepare(provider_client, HX_Request="true").content.decode()
    assert html.lstrip().startswith('<section id="request-panel"')


def test_it_honours_the_configured_lifetime(provider_client, settings):
    settings.PARTNERSHIP_INVITE_TTL_DAYS = 3
    _prepare(provider_client)
    expires_at = PartnershipRequest.objects.get().expires_at
    assert timezone.now() + timedelta(days=2) < expires_at <= timezone.now() + timedelta(days=3)


def test_a_draft_never_sent_expires_like_any_request(provider_client, client):
    token = _link(_prepare(provider_client).content.decode()).group(1)
    PartnershipRequest.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    assert client.get(f"/invite/{token}/").status_code == 410


def test_it_rejects_an_invalid_address(provider_client):
    html = _prepare(provider_client, "not-an-address").content.decode()
    assert "Enter a valid email address." in html
    assert not PartnershipRequest.objects.exists()


@pytest.mark.parametrize("how", ["contact", "member"])
def test_it_rejects_the_address_of_a_partnered_reseller(
    provider_client, reseller, member_factory, how
):
    email = reseller.contact_email
    if how == "member":
        email = member_factory(reseller, Role.SALES_AGENT, email="sam@fabrikam.example").email
    html = _prepare(provider_client, f"  {email.upper()} ").content.decode()
    assert "already partnered" in html
    assert not PartnershipRequest.objects.exists()


def test_the_address_of_another_providers_reseller_is_accepted(provider_client):
    foreign = f.PartnershipFactory().reseller
    _prepare(provider_client, foreign.contact_email)
    assert PartnershipRequest.objects.filter(email=foreign.contact_email).exists()


def test_a_second_request_to_the_same_address_offers_resend(provider_client, prepared):
    html = _prepare(provider_client, " NEW.reseller@example.TEST").content.decode()
    assert "already pending" in html
    assert f"/resellers/requests/{prepared.partnership_request.uuid}/resend/" in html
    assert PartnershipRequest.objects.count() == 1


def test_an_expired_request_frees_the_address(provider_client, prepared):
    PartnershipRequest.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    _prepare(provider_client)
    statuses = sorted(PartnershipRequest.objects.values_list("status", flat=True))
    assert statuses == ["expired", "pending"]


@pytest.mark.parametrize("role", [Role.GLOBAL_ADMIN, Role.ADMIN_AGENT, Role.SALES_AGENT])
def test_the_roles_that_may_request_can(role_client, role):
    assert _prepare(role_client(role)).status_code == 200
    assert PartnershipRequest.objects.count() == 1


def test_a_user_management_admin_gets_403(role_client):
    assert role_client(Role.USER_ADMIN).get(URL).status_code == 403
    assert _prepare(role_client(Role.USER_ADMIN)).status_code == 403
    assert not PartnershipRequest.objects.exists()


def test_it_is_a_404_to_a_reseller_and_sends_visitors_to_sign_in(reseller_client, client):
    assert _prepare(reseller_client).status_code == 404
    assert client.get(URL).url.startswith(reverse("login"))


def test_it_speaks_japanese(provider_client, japanese):
    html = _prepare(japanese(provider_client)).content.decode()
    for label in (
        "電子メールで開く",
        "クリップボードにコピー",
        "完了",
        "パートナーシップを要求する",
    ):
        assert label in html
