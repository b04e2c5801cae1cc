import re

import pytest
from django.urls import reverse

from portal.roles import Role

pytestmark = pytest.mark.django_db


def test_it_sends_visitors_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_signs_in_with_any_case_of_the_email(client, provider, member_factory):
    member_factory(provider, Role.GLOBAL_ADMIN, email="someone@contoso.example")
    response = client.post(
        reverse("login"),
        {"username": "  SomeOne@Contoso.example ", "password": "Test-Password-2026"},
    )
    assert response.status_code == 302
    response = client.get("/", follow=True)
    assert "Indirect resellers" in response.content.decode()


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "The email address or password is not correct."),
        ("ja", "メール アドレスまたはパスワードが正しくありません。"),
    ],
)
def test_a_failed_sign_in_speaks_of_the_email_not_a_username(
    client, provider, member_factory, language, expected
):
    member_factory(provider, Role.GLOBAL_ADMIN, email="someone@contoso.example")
    client.cookies["django_language"] = language
    response = client.post(
        reverse("login"), {"username": "someone@contoso.example", "password": "wrong"}
    )
    html = response.content.decode()
    assert expected in html
    text = re.sub(r"<[^>]+>", " ", html).lower()
    assert "username" not in text and "ユーザー名" not in text


def test_it_shows_the_menu_by_role(role_client):
    html = role_client(Role.SALES_AGENT).get(reverse("partners:reseller_list")).content.decode()
    assert "Indirect resellers" in html and "Customers" in html
    assert "Activity log" not in html and ">Users<" not in html
    html = role_client(Role.USER_ADMIN).get(reverse("partners:reseller_list")).content.decode()
    assert "Activity log" in html and ">Users<" in html


def test_it_speaks_japanese(provider_client):
    provider_client.post(reverse("set_language"), {"language": "ja", "next": "/"})
    html = provider_client.get(reverse("partners:reseller_list")).content.decode()
    assert "間接リセラー" in html
    assert "顧客" in html
    assert 'lang="ja"' in html


def test_a_reseller_user_lands_on_its_overview(reseller_client):
    response = reseller_client.get("/")
    assert response.url == reverse("overview:overview")


def test_a_provider_page_is_a_404_to_a_reseller(reseller_client):
    assert reseller_client.get(reverse("partners:reseller_list")).status_code == 404


def test_a_member_without_the_right_gets_403(role_client):
    assert role_client(Role.SALES_AGENT).get(reverse("user_list")).status_code == 403


def test_an_htmx_request_with_an_expired_session_is_redirected_by_header(client):
    response = client.get(reverse("customers:customer_list"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(reverse("login"))


def test_pages_send_security_headers(provider_client):
    response = provider_client.get(reverse("profile"))
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
