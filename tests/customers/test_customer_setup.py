import json

from django.contrib.sessions.models import Session
from django.core import serializers
from django.test import Client
from django.urls import reverse

from customers.models import Customer
from portal.models import ActivityEvent
from portal.roles import Role
from subscriptions.models import Order, SubscriptionChange
from tests import factories as f
from tests.customers.conftest import idempotency_key


def _submit(client, walk_to_review, **kwargs):
    review = walk_to_review(client, **kwargs)
    response = client.post(
        reverse("customers:customer_new_review"), {"idempotency_key": idempotency_key(review)}
    )
    return Customer.objects.get(), response.url


def test_it_shows_the_admin_and_temporary_password_once(provider_client, walk_to_review):
    customer, url = _submit(provider_client, walk_to_review)
    response = provider_client.get(url)
    html = response.content.decode()
    password = response.context["password"]
    assert "Setup information" in html
    assert "admin@northwind.onmicrosoft.example" in html
    assert password in html
    assert "it will not be shown again" in html
    assert ">Done<" in html

    again = provider_client.get(url)
    assert again.status_code == 200
    assert password not in again.content.decode()
    assert "cannot be shown again" in again.content.decode()


def test_it_is_never_cached_nor_kept_in_htmx_history(provider_client, walk_to_review):
    _customer, url = _submit(provider_client, walk_to_review)
    response = provider_client.get(url)
    assert "no-store" in response["Cache-Control"]
    assert 'hx-history="false"' in response.content.decode()


def test_the_password_appears_in_no_later_response_and_nowhere_in_clear(
    provider_client, walk_to_review
):
    customer, url = _submit(provider_client, walk_to_review)
    password = provider_client.get(url).context["password"]

    later = [
        reverse("customers:customer_list"),
        reverse("customers:customer_detail", args=[customer.uuid]),
        url,
    ]
    for page in later:
        assert password not in provider_client.get(page).content.decode(), page

    stored = serializers.serialize(
        "json",
        [
            *Customer.objects.all(),
            *Order.objects.all(),
            *ActivityEvent.objects.all(),
            *SubscriptionChange.objects.all(),
        ],
    )
    assert password not in stored
    sessions = json.dumps([s.get_decoded() for s in Session.objects.all()])
    assert password not in sessions


def test_done_leads_to_the_customers_of_the_reseller(provider_client, reseller, walk_to_review):
    _customer, url = _submit(provider_client, walk_to_review, reseller=reseller)
    html = provider_client.get(url).content.decode()
    assert f'href="/customers/?reseller={reseller.uuid}"' in html


def test_another_member_never_sees_the_password(
    provider, provider_client, member_factory, walk_to_review
):
    customer, url = _submit(provider_client, walk_to_review)
    colleague = Client()
    colleague.force_login(member_factory(provider, Role.SALES_AGENT))
    response = colleague.get(url)
    assert response.status_code == 200
    assert response.context["password"] is None
    assert provider_client.get(url).context["password"]


def test_it_speaks_japanese(provider_client, walk_to_review):
    _customer, url = _submit(provider_client, walk_to_review)
    provider_client.post(reverse("set_language"), {"language": "ja"})
    html = provider_client.get(url).content.decode()
    assert "セットアップ情報" in html and "完了" in html


def test_a_foreign_customer_is_a_404(outsider_client, provider):
    customer = f.CustomerFactory(provider=provider)
    url = reverse("customers:customer_setup", args=[customer.uuid])
    assert outsider_client.get(url).status_code == 404


def test_it_is_a_404_to_a_reseller(reseller_client, reseller, provider):
    customer = f.CustomerFactory(provider=provider, reseller=reseller)
    url = reverse("customers:customer_setup", args=[customer.uuid])
    assert reseller_client.get(url).status_code == 404


def test_it_needs_the_add_customer_right(role_client, provider):
    customer = f.CustomerFactory(provider=provider)
    url = reverse("customers:customer_setup", args=[customer.uuid])
    assert role_client(Role.USER_ADMIN).get(url).status_code == 403
