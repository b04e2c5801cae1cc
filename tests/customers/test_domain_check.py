from django.urls import reverse

from portal.roles import Role
from tests import factories as f

URL = reverse("customers:domain_check")


def test_it_says_a_free_domain_is_available(provider_client):
    response = provider_client.get(
        URL, {"domain_prefix": "Fresh-Name"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "fresh-name.onmicrosoft.example is available." in response.content.decode()
    assert "<html" not in response.content.decode()


def test_it_says_a_domain_is_taken(provider_client):
    f.CustomerFactory(primary_domain="taken.onmicrosoft.example")
    response = provider_client.get(URL, {"domain_prefix": "TAKEN"})
    assert "taken.onmicrosoft.example is already taken." in response.content.decode()


def test_it_says_a_domain_is_malformed(provider_client):
    response = provider_client.get(URL, {"domain_prefix": "no"})
    assert "Use 3 to 27 letters" in response.content.decode()


def test_it_needs_the_add_customer_right(role_client):
    assert role_client(Role.USER_ADMIN).get(URL, {"domain_prefix": "x"}).status_code == 403


def test_it_is_a_404_to_a_reseller(reseller_client):
    assert reseller_client.get(URL, {"domain_prefix": "abc"}).status_code == 404


def test_it_answers_get_only(provider_client):
    assert provider_client.post(URL, {"domain_prefix": "abc"}).status_code == 405
