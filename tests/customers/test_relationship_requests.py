"""Reseller relationship requests: a company with a tenant elsewhere joins a provider through
one of its resellers. Made by the provider (or the reseller, for one of its providers), mailed
in the contact's language, accepted once through a public link."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from customers.models import Customer, ResellerRelationshipRequest, SetupInformation
from partners.models import Partnership
from portal.models import ActivityEvent, OutboundEmail
from portal.roles import Role
from subscriptions.models import Order
from tests import factories as f
from webhooks.models import WebhookDelivery, WebhookSubscription
from webhooks.signing import new_secret

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]

NEW = reverse("customers:relationship_request_new")
LIST = reverse("customers:relationship_request_list")
LINK_RE = re.compile(r"http://127.0.0.1:8000/customers/reseller-relationship/([A-Za-z0-9_-]+)/")


def _data(partner, **overrides):
    data = {
        "partner": str(partner.uuid),
        "company_name": "Fourth Coffee",
        "primary_domain": "FourthCoffee.onmicrosoft.example ",
        "contact_first_name": "Mio",
        "contact_last_name": "Tanaka",
        "contact_email": "it@fourthcoffee.example",
        "language": "en",
    }
    data.update(overrides)
    return data


def _send(client, partner, **overrides):
    return client.post(NEW, _data(partner, **overrides))


def _token(response) -> str:
    return LINK_RE.search(response.content.decode()).group(1)


def _link(token: str) -> str:
    return reverse("customers:relationship_request_link", args=[token])


@pytest.fixture
def sent(provider_client, reseller, django_capture_on_commit_callbacks):
    """A request the provider sent; returns its link's token."""
    with django_capture_on_commit_callbacks(execute=True):
        response = _send(provider_client, reseller)
    assert response.status_code == 200, response.content.decode()
    return _token(response)


# Making a request ---------------------------------------------------------------------


