"""The second sign-in step: password first, then an app code, a recovery code or a passkey."""

import pytest
from django.urls import reverse

from mfa import services
from portal.models import ActivityEvent
from portal.roles import Role
from tests import factories as f
from tests.mfa.conftest import code_of, password_sign_in

pytestmark = pytest.mark.django_db
VERIFY = reverse("mfa:verify")


@pytest.fixture
def member(provider, member_factory):
    return member_factory(provider, Role.GLOBAL_ADMIN, email="ana@contoso.example")


@pytest.fixture
def app(member):
    return f.TOTPDeviceFactory(user=member)


def test_it_asks_for_the_second_step_after_the_password(member, app):
    client, response = password_sign_in(member, next_url="/customers/")
    assert response.url == f"{VERIFY}?next=%2Fcustomers%2F"
    page = client.get(response.url)
    assert page.status_code == 200
    assert "Two-step sign-in" in page.content.decode()
    assert 'name="code"' in page.content.decode()


def test_a_half_signed_in_session_reaches_nothing_but_sign_out_and_the_step(member, app):
    client, _ = password_sign_in(member)
    for name in ("customers:customer_list", "user_list", "profile", "activity_log", "mfa:devices"):
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response.url.startswith(VERIFY), (name, response.url)
    post = client.post(reverse("mfa:recovery_codes"), {"regenerate": "on"})
    assert post.status_code == 302 and post.url.startswith(VERIFY)
    htmx = client.get(reverse("customers:customer_list"), headers={"HX-Request": "true"})
    assert htmx["HX-Redirect"] == VERIFY
    assert client.get(reverse("partners:directory")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("customers:customer_list")).url.startswith(reverse("login"))


def test_the_app_code_verifies_the_session_and_goes_on(member, app):
    client, _ = password_sign_in(member)
    response = client.post(VERIFY, {"code": code_of(app), "next": "/customers/"})
    assert response.status_code == 302 and response.url == "/customers/"
    assert client.get(reverse("customers:customer_list")).status_code == 200
    app.refresh_from_db()
    assert app.last_used_at is not None


def test_a_wrong_code_is_refused_and_the_session_stays_half_signed_in(member, app):
    client, _ = password_sign_in(member)
    wrong = "000000" if code_of(app) != "000000" else "111111"
    response = client.post(VERIFY, {"code": wrong})
    assert response.status_code == 200
    assert "That code was not accepted" in response.content.decode()
    assert client.get(reverse("customers:customer_list")).url.startswith(VERIFY)


def test_a_code_is_not_accepted_twice(member, app):
    code = code_of(app)
    first, _ = password_sign_in(member)
    assert first.post(VERIFY, {"code": code}).status_code == 302
    second, _ = password_sign_in(member)
    assert "not accepted" in second.post(VERIFY, {"code": code}).content.decode()
    assert second.get(reverse("customers:customer_list")).url.startswith(VERIFY)


def test_a_recovery_code_works_once(member, app):
    codes = services.mfa_recovery_codes_generate(user=member)
    client, _ = password_sign_in(member)
    assert client.post(VERIFY, {"code": codes[0].upper()}).status_code == 302
    assert client.get(reverse("customers:customer_list")).status_code == 200
    assert ActivityEvent.objects.filter(verb="mfa.recovery_code_used", actor=member).count() == 1
    again, _ = password_sign_in(member)
    assert "not accepted" in again.post(VERIFY, {"code": codes[0]}).content.decode()
    assert again.get(reverse("customers:customer_list")).url.startswith(VERIFY)


def test_it_never_redirects_off_site(member, app):
    client, _ = password_sign_in(member)
    response = client.post(VERIFY, {"code": code_of(app), "next": "https://evil.example/"})
    assert response.status_code == 302 and response.url == reverse("home")


def test_a_user_without_a_device_in_an_org_not_requiring_mfa_signs_in_with_the_password(member):
    client, response = password_sign_in(member, next_url="/customers/")
    assert response.url == "/customers/"
    assert client.get(reverse("customers:customer_list")).status_code == 200
    assert client.get(VERIFY).status_code == 302


def test_the_step_refuses_a_post_without_csrf_token(member, app):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    assert client.post(VERIFY, {"code": code_of(app)}).status_code == 403


def test_the_second_step_comes_before_the_temporary_password_change(provider, member_factory):
    user = member_factory(provider, Role.SALES_AGENT, email="new@contoso.example")
    user.must_change_password = True
    user.save()
    app = f.TOTPDeviceFactory(user=user)
    client, response = password_sign_in(user)
    assert response.url.startswith(VERIFY)
    assert client.get(response.url).status_code == 200
    verified = client.post(VERIFY, {"code": code_of(app)})
    assert client.get(verified.url, follow=True).redirect_chain[-1][0] == reverse("password_change")


def test_it_speaks_japanese(member, app):
    client, response = password_sign_in(member)
    client.cookies["django_language"] = "ja"
    html = client.get(response.url).content.decode()
    assert "2段階" in html
