"""The Django admin: operators only, in a session verified with a second factor."""

import pytest
from django.test import Client
from django.urls import reverse

from tests import factories as f
from tests.mfa.conftest import code_of, password_sign_in

pytestmark = pytest.mark.django_db
ADMIN = reverse("admin:index")


@pytest.fixture
def operator():
    return f.UserFactory(email="ops@portal.example", is_staff=True, is_superuser=True)


def test_an_operator_signed_in_with_the_password_only_is_sent_to_set_up(operator):
    client = Client()
    client.force_login(operator)
    response = client.get(ADMIN)
    assert response.status_code == 302 and response.url.startswith(reverse("mfa:devices"))
    assert client.get(reverse("admin:portal_user_changelist")).status_code == 302


def test_an_operator_with_a_device_passes_the_second_step_then_reaches_the_admin(operator):
    app = f.TOTPDeviceFactory(user=operator)
    client, response = password_sign_in(operator, next_url=ADMIN)
    assert response.url.startswith(reverse("mfa:verify"))
    assert client.get(ADMIN).url.startswith(reverse("mfa:verify"))
    verified = client.post(reverse("mfa:verify"), {"code": code_of(app), "next": ADMIN})
    assert verified.url == ADMIN
    assert client.get(ADMIN).status_code == 200


def test_the_admin_sign_in_page_offers_no_password_form(operator):
    response = Client().get(reverse("admin:login"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_a_verified_member_who_is_no_operator_gets_403(provider_admin):
    client = f.sign_in_verified(Client(), provider_admin)
    assert client.get(reverse("admin:login")).status_code == 403
    assert client.get(ADMIN).status_code == 302


def test_a_verified_operator_reaches_the_admin(operator):
    client = f.sign_in_verified(Client(), operator)
    assert client.get(ADMIN).status_code == 200
    assert client.get(reverse("admin:login")).url == ADMIN
