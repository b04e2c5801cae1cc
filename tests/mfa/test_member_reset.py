"""The Users page: who has MFA, and the Global admin's MFA reset of a member."""

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from mfa import services
from portal.models import ActivityEvent
from portal.roles import Role
from tests import factories as f
from tests.security.conftest import csrf_client

pytestmark = pytest.mark.django_db


def _reset_url(member):
    return reverse("mfa:member_reset", args=[member.membership.uuid])


@pytest.fixture
def member(provider, member_factory):
    user = member_factory(provider, Role.SALES_AGENT, email="lost-phone@contoso.example")
    f.TOTPDeviceFactory(user=user)
    services.mfa_recovery_codes_generate(user=user)
    return user


def test_the_users_page_shows_who_has_mfa(provider_client, provider, member, member_factory):
    member_factory(provider, Role.SALES_AGENT, email="no-mfa@contoso.example")
    html = provider_client.get(reverse("user_list")).content.decode()
    row_with = html.split("lost-phone@contoso.example")[1].split("</tr>")[0]
    row_without = html.split("no-mfa@contoso.example")[1].split("</tr>")[0]
    assert ">On<" in row_with and "Reset MFA" in row_with
    assert ">Off<" in row_without and "Reset MFA" not in row_without


def test_the_global_admin_resets_a_members_mfa(provider, provider_admin, member):
    client = csrf_client(provider_admin)
    response = client.post(_reset_url(member))
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=member).exists()
    assert not StaticDevice.objects.filter(user=member).exists()
    event = ActivityEvent.objects.get(verb="mfa.reset")
    assert (event.organisation, event.actor) == (provider, provider_admin)
    assert event.object_id == str(member.membership.uuid)
    assert event.after == {"authenticator_apps": 1, "passkeys": 0}
    html = client.get(reverse("user_list"), follow=True).content.decode()
    assert "The MFA of" in html


def test_the_member_signs_in_without_the_old_device_and_sets_up_again(
    provider, provider_admin, member
):
    from partners.models import Organisation

    Organisation.objects.filter(pk=provider.pk).update(require_mfa=True)
    services.member_mfa_reset(org=provider, actor=provider_admin, membership=member.membership)
    client = Client()
    client.force_login(member)
    assert client.get(reverse("customers:customer_list")).url.startswith(reverse("mfa:devices"))


@pytest.mark.parametrize("role", [Role.USER_ADMIN, Role.ADMIN_AGENT, Role.SALES_AGENT])
def test_other_roles_get_403_and_remove_nothing(provider, member_factory, member, role):
    client = csrf_client(member_factory(provider, role))
    assert client.post(_reset_url(member)).status_code == 403
    assert TOTPDevice.objects.filter(user=member).exists()
    assert not ActivityEvent.objects.filter(verb="mfa.reset").exists()


def test_a_user_management_admin_sees_the_column_but_no_reset(provider, member_factory, member):
    client = csrf_client(member_factory(provider, Role.USER_ADMIN))
    html = client.get(reverse("user_list")).content.decode()
    assert "MFA" in html and "Reset MFA" not in html


def test_a_foreign_member_is_a_404(outsider_client, member):
    outsider_client.defaults.pop("HTTP_X_CSRFTOKEN", None)
    assert outsider_client.post(_reset_url(member)).status_code == 404
    assert TOTPDevice.objects.filter(user=member).exists()


def test_get_is_not_allowed(provider_client, member):
    assert provider_client.get(_reset_url(member)).status_code == 405


def test_it_refuses_a_post_without_csrf_token(provider_admin, member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(provider_admin)
    assert client.post(_reset_url(member)).status_code == 403
    assert TOTPDevice.objects.filter(user=member).exists()


def test_the_users_page_runs_a_constant_number_of_queries(
    provider_client, provider, member_factory, django_assert_max_num_queries
):
    provider_client.get(reverse("user_list"))
    for n in range(6):
        user = member_factory(provider, Role.SALES_AGENT, email=f"m{n}@contoso.example")
        f.TOTPDeviceFactory(user=user)
    with django_assert_max_num_queries(9):
        html = provider_client.get(reverse("user_list")).content.decode()
    assert html.count(">On<") >= 6