def test_the_provider_sends_a_request_and_sees_its_link_to_copy(
    provider, reseller, provider_admin, provider_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _send(provider_client, reseller)
    html = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "Copy to clipboard" in html and 'data-copy-from="#request-link"' in html
    token = _token(response)
    request = ResellerRelationshipRequest.objects.get()
    assert (request.provider, request.reseller, request.requested_by_org) == (
        provider,
        reseller,
        provider,
    )
    assert request.primary_domain == "fourthcoffee.onmicrosoft.example"
    assert request.status == "pending" and request.created_by == provider_admin
    assert token not in request.token_hash  # only the hash is kept
    assert timedelta(days=29, hours=23) < request.expires_at - timezone.now() <= timedelta(days=30)
    [message] = mail.outbox
    assert message.to == ["it@fourthcoffee.example"]
    assert message.subject == (
        "Fabrikam Test Solutions invites you to buy through Contoso Test Distribution"
    )
    assert f"http://127.0.0.1:8000{_link(token)}" in message.body
    assert "Hello Mio," in message.body
    # One event in each organisation's log.
    events = ActivityEvent.objects.filter(verb="reseller_relationship_request.sent")
    assert {e.organisation for e in events} == {provider, reseller}


def test_the_email_speaks_the_contacts_language(
    provider_client, reseller, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _send(provider_client, reseller, language="ja")
    assert response.status_code == 200
    [message] = mail.outbox
    # The page stays in the sender's language; the mail is in the contact's.
    assert "Copy to clipboard" in response.content.decode()
    assert message.subject == (
        "Fabrikam Test Solutionsから、Contoso Test Distributionを通じたご購入のご案内"
    )
    assert "ご承諾ください" in message.body and "Hello" not in message.body


def test_a_reseller_sends_one_for_one_of_its_providers(
    provider, reseller, reseller_admin, reseller_client
):
    response = _send(reseller_client, provider)
    assert response.status_code == 200
    request = ResellerRelationshipRequest.objects.get()
    assert (request.provider, request.reseller, request.requested_by_org) == (
        provider,
        reseller,
        reseller,
    )
    assert OutboundEmail.objects.filter(kind="reseller-relationship-request").count() == 1


def test_a_reseller_cannot_send_one_for_a_provider_it_is_not_partnered_with(
    other_provider, reseller_client
):
    response = _send(reseller_client, other_provider)
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not ResellerRelationshipRequest.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_a_reseller_lists_only_its_providers(provider, other_provider, reseller_client):
    html = reseller_client.get(NEW).content.decode()
    assert "Indirect provider" in html
    assert "Contoso Test Distribution" in html and "Foreign Provider" not in html


def test_a_provider_cannot_name_a_reseller_it_is_not_partnered_with(provider_client):
    stranger = f.ResellerFactory(legal_name="Stranger Reseller")
    f.PartnershipFactory(reseller=stranger)
    response = _send(provider_client, stranger)
    assert response.status_code == 400
    assert not ResellerRelationshipRequest.objects.exists()
    assert "Stranger Reseller" not in provider_client.get(NEW).content.decode()


@pytest.mark.parametrize("domain", ["fourthcoffee", "-bad-.example", "a b.example", "x" * 101])
def test_a_malformed_domain_is_refused(provider_client, reseller, domain):
    response = _send(provider_client, reseller, primary_domain=domain)
    assert response.status_code == 400
    assert not ResellerRelationshipRequest.objects.exists()


def test_a_domain_already_a_customers_is_refused_with_nothing_saved(provider_client, reseller):
    f.CustomerFactory(primary_domain="fourthcoffee.onmicrosoft.example")
    response = _send(provider_client, reseller)
    assert response.status_code == 400
    assert "fourthcoffee.onmicrosoft.example is already a customer&#x27;s domain." in (
        response.content.decode()
    )
    assert not ResellerRelationshipRequest.objects.exists()
    assert not OutboundEmail.objects.exists()
    assert not ActivityEvent.objects.filter(verb__startswith="reseller_relationship").exists()


def test_a_second_pending_request_for_a_domain_is_refused(provider_client, reseller, sent):
    response = _send(provider_client, reseller, contact_email="other@fourthcoffee.example")
    assert response.status_code == 400
    assert "A request for fourthcoffee.onmicrosoft.example is already pending." in (
        response.content.decode()
    )
    assert ResellerRelationshipRequest.objects.count() == 1


def test_a_lapsed_request_frees_its_domain(provider, provider_client, reseller, sent):
    ResellerRelationshipRequest.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = _send(provider_client, reseller)
    assert response.status_code == 200
    statuses = sorted(ResellerRelationshipRequest.objects.values_list("status", flat=True))
    assert statuses == ["expired", "pending"]
    assert ActivityEvent.objects.filter(
        organisation=provider, verb="reseller_relationship_request.expired"
    ).exists()


def test_the_recipient_limit_applies(provider_client, reseller):
    for n in range(3):
        domain = f"company{n}.onmicrosoft.example"
        assert _send(provider_client, reseller, primary_domain=domain).status_code == 200
    response = _send(provider_client, reseller, primary_domain="company9.onmicrosoft.example")
    assert response.status_code == 429
    assert ResellerRelationshipRequest.objects.count() == 3


# Who may make and revoke them -----------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.GLOBAL_ADMIN, True),
        (Role.USER_ADMIN, False),
        (Role.ADMIN_AGENT, True),
        (Role.SALES_AGENT, True),
    ],
)
def test_roles_follow_the_matrix(provider, reseller, member_factory, client_for, role, allowed):
    client = client_for(member_factory(provider, role))
    request = f.ResellerRelationshipRequestFactory(provider=provider, reseller=reseller)
    assert client.get(LIST).status_code == 200  # every role sees the list
    response = _send(client, reseller)
    revoke = client.post(reverse("customers:relationship_request_revoke", args=[request.uuid]))
    request.refresh_from_db()
    if allowed:
        assert response.status_code == 200 and revoke.status_code == 302
        assert request.status == "revoked"
    else:
        assert response.status_code == 403 and revoke.status_code == 403
        assert request.status == "pending"
        assert ResellerRelationshipRequest.objects.count() == 1


@pytest.mark.parametrize("role", [Role.USER_ADMIN])
def test_a_resellers_user_admin_may_not_send_one(
    reseller, provider, member_factory, client_for, role
):
    client = client_for(member_factory(reseller, role))
    assert _send(client, provider).status_code == 403
    assert not ResellerRelationshipRequest.objects.exists()


def test_visitors_are_sent_to_sign_in(client):
    for url in (LIST, NEW):
        assert client.get(url).url.startswith(reverse("login"))


