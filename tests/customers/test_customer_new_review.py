from django.contrib.auth.hashers import check_password
from django.test import Client
from django.urls import reverse

from customers.models import Customer
from portal.models import ActivityEvent
from portal.roles import Role
from relationships.models import AdminRelationship
from subscriptions.models import Order, Subscription
from tests import factories as f
from tests.customers.conftest import idempotency_key

URL = reverse("customers:customer_new_review")


def test_it_shows_everything_entered(provider_client, reseller, walk_to_review):
    response = walk_to_review(provider_client, reseller=reseller)
    html = response.content.decode()
    assert response.status_code == 200
    for text in [
        "Northwind Traders",
        "northwind.onmicrosoft.example",
        "Japan",
        "Aiko Sato",
        "Fabrikam Test Solutions",
        "Business Basic",
        "Enterprise E3",
        ">Submit<",
        ">Cancel<",
    ]:
        assert text in html


def test_it_creates_the_customer_order_and_subscriptions_but_no_admin_relationship(
    provider, provider_client, provider_admin, reseller, offers, walk_to_review
):
    review = walk_to_review(provider_client, reseller=reseller)
    response = provider_client.post(URL, {"idempotency_key": idempotency_key(review)})

    customer = Customer.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("customers:customer_setup", args=[customer.uuid])
    assert customer.provider == provider and customer.reseller == reseller
    assert customer.primary_domain == "northwind.onmicrosoft.example"
    assert customer.admin_username == "admin@northwind.onmicrosoft.example"
    assert customer.created_by == provider_admin
    # Admin rights come only from a relationship the customer approves.
    assert not AdminRelationship.objects.exists()
    order = Order.objects.get()
    assert str(order.idempotency_key) == idempotency_key(review)
    subscriptions = Subscription.objects.filter(customer=customer)
    assert sorted((s.offer.name, s.quantity) for s in subscriptions) == [
        ("Business Basic", 25),
        ("Enterprise E3", 10),
    ]
    assert all(s.support_contact == reseller for s in subscriptions)
    assert all(s.reseller_location.organisation == reseller for s in subscriptions)
    verbs = set(ActivityEvent.objects.filter(organisation=provider).values_list("verb", flat=True))
    assert {"customer.created", "order.submitted"} <= verbs


def test_it_stores_only_a_hash_of_a_long_random_password(provider_client, walk_to_review):
    review = walk_to_review(provider_client)
    provider_client.post(URL, {"idempotency_key": idempotency_key(review)})
    customer = Customer.objects.get()
    password = provider_client.get(
        reverse("customers:customer_setup", args=[customer.uuid])
    ).context["password"]
    assert len(password) >= 16
    assert password not in customer.admin_password_hash
    assert check_password(password, customer.admin_password_hash)


def test_it_creates_a_direct_customer_held_by_the_provider_only(
    provider, provider_client, walk_to_review
):
    review = walk_to_review(provider_client)
    provider_client.post(URL, {"idempotency_key": idempotency_key(review)})
    customer = Customer.objects.get()
    assert customer.reseller is None
    assert not AdminRelationship.objects.exists()
    assert all(s.support_contact == provider for s in Subscription.objects.all())


def test_a_double_submit_creates_one_customer_and_one_order(provider_client, walk_to_review):
    review = walk_to_review(provider_client)
    key = idempotency_key(review)
    first = provider_client.post(URL, {"idempotency_key": key})
    second = provider_client.post(URL, {"idempotency_key": key})
    assert first.url == second.url
    assert Customer.objects.count() == 1
    assert Order.objects.count() == 1
    assert Subscription.objects.count() == 2


def test_a_resubmit_after_the_setup_page_shows_no_password(provider_client, walk_to_review):
    review = walk_to_review(provider_client)
    key = idempotency_key(review)
    setup = provider_client.post(URL, {"idempotency_key": key}, follow=True)
    password = setup.context["password"]
    assert password

    again = provider_client.post(URL, {"idempotency_key": key}, follow=True)
    assert again.status_code == 200
    assert again.context["password"] is None
    assert password not in again.content.decode()
    assert Order.objects.count() == 1


def test_it_checks_the_domain_again_on_submit(provider_client, walk_to_review):
    review = walk_to_review(provider_client)
    f.CustomerFactory(primary_domain="northwind.onmicrosoft.example")

    response = provider_client.post(URL, {"idempotency_key": idempotency_key(review)})
    assert response.url == reverse("customers:customer_new")
    page = provider_client.get(response.url)
    assert "northwind.onmicrosoft.example is already taken." in page.content.decode()
    assert Customer.objects.count() == 1 and Order.objects.count() == 0


def test_it_refuses_a_reseller_whose_partnership_ended_since_step_one(
    provider_client, reseller, walk_to_review
):
    review = walk_to_review(provider_client, reseller=reseller)
    reseller.provider_partnerships.update(status="removed")

    response = provider_client.post(URL, {"idempotency_key": idempotency_key(review)})
    assert response.url == reverse("customers:customer_new")
    assert not Customer.objects.exists()


def test_it_refuses_a_key_that_is_not_the_drafts(provider_client, walk_to_review):
    walk_to_review(provider_client)
    response = provider_client.post(
        URL, {"idempotency_key": "00000000-0000-4000-8000-000000000000"}, follow=True
    )
    assert "This page was out of date" in response.content.decode()
    assert not Customer.objects.exists()


def test_without_a_draft_it_goes_back_to_the_start(provider_client):
    response = provider_client.get(URL)
    assert response.url == reverse("customers:customer_new")


def test_it_speaks_japanese(provider_client, walk_to_review):
    provider_client.post(reverse("set_language"), {"language": "ja"})
    html = walk_to_review(provider_client).content.decode()
    for label in ["新しい顧客の追加", "新しいサブスクリプション", "確認", "送信", "キャンセル"]:
        assert label in html


def test_it_needs_the_add_customer_right(role_client):
    assert role_client(Role.USER_ADMIN).post(URL).status_code == 403


def test_it_is_a_404_to_a_reseller(reseller_client):
    assert reseller_client.get(URL).status_code == 404


def test_a_foreign_providers_key_finds_nothing(outsider_client, provider_client, walk_to_review):
    review = walk_to_review(provider_client)
    key = idempotency_key(review)
    provider_client.post(URL, {"idempotency_key": key})

    response = outsider_client.post(URL, {"idempotency_key": key})
    assert response.url == reverse("customers:customer_new")


def test_it_requires_a_csrf_token(provider_admin, walk_to_review):
    client = Client(enforce_csrf_checks=True)
    client.force_login(provider_admin)
    assert client.post(URL, {"idempotency_key": "x"}).status_code == 403
