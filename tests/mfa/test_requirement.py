"""The organisation setting "Require MFA for all users" and what it does at sign-in."""

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp

from mfa.services import org_mfa_requirement_set
from partners.models import Organisation
from portal.models import ActivityEvent
from portal.roles import Role
from tests import factories as f
from tests.mfa.conftest import password_sign_in
from tests.security.conftest import csrf_client

pytestmark = pytest.mark.django_db
URL = reverse("mfa:org_requirement")
DEVICES = reverse("mfa:devices")


def test_a_new_organisation_requires_mfa():
    org = Organisation.objects.create(
        kind="reseller",
        legal_name="New Co",
        partner_id="123",
        contact_email="a@new.example",
        country="JP",
    )
    assert org.require_mfa is True


def test_a_user_without_a_device_is_led_to_set_up_after_the_password(provider, member_factory):
    Organisation.objects.filter(pk=provider.pk).update(require_mfa=True)
    user = member_factory(provider, Role.SALES_AGENT, email="sam@contoso.example")
    client, response = password_sign_in(user, next_url="/customers/")
    assert response.url == f"{DEVICES}?next=%2Fcustomers%2F"
    page = client.get(response.url)
    assert "Your organisation requires a second factor" in page.content.decode()
    assert client.get(reverse("customers:customer_list")).url.startswith(DEVICES)
    assert client.get(reverse("profile")).url.startswith(DEVICES)
    # Set up an app: the session is then verified and the portal opens.
    secret_page = client.get(reverse("mfa:totp_add"))
    assert secret_page.status_code == 200
    key = bytes.fromhex(client.session["mfa.totp_key"])
    response = client.post(reverse("mfa:totp_add"), {"name": "Phone", "code": f"{totp(key):06d}"})
    assert response.status_code == 200  # the recovery codes, shown once
    assert client.get(reverse("customers:customer_list")).status_code == 200


def test_turning_it_on_applies_to_signed_in_users_without_a_device(provider, member_factory):
    user = member_factory(provider, Role.SALES_AGENT)
    client = Client()
    client.force_login(user)
    assert client.get(reverse("customers:customer_list")).status_code == 200
    # Through the service the global admin's switch calls (it also ends the cached sign-in).
    admin = member_factory(provider, Role.GLOBAL_ADMIN)
    org_mfa_requirement_set(org=provider, actor=admin, required=True)
    assert client.get(reverse("customers:customer_list")).url.startswith(DEVICES)


def test_the_global_admin_turns_it_on_and_off(provider, provider_admin):
    client = csrf_client(provider_admin)
    assert client.post(URL, {"require_mfa": "on"}).status_code == 302
    provider.refresh_from_db()
    assert provider.require_mfa is True
    event = ActivityEvent.objects.get(verb="organisation.mfa_requirement_changed")
    assert (event.organisation, event.actor) == (provider, provider_admin)
    assert (event.before, event.after) == ({"require_mfa": False}, {"require_mfa": True})
    # The admin itself has no device yet: it is sent to set one up.
    assert client.get(reverse("user_list")).url.startswith(DEVICES)
    f.sign_in_verified(client, provider_admin)
    html = client.get(reverse("user_list")).content.decode()
    assert 'value="on" selected' in html
    assert client.post(URL, {"require_mfa": "off"}).status_code == 302
    provider.refresh_from_db()
    assert provider.require_mfa is False
    assert ActivityEvent.objects.filter(verb="organisation.mfa_requirement_changed").count() == 2


def test_the_same_value_again_writes_no_event(provider, provider_admin):
    client = csrf_client(provider_admin)
    client.post(URL, {"require_mfa": "off"})
    assert not ActivityEvent.objects.filter(verb="organisation.mfa_requirement_changed").exists()


@pytest.mark.parametrize("value", ["", "yes", "1"])
def test_a_missing_or_unknown_value_changes_nothing(provider, provider_admin, value):
    client = csrf_client(provider_admin)
    assert client.post(URL, {"require_mfa": value}).status_code == 302
    provider.refresh_from_db()
    assert provider.require_mfa is False
    assert not ActivityEvent.objects.exists()


@pytest.mark.parametrize("role", [Role.USER_ADMIN, Role.ADMIN_AGENT, Role.SALES_AGENT])
def test_other_roles_get_403_and_change_nothing(provider, member_factory, role):
    client = csrf_client(member_factory(provider, role))
    assert client.post(URL, {"require_mfa": "on"}).status_code == 403
    provider.refresh_from_db()
    assert provider.require_mfa is False


def test_a_user_management_admin_sees_the_setting_but_no_switch(provider, member_factory):
    client = csrf_client(member_factory(provider, Role.USER_ADMIN))
    html = client.get(reverse("user_list")).content.decode()
    assert URL not in html


def test_it_refuses_a_post_without_csrf_token(provider, provider_admin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(provider_admin)
    assert client.post(URL, {"require_mfa": "on"}).status_code == 403
    provider.refresh_from_db()
    assert provider.require_mfa is False


def test_it_changes_only_the_own_organisation(provider, other_provider, provider_admin):
    client = csrf_client(provider_admin)
    client.post(URL, {"require_mfa": "on", "organisation": str(other_provider.uuid)})
    other_provider.refresh_from_db()
    assert other_provider.require_mfa is False