def test_the_forms_need_the_csrf_token(provider, reseller, provider_admin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(provider_admin)
    request = f.ResellerRelationshipRequestFactory(provider=provider, reseller=reseller)
    assert client.post(NEW, _data(reseller)).status_code == 403
    url = reverse("customers:relationship_request_revoke", args=[request.uuid])
    assert client.post(url).status_code == 403
    request.refresh_from_db()
    assert request.status == "pending"
    assert ResellerRelationshipRequest.objects.count() == 1


def test_the_provider_and_the_reseller_revoke_and_the_link_stops_working(
    provider, reseller, provider_client, reseller_client
):
    for client in (provider_client, reseller_client):
        request = f.ResellerRelationshipRequestFactory(provider=provider, reseller=reseller)
        url = reverse("customers:relationship_request_revoke", args=[request.uuid])
        response = client.post(url, follow=True)
        assert "was revoked; its link no longer works." in response.content.decode()
        request.refresh_from_db()
        assert request.status == "revoked" and request.revoked_at is not None
    assert ActivityEvent.objects.filter(verb="reseller_relationship_request.revoked").count() == 4


def test_a_revoked_request_cannot_be_revoked_again(provider, reseller, provider_client):
    request = f.ResellerRelationshipRequestFactory(
        provider=provider, reseller=reseller, status="accepted"
    )
    url = reverse("customers:relationship_request_revoke", args=[request.uuid])
    response = provider_client.post(url, follow=True)
    assert "Only a pending request can be revoked." in response.content.decode()
    request.refresh_from_db()
    assert request.status == "accepted"


# Tenant isolation ---------------------------------------------------------------------------


def test_a_foreign_request_is_a_404_and_not_listed(
    provider, reseller, outsider_client, member_factory, client_for
):
    request = f.ResellerRelationshipRequestFactory(
        provider=provider, reseller=reseller, company_name="Secret Coffee"
    )
    sibling = f.ResellerFactory(legal_name="Sibling Reseller")
    f.PartnershipFactory(provider=provider, reseller=sibling)
    sibling_client = client_for(member_factory(sibling, Role.GLOBAL_ADMIN))
    url = reverse("customers:relationship_request_revoke", args=[request.uuid])
    for client in (outsider_client, sibling_client):
        assert client.post(url).status_code == 404
        assert "Secret Coffee" not in client.get(LIST).content.decode()
    request.refresh_from_db()
    assert request.status == "pending"


# The list --------------------------------------------------------------------------------


def test_the_list_shows_each_request_with_its_status(provider, reseller, provider_client):
    f.ResellerRelationshipRequestFactory(provider=provider, reseller=reseller, company_name="A Co")
    f.ResellerRelationshipRequestFactory(
        provider=provider, reseller=reseller, company_name="B Co", status="revoked"
    )
    f.ResellerRelationshipRequestFactory(
        provider=provider,
        reseller=reseller,
        company_name="C Co",
        expires_at=timezone.now() - timedelta(days=1),
    )
    html = provider_client.get(LIST).content.decode()
    assert "A Co" in html and "B Co" in html and "C Co" in html
    assert html.count(">Revoke</button>") == 1  # only the pending one
    assert "badge-revoked" in html and "badge-expired" in html and "badge-pending" in html
    assert "Fabrikam Test Solutions" in html


def test_a_reseller_sees_the_requests_naming_it_with_the_provider(
    provider, reseller, reseller_client
):
    f.ResellerRelationshipRequestFactory(provider=provider, reseller=reseller, company_name="Ours")
    f.ResellerRelationshipRequestFactory(provider=provider, company_name="Another Resellers")
    html = reseller_client.get(LIST).content.decode()
    assert "Ours" in html and "Another Resellers" not in html
    assert "Contoso Test Distribution" in html


def test_the_list_pages(provider, reseller, provider_client):
    for n in range(30):
        f.ResellerRelationshipRequestFactory(
            provider=provider, reseller=reseller, company_name=f"Company {n:02d}"
        )
    first = provider_client.get(LIST, {"per_page": 25}).content.decode()
    assert "Page 1 of 2" in first and "Company 29" in first and "Company 04" not in first
    second = provider_client.get(LIST, {"per_page": 25, "page": 2}).content.decode()
    assert "Company 04" in second and "Company 29" not in second


@pytest.mark.parametrize("rows", [3, 60])
def test_the_list_runs_a_constant_number_of_queries(
    provider, reseller, provider_client, reseller_client, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        customer = f.CustomerFactory(provider=provider, reseller=reseller)
        f.ResellerRelationshipRequestFactory(
            provider=provider, reseller=reseller, status="accepted", customer=customer
        )
    for client in (provider_client, reseller_client):
        with django_assert_max_num_queries(6):
            response = client.get(LIST)
        assert response.status_code == 200
        assert len(response.context["page"].object_list) == min(rows, 50)


# The company's link ----------------------------------------------------------------------


def test_the_link_names_the_provider_the_reseller_and_what_accepting_means(client, sent):
    response = client.get(_link(sent))
    html = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "Fabrikam Test Solutions invites you to buy through Contoso Test Distribution" in html
    assert "fourthcoffee.onmicrosoft.example" in html
    assert "No admin account is created" in html
    assert 'name="consent"' in html and "csrfmiddlewaretoken" in html


def test_opening_the_link_changes_nothing(client, sent):
    before = list(ResellerRelationshipRequest.objects.values())
    events = ActivityEvent.objects.count()
    for _ in range(2):
        assert client.get(_link(sent)).status_code == 200
        assert client.head(_link(sent)).status_code == 200
    assert list(ResellerRelationshipRequest.objects.values()) == before
    assert ActivityEvent.objects.count() == events
    assert not Customer.objects.exists()


def test_accepting_creates_the_customer_with_its_own_domain_and_admin(
    client, provider, reseller, provider_admin, sent, django_capture_on_commit_callbacks
):
    WebhookSubscription.objects.create(
        organisation=provider,
        url="https://hooks.example/portal",
        events=["customer-created"],
        secret=new_secret(),
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_link(sent), {"consent": "on"})
    assert response.status_code == 200
    assert "Fourth Coffee is now a customer of Contoso Test Distribution" in (
        response.content.decode()
    )
    customer = Customer.objects.get()
    assert (customer.provider, customer.reseller) == (provider, reseller)
    assert customer.primary_domain == "fourthcoffee.onmicrosoft.example"
    assert customer.contact_email == "it@fourthcoffee.example"
    # It keeps its own admin: no admin user, no temporary password, no order.
    assert customer.admin_username == "" and customer.admin_password_hash == ""
    assert not SetupInformation.objects.exists() and not Order.objects.exists()
    request = ResellerRelationshipRequest.objects.get()
    assert request.status == "accepted" and request.customer == customer
    # The customer-creation service's own event and webhook, and the request's events.
    assert ActivityEvent.objects.filter(
        organisation=provider, verb="customer.created", object_id=str(customer.uuid)
    ).exists()
    assert WebhookDelivery.objects.filter(event_type="customer-created").count() == 1
    accepted = ActivityEvent.objects.filter(verb="reseller_relationship_request.accepted")
    assert {e.organisation for e in accepted} == {provider, reseller}
    # The member who sent it is told.
    [notice] = mail.outbox
    assert notice.to == [provider_admin.email]
    assert notice.subject == "Fourth Coffee accepted the reseller relationship request"


def test_the_customer_appears_on_customers_associated_with_the_reseller(
    client, provider_client, reseller_client, sent
):
    client.post(_link(sent), {"consent": "on"})
    for staff in (provider_client, reseller_client):
        html = staff.get(reverse("customers:customer_list")).content.decode()
        assert "Fourth Coffee" in html
    assert (
        "Fabrikam Test Solutions"
        in provider_client.get(reverse("customers:customer_list")).content.decode()
    )


def test_accepting_needs_consent(client, sent):
    response = client.post(_link(sent), {})
    assert response.status_code == 400
    assert "Tick the box to accept." in response.content.decode()
    assert not Customer.objects.exists()
    assert ResellerRelationshipRequest.objects.get().status == "pending"


def test_accepting_needs_the_csrf_token(sent):
    client = Client(enforce_csrf_checks=True)
    assert client.post(_link(sent), {"consent": "on"}).status_code == 403
    assert not Customer.objects.exists()


def test_a_link_works_once(client, sent):
    assert client.post(_link(sent), {"consent": "on"}).status_code == 200
    for response in (client.post(_link(sent), {"consent": "on"}), client.get(_link(sent))):
        assert response.status_code == 410
        assert "This request has already been accepted." in response.content.decode()
    assert Customer.objects.count() == 1


def test_an_expired_link_gets_a_clear_page(client, sent):
    with time_machine.travel(timezone.now() + timedelta(days=30, minutes=1)):
        for response in (client.get(_link(sent)), client.post(_link(sent), {"consent": "on"})):
            assert response.status_code == 410
            assert "This request has expired." in response.content.decode()
    assert not Customer.objects.exists()


def test_a_link_still_works_on_its_last_day(client, sent):
    with time_machine.travel(timezone.now() + timedelta(days=29, hours=23)):
        assert client.post(_link(sent), {"consent": "on"}).status_code == 200
    assert Customer.objects.count() == 1


@pytest.mark.parametrize("tamper", ["altered", "truncated", "junk"])
def test_a_tampered_link_gets_a_clear_page(client, sent, tamper):
    token = {
        "altered": sent[:-1] + ("A" if sent[-1] != "A" else "B"),
        "truncated": sent[:10],
        "junk": "not a token!",
    }[tamper]
    url = _link(token)
    for response in (client.get(url), client.post(url, {"consent": "on"})):
        assert response.status_code == 404
        assert "This link is not valid. Check that you copied all of it." in (
            response.content.decode()
        )
    assert not Customer.objects.exists()


def test_a_revoked_link_gets_a_clear_page(client, provider_client, sent):
    request = ResellerRelationshipRequest.objects.get()
    provider_client.post(reverse("customers:relationship_request_revoke", args=[request.uuid]))
    for response in (client.get(_link(sent)), client.post(_link(sent), {"consent": "on"})):
        assert response.status_code == 410
        assert "This request was withdrawn." in response.content.decode()
    assert not Customer.objects.exists()


def test_a_reseller_no_longer_partnered_cannot_be_joined(client, provider, reseller, sent):
    Partnership.objects.filter(provider=provider, reseller=reseller).update(status="removed")
    response = client.post(_link(sent), {"consent": "on"})
    assert response.status_code == 409
    assert (
        "Fabrikam Test Solutions is no longer an indirect reseller of Contoso Test Distribution"
        in response.content.decode()
    )
    assert not Customer.objects.exists()
    assert ResellerRelationshipRequest.objects.get().status == "pending"
    assert not ActivityEvent.objects.filter(verb="reseller_relationship_request.accepted").exists()


def test_a_domain_taken_meanwhile_is_refused_with_nothing_saved(client, sent):
    other = f.CustomerFactory(primary_domain="fourthcoffee.onmicrosoft.example")
    events = ActivityEvent.objects.count()
    response = client.post(_link(sent), {"consent": "on"})
    assert response.status_code == 409
    assert "fourthcoffee.onmicrosoft.example is already a customer&#x27;s domain" in (
        response.content.decode()
    )
    assert list(Customer.objects.all()) == [other]
    assert ResellerRelationshipRequest.objects.get().status == "pending"
    assert ActivityEvent.objects.count() == events


def test_the_link_page_speaks_japanese(client, sent):
    # The request activates Japanese in this thread: the next test must not inherit it.
    with translation.override("en"):
        html = client.get(_link(sent), headers={"accept-language": "ja"}).content.decode()
    assert "承諾" in html


# The service's own checks (what an API would rely on) -------------------------------------


def _details(**overrides):
    from customers.services import RelationshipRequestDetails

    data = {
        "company_name": "Fourth Coffee",
        "primary_domain": "fourthcoffee.onmicrosoft.example",
        "contact_first_name": "Mio",
        "contact_last_name": "Tanaka",
        "contact_email": "it@fourthcoffee.example",
        "language": "en",
    }
    data.update(overrides)
    return RelationshipRequestDetails(**data)


def test_the_service_refuses_a_pair_that_is_not_partnered(provider, provider_admin):
    from customers import services

    stranger = f.ResellerFactory()
    with pytest.raises(services.CustomerError, match="is not an active indirect reseller") as error:
        services.reseller_relationship_request_send(
            provider=provider,
            reseller=stranger,
            actor=provider_admin,
            actor_org=provider,
            details=_details(),
        )
    assert error.value.field == "partner"
    assert not ResellerRelationshipRequest.objects.exists()


def test_the_service_refuses_a_third_organisation_as_the_sender(provider, reseller):
    from customers import services

    other = f.ResellerFactory()
    f.PartnershipFactory(provider=provider, reseller=other)
    with pytest.raises(services.CustomerError, match="Only the provider or the reseller"):
        services.reseller_relationship_request_send(
            provider=provider,
            reseller=reseller,
            actor=f.MembershipFactory(organisation=other).user,
            actor_org=other,
            details=_details(),
        )
    assert not ResellerRelationshipRequest.objects.exists()


def test_the_service_refuses_a_domain_already_a_customers(provider, reseller, provider_admin):
    from customers import services

    f.CustomerFactory(primary_domain="fourthcoffee.onmicrosoft.example")
    with pytest.raises(services.CustomerError, match="already a customer's domain"):
        services.reseller_relationship_request_send(
            provider=provider,
            reseller=reseller,
            actor=provider_admin,
            actor_org=provider,
            details=_details(primary_domain="FourthCoffee.onmicrosoft.example"),
        )
    assert not ResellerRelationshipRequest.objects.exists()


def test_the_acceptance_notice_speaks_the_senders_language(
    client, provider, reseller, member_factory, client_for, django_capture_on_commit_callbacks
):
    sender = member_factory(reseller, Role.SALES_AGENT)
    sender.language = "ja"
    sender.save(update_fields=["language"])
    response = _send(client_for(sender), provider)
    token = _token(response)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(_link(token), {"consent": "on"}).status_code == 200
    [notice] = mail.outbox
    assert notice.to == [sender.email]
    assert notice.subject == "Fourth Coffee が再販業者関係の要求を承諾しました"
