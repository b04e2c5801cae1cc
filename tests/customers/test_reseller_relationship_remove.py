from django.test import Client
from django.urls import reverse

from portal.models import ActivityEvent
from portal.roles import Role
from relationships.models import AdminRelationship
from tests import factories as f


def _url(customer):
    return reverse("customers:reseller_relationship_remove", args=[customer.uuid])


def test_it_ends_the_resellers_roles_on_the_customer(
    provider, provider_client, reseller, django_capture_on_commit_callbacks
):
    customer = f.CustomerFactory(provider=provider, reseller=reseller)
    own = f.AdminRelationshipFactory(customer=customer, partner=provider)
    theirs = f.AdminRelationshipFactory(customer=customer, partner=reseller, display_name="Desk")
    suspended = f.SubscriptionFactory(
        customer=customer, status="suspended", support_contact=reseller
    )
    cancelled = f.SubscriptionFactory(
        customer=customer, status="cancelled", support_contact=reseller
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = provider_client.post(_url(customer), follow=True)
    assert "was removed" in response.content.decode()
    customer.refresh_from_db()
    assert customer.reseller is None
    own.refresh_from_db()
    theirs.refresh_from_db()
    assert own.status == AdminRelationship.Status.ACTIVE
    assert theirs.status == AdminRelationship.Status.TERMINATED
    for subscription in (suspended, cancelled):
        subscription.refresh_from_db()
        assert subscription.support_contact == provider
    event = ActivityEvent.objects.get(verb="customer.reseller_relationship_removed")
    assert event.before == {"reseller": reseller.partner_id, "name": "Fabrikam Test Solutions"}
    assert event.after["admin_relationships_terminated"] == 1


def test_the_confirmation_lists_the_relationships_it_terminates(
    provider, provider_client, reseller
):
    customer = f.CustomerFactory(provider=provider, reseller=reseller)
    f.AdminRelationshipFactory(customer=customer, partner=reseller, display_name="Desk access")
    f.AdminRelationshipFactory(customer=customer, partner=provider, display_name="Own access")
    html = provider_client.get(reverse("customers:customer_detail", args=[customer.uuid]))
    dialog = html.content.decode().split('id="remove-relationship-dialog"')[1].split("</dialog>")[0]
    assert "Desk access" in dialog
    assert "Own access" not in dialog


def test_it_is_refused_while_a_subscription_is_active(provider, provider_client, reseller):
    customer = f.CustomerFactory(provider=provider, reseller=reseller)
    active = f.SubscriptionFactory(customer=customer, support_contact=reseller)

    response = provider_client.post(_url(customer), follow=True)
    assert "active subscriptions" in response.content.decode()
    customer.refresh_from_db()
    active.refresh_from_db()
    assert customer.reseller == reseller
    assert AdminRelationship.objects.filter(customer=customer).live().count() == 0
    assert active.support_contact == reseller
    assert not ActivityEvent.objects.filter(verb="customer.reseller_relationship_removed").exists()


def test_a_direct_customer_has_nothing_to_remove(provider, provider_client):
    customer = f.CustomerFactory(provider=provider)
    response = provider_client.post(_url(customer), follow=True)
    assert "no associated reseller" in response.content.decode()


def test_it_needs_the_remove_right(provider, role_client, reseller):
    customer = f.CustomerFactory(provider=provider, reseller=reseller)
    assert role_client(Role.SALES_AGENT).post(_url(customer)).status_code == 403


def test_it_is_a_404_to_a_reseller(provider, reseller, reseller_client):
    customer = f.CustomerFactory(provider=provider, reseller=reseller)
    assert reseller_client.post(_url(customer)).status_code == 404


def test_a_foreign_customer_is_a_404(provider, outsider_client, reseller):
    customer = f.CustomerFactory(provider=provider, reseller=reseller)
    assert outsider_client.post(_url(customer)).status_code == 404
    customer.refresh_from_db()
    assert customer.reseller == reseller


def test_it_answers_post_only(provider, provider_client, reseller):
    customer = f.CustomerFactory(provider=provider, reseller=reseller)
    assert provider_client.get(_url(customer)).status_code == 405


def test_it_requires_a_csrf_token(provider, provider_admin, reseller):
    customer = f.CustomerFactory(provider=provider, reseller=reseller)
    client = Client(enforce_csrf_checks=True)
    client.force_login(provider_admin)
    assert client.post(_url(customer)).status_code == 403
