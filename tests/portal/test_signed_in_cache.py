"""The signed-in user and membership come from the cache, and a change takes effect at once."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partners.models import Membership
from portal import services
from portal.roles import Role

pytestmark = pytest.mark.django_db

USERS = reverse("user_list")
CUSTOMERS = reverse("customers:customer_list")


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_a_second_request_reads_no_session_user_or_membership_from_the_database(
    provider, member_factory
):
    client = signed_in(member_factory(provider, Role.GLOBAL_ADMIN))
    client.get(CUSTOMERS)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(CUSTOMERS).status_code == 200
    sql = " ".join(q["sql"] for q in queries)
    assert "django_session" not in sql
    assert '"portal_user"."password"' not in sql  # the user row
    assert '"partners_membership"."role"' not in sql  # the membership row


def test_a_role_change_applies_to_the_next_request(provider, provider_admin, member_factory):
    user = member_factory(provider, Role.USER_ADMIN)
    client = signed_in(user)
    assert client.get(USERS).status_code == 200
    membership = Membership.objects.get(user=user)
    services.member_set_role(
        org=provider, actor=provider_admin, membership=membership, role=Role.SALES_AGENT
    )
    assert client.get(USERS).status_code == 403


def test_deactivation_signs_the_member_out_at_once(provider, provider_admin, member_factory):
    user = member_factory(provider, Role.SALES_AGENT)
    client = signed_in(user)
    assert client.get(CUSTOMERS).status_code == 200
    services.member_deactivate(
        org=provider, actor=provider_admin, membership=Membership.objects.get(user=user)
    )
    response = client.get(CUSTOMERS)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_signing_out_ends_the_session_for_its_cookie(provider, member_factory):
    client = signed_in(member_factory(provider, Role.SALES_AGENT))
    assert client.get(CUSTOMERS).status_code == 200
    cookie = client.cookies["sessionid"].value
    client.post(reverse("logout"))
    replay = Client()
    replay.cookies["sessionid"] = cookie
    response = replay.get(CUSTOMERS)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_password_change_signs_out_the_users_other_sessions(provider, member_factory):
    user = member_factory(provider, Role.SALES_AGENT)
    user.set_password("Old-Password-2026")
    user.save()
    other_device = signed_in(user)
    this_device = signed_in(user)
    assert other_device.get(CUSTOMERS).status_code == 200
    response = this_device.post(
        reverse("password_change"),
        {
            "old_password": "Old-Password-2026",
            "new_password1": "New-Password-2026-x",
            "new_password2": "New-Password-2026-x",
        },
    )
    assert response.status_code == 302
    assert this_device.get(CUSTOMERS).status_code == 200
    response = other_device.get(CUSTOMERS)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_deauthorised_organisation_loses_its_pages_at_once(provider, member_factory):
    client = signed_in(member_factory(provider, Role.GLOBAL_ADMIN))
    assert client.get(CUSTOMERS).status_code == 200
    provider.status = "deauthorised"
    provider.save()
    assert client.get(CUSTOMERS).status_code == 404


def test_a_session_of_djangos_own_backend_stays_signed_in(provider, member_factory):
    client = Client()
    client.force_login(
        member_factory(provider, Role.SALES_AGENT),
        backend="django.contrib.auth.backends.ModelBackend",
    )
    assert client.get(CUSTOMERS).status_code == 200
    assert client.session["_auth_user_backend"] == "portal.signin.CachedModelBackend"


def test_with_the_cache_away_a_member_still_signs_in_works_and_signs_out(
    provider, member_factory, monkeypatch
):
    from django.core.cache import cache

    from portal import outages

    def refused(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(outages, "cache_dependency", outages.Dependency("Cache", retry_after=0))
    for name in ("get", "set", "delete", "delete_many", "get_many", "set_many", "has_key"):
        monkeypatch.setattr(cache, name, refused)
    client = signed_in(member_factory(provider, Role.SALES_AGENT))
    assert client.get(CUSTOMERS).status_code == 200
    assert client.get(CUSTOMERS).status_code == 200
    client.post(reverse("logout"))
    response = client.get(CUSTOMERS)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
