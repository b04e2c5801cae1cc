"""Authorize indirect provider: a signed-in reseller admin accepts the invite, once."""

import pytest
from django.core import mail
from django.urls import reverse

from partners.models import Partnership, PartnershipRequest
from portal.models import ActivityEvent, OutboundEmail
from portal.roles import Role
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def new_reseller():
    return f.ResellerFactory(legal_name="Wingtip Resale")


def _accept(client, prepared, consent="on"):
    data = {"consent": consent} if consent else {}
    return client.post(reverse("partners:invite_accept", args=[prepared.token]), data)


@pytest.mark.parametrize("role", [Role.GLOBAL_ADMIN, Role.ADMIN_AGENT])
def test_a_reseller_admin_authorises_the_provider(
    client_for,
    member_factory,
    new_reseller,
    provider,
    prepared,
    role,
    django_capture_on_commit_callbacks,
):
    user = member_factory(new_reseller, role)
    with django_capture_on_commit_callbacks(execute=True):
        response = _accept(client_for(user), prepared)
    assert response.status_code == 302 and response.url == reverse("partners:reseller_home")
    partnership = Partnership.objects.get(provider=provider, reseller=new_reseller)
    assert partnership.status == "active" and partnership.created_by == user
    partnership_request = PartnershipRequest.objects.get()
    assert partnership_request.status == "accepted"
    assert partnership_request.accepted_by == user
    assert partnership_request.accepted_org == new_reseller
    events = ActivityEvent.objects.filter(verb="partnership.created")
    assert {e.organisation for e in events} == {provider, new_reseller}
    assert OutboundEmail.objects.get().kind == "partnership-accepted"
    assert mail.outbox[0].to == [provider.contact_email]
    assert "Wingtip Resale" in mail.outbox[0].subject


def test_the_reseller_then_appears_on_the_providers_list(
    client_for, member_factory, new_reseller, provider_client, prepared
):
    _accept(client_for(member_factory(new_reseller)), prepared)
    html = provider_client.get(reverse("partners:reseller_list")).content.decode()
    assert "Wingtip Resale" in html


def test_consent_is_required(client_for, member_factory, new_reseller, prepared):
    response = _accept(client_for(member_factory(new_reseller)), prepared, consent=None)
    assert "Tick the box to authorise" in response.content.decode()
    assert not Partnership.objects.filter(reseller=new_reseller).exists()
    assert PartnershipRequest.objects.get().status == "pending"


def test_the_link_works_only_once(client_for, member_factory, new_reseller, prepared):
    _accept(client_for(member_factory(new_reseller)), prepared)
    other = client_for(member_factory(f.ResellerFactory(), Role.GLOBAL_ADMIN))
    response = _accept(other, prepared)
    assert response.status_code == 410 and "already been used" in response.content.decode()
    assert Partnership.objects.filter(request__isnull=False).count() == 1


@pytest.mark.parametrize("role", [Role.SALES_AGENT, Role.USER_ADMIN])
def test_a_member_without_the_right_gets_403(
    client_for, member_factory, new_reseller, prepared, role
):
    assert _accept(client_for(member_factory(new_reseller, role)), prepared).status_code == 403
    assert not Partnership.objects.filter(reseller=new_reseller).exists()


def test_a_provider_user_cannot_accept(provider_client, outsider_client, prepared):
    for some_client in (provider_client, outsider_client):
        assert _accept(some_client, prepared).status_code == 403
    assert PartnershipRequest.objects.get().status == "pending"


def test_an_already_partnered_reseller_gets_a_clear_message(reseller_client, reseller, prepared):
    response = _accept(reseller_client, prepared)
    assert response.status_code == 409
    assert "already authorised" in response.content.decode()
    assert Partnership.objects.filter(reseller=reseller).count() == 1
    assert PartnershipRequest.objects.get().status == "pending"


def test_a_visitor_is_sent_to_sign_in_and_back(client, prepared, invite_path):
    response = _accept(client, prepared)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login")) and "invite" in response.url


def test_a_tampered_token_is_a_404(client_for, member_factory, new_reseller, prepared):
    tampered = prepared.token[:-2] + "zz"
    url = reverse("partners:invite_accept", args=[tampered])
    response = client_for(member_factory(new_reseller)).post(url, {"consent": "on"})
    assert response.status_code == 404
    assert not Partnership.objects.filter(reseller=new_reseller).exists()


def test_it_refuses_a_get(client_for, member_factory, new_reseller, prepared):
    url = reverse("partners:invite_accept", args=[prepared.token])
    assert client_for(member_factory(new_reseller)).get(url).status_code == 405
