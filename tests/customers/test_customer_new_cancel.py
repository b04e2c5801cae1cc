from django.test import Client
from django.urls import reverse

from customers.models import Customer
from portal.roles import Role
from relationships.models import AdminRelationship
from subscriptions.models import Order, Subscription
from tests.customers.conftest import idempotency_key

URL = reverse("customers:customer_new_cancel")


def test_it_discards_the_draft_and_starts_over(provider_client, walk_to_review):
    review = walk_to_review(provider_client)
    response = provider_client.post(URL)
    assert response.url == reverse("customers:customer_new")

    start = provider_client.get(reverse("customers:customer_new"))
    assert start.context["form"]["company_name"].value() in (None, "")
    assert provider_client.get(reverse("customers:customer_new_review")).url == reverse(
        "customers:customer_new"
    )
    assert not Customer.objects.exists()
    assert not AdminRelationship.objects.exists()
    assert not Order.objects.exists() and not Subscription.objects.exists()

    # The next draft has a new key: the discarded one orders nothing.
    next_review = walk_to_review(provider_client)
    assert idempotency_key(next_review) != idempotency_key(review)


def test_a_stale_submit_after_cancel_creates_nothing(provider_client, walk_to_review):
    review = walk_to_review(provider_client)
    provider_client.post(URL)
    provider_client.post(
        reverse("customers:customer_new_review"), {"idempotency_key": idempotency_key(review)}
    )
    assert not Customer.objects.exists() and not Order.objects.exists()


def test_it_answers_post_only(provider_client):
    assert provider_client.get(URL).status_code == 405


def test_it_needs_the_add_customer_right(role_client):
    assert role_client(Role.USER_ADMIN).post(URL).status_code == 403


def test_it_is_a_404_to_a_reseller(reseller_client):
    assert reseller_client.post(URL).status_code == 404


def test_it_requires_a_csrf_token(provider_admin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(provider_admin)
    assert client.post(URL).status_code == 403
