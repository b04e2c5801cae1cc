from django.urls import reverse

from portal.roles import Role
from tests import factories as f

HTMX = {"HX-Request": "true"}


def _url(customer):
    return reverse("customers:customer_row", args=[customer.uuid])


def test_it_shows_the_customers_subscriptions_and_add_subscription(provider, provider_client):
    customer = f.CustomerFactory(provider=provider)
    subscription = f.SubscriptionFactory(
        customer=customer, offer__name="Business Premium", quantity=12
    )
    response = provider_client.get(_url(customer), headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<tr class="expanded-row"')
    assert "Business Premium" in html and ">12<" in html and "Active" in html
    assert (
        f'href="{reverse("subscriptions:subscription_detail", args=[subscription.uuid])}"' in html
    )
    assert f'href="{reverse("subscriptions:subscription_new", args=[customer.uuid])}"' in html
    assert "Add subscription" in html


def test_a_reseller_sees_the_subscriptions_without_add_subscription(
    provider, reseller, reseller_client
):
    customer = f.CustomerFactory(provider=provider, reseller=reseller)
    f.SubscriptionFactory(customer=customer, offer__name="Business Premium")
    html = reseller_client.get(_url(customer), headers=HTMX).content.decode()
    assert "Business Premium" in html
    assert "Add subscription" not in html


def test_a_role_without_subscription_rights_gets_no_add_link(provider, role_client):
    customer = f.CustomerFactory(provider=provider)
    html = role_client(Role.USER_ADMIN).get(_url(customer), headers=HTMX).content.decode()
    assert "Add subscription" not in html


def test_it_runs_a_constant_number_of_queries(
    provider, provider_client, django_assert_max_num_queries
):
    customer = f.CustomerFactory(provider=provider)
    f.SubscriptionFactory.create_batch(8, customer=customer)
    with django_assert_max_num_queries(5):
        provider_client.get(_url(customer), headers=HTMX)


def test_without_htmx_it_opens_the_customer(provider, provider_client):
    customer = f.CustomerFactory(provider=provider)
    response = provider_client.get(_url(customer))
    assert response.url == reverse("customers:customer_detail", args=[customer.uuid])


def test_it_speaks_japanese(provider, provider_client):
    customer = f.CustomerFactory(provider=provider)
    provider_client.post(reverse("set_language"), {"language": "ja"})
    html = provider_client.get(_url(customer), headers=HTMX).content.decode()
    assert "サブスクリプションの追加" in html


def test_a_foreign_customer_is_a_404(provider, outsider_client, reseller_client):
    customer = f.CustomerFactory(provider=provider)  # not delegated to the reseller
    assert outsider_client.get(_url(customer), headers=HTMX).status_code == 404
    assert reseller_client.get(_url(customer), headers=HTMX).status_code == 404


def test_it_answers_get_only(provider, provider_client):
    customer = f.CustomerFactory(provider=provider)
    assert provider_client.post(_url(customer), headers=HTMX).status_code == 405
