"""The API keys page and what a key can do: bearer, prefix, expiry, revoke, rate limit."""

from datetime import timedelta

import pytest
from django.utils import timezone

from api.models import ApiKey
from portal.models import ActivityEvent
from portal.roles import Role
from tests import factories as f


def test_a_global_admin_creates_a_key_and_sees_its_secret_once(provider_client):
    response = provider_client.post(
        "/settings/api-keys/",
        {"name": "PSA sync", "role": Role.SALES_AGENT, "scope": "read"},
    )

    assert response.status_code == 200
    key = ApiKey.objects.get()
    body = response.content.decode()
    secret = body.split('<code class="secret">', 1)[1].split("</code>", 1)[0]
    assert secret.startswith(f"pk_{key.prefix}_")
    assert secret not in key.secret_hash
    assert (key.name, key.role, key.scope) == ("PSA sync", Role.SALES_AGENT, "read")
    assert ActivityEvent.objects.filter(verb="api_key.created").count() == 1
    listing = provider_client.get("/settings/api-keys/").content.decode()
    assert f"pk_{key.prefix}_" in listing and secret not in listing


@pytest.mark.parametrize("role", [Role.USER_ADMIN, Role.ADMIN_AGENT, Role.SALES_AGENT])
def test_only_a_global_admin_may_open_the_page(role, role_client):
    client = role_client(role)

    assert client.get("/settings/api-keys/").status_code == 403
    assert (
        client.post("/settings/api-keys/", {"name": "x", "role": role, "scope": "read"}).status_code
        == 403
    )
    assert not ApiKey.objects.exists()


def test_revoking_a_key_refuses_its_requests(
    provider, provider_client, make_key, api_client, fresh_cache
):
    secret = make_key(provider)
    key = ApiKey.objects.get()
    client = api_client(secret)
    assert client.get("/api/v1/customers").status_code == 200

    provider_client.post(f"/settings/api-keys/{key.uuid}/revoke/")

    response = client.get("/api/v1/customers")
    assert response.status_code == 401
    assert response.json()["type"] == "/api/v1/problems/not-authenticated"
    assert ActivityEvent.objects.filter(verb="api_key.revoked").count() == 1


def test_an_expired_or_unknown_or_missing_key_is_not_authenticated(
    provider, make_key, api_client, fresh_cache
):
    secret = make_key(provider, expires_at=timezone.now() + timedelta(days=1))
    ApiKey.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert api_client(secret).get("/api/v1/customers").status_code == 401
    assert api_client(secret[:-2] + "xx").get("/api/v1/customers").status_code == 401
    assert api_client(None).get("/api/v1/customers").status_code == 401


def test_a_request_records_when_the_key_was_last_used(provider, make_key, api_client, fresh_cache):
    client = api_client(make_key(provider))

    client.get("/api/v1/customers")

    assert ApiKey.objects.get().last_used_at is not None


def test_a_foreign_key_revoke_is_404(other_provider, provider_client, make_key):
    make_key(other_provider)
    key = ApiKey.objects.get()

    assert provider_client.post(f"/settings/api-keys/{key.uuid}/revoke/").status_code == 404
    assert ApiKey.objects.get().revoked_at is None


def test_the_per_key_rate_limit_answers_429_with_retry_after(
    provider, make_key, api_client, fresh_cache, settings
):
    settings.API_RATE_LIMIT_PER_MINUTE = 3
    client = api_client(make_key(provider))
    other = api_client(make_key(provider, name="other"))

    answers = [client.get("/api/v1/customers").status_code for _ in range(4)]

    assert answers[:3] == [200, 200, 200]
    limited = client.get("/api/v1/customers")
    assert limited.status_code == 429
    assert limited.json()["type"] == "/api/v1/problems/rate-limited"
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert other.get("/api/v1/customers").status_code == 200


def test_activity_records_are_filtered_by_date_at_most_90_days(provider, admin_api):
    f.ActivityEventFactory(organisation=provider, verb="customer.created", object_type="customer")
    today = timezone.localdate()

    listed = admin_api.get(
        "/api/v1/activity-records",
        start_date=(today - timedelta(days=3)).isoformat(),
        end_date=today.isoformat(),
    )
    too_long = admin_api.get(
        "/api/v1/activity-records",
        start_date=(today - timedelta(days=91)).isoformat(),
        end_date=today.isoformat(),
    )

    assert listed.status_code == 200
    assert "customer.created" in [r["verb"] for r in listed.json()["items"]]
    assert too_long.status_code == 422


def test_resellers_are_filtered_by_status(provider, reseller, admin_api):
    removed = f.PartnershipFactory(
        provider=provider, reseller=f.ResellerFactory(), status="removed"
    )

    active = admin_api.get("/api/v1/resellers").json()["items"]
    gone = admin_api.get("/api/v1/resellers", status="removed").json()["items"]

    assert [p["reseller"]["id"] for p in active] == [str(reseller.uuid)]
    assert [p["id"] for p in gone] == [str(removed.uuid)]


def test_a_partnership_request_is_sent_as_an_invite(provider, admin_api, mailoutbox):
    response = admin_api.post(
        "/api/v1/partnership-requests",
        {"email": "owner@fabrikam-new.example"},
        headers={"Idempotency-Key": "invite-1"},
    )
    again = admin_api.post(
        "/api/v1/partnership-requests",
        {"email": "owner@fabrikam-new.example"},
        headers={"Idempotency-Key": "invite-1"},
    )

    assert response.status_code == again.status_code == 201
    assert response.json()["sent_at"] is not None
    assert response.json() == again.json()
    listed = admin_api.get("/api/v1/partnership-requests").json()["items"]
    assert [r["email"] for r in listed] == ["owner@fabrikam-new.example"]


def test_the_activity_log_names_the_key_as_the_actor(provider, admin_api, provider_client):
    sub = f.SubscriptionFactory(customer=f.CustomerFactory(provider=provider), quantity=3)

    admin_api.patch(
        f"/api/v1/subscriptions/{sub.uuid}", {"quantity": 4}, headers={"If-Match": str(sub.version)}
    )

    page = provider_client.get("/activity/").content.decode()
    assert "API key “global_admin read_write key”" in page


@pytest.mark.parametrize(
    ("creator_role", "key_role"),
    [
        (Role.ADMIN_AGENT, Role.GLOBAL_ADMIN),
        (Role.SALES_AGENT, Role.ADMIN_AGENT),
        (Role.USER_ADMIN, Role.SALES_AGENT),  # other rights, not fewer: still refused
    ],
)
def test_the_service_refuses_a_key_with_a_role_above_its_creators(
    provider, member_factory, creator_role, key_role
):
    from api import services as api_services

    creator = member_factory(provider, creator_role)

    with pytest.raises(api_services.ApiKeyError) as refused:
        api_services.api_key_create(
            org=provider,
            actor=creator,
            actor_role=creator_role,
            name="Too strong",
            role=key_role,
            scope="read",
        )

    assert refused.value.field == "role"
    assert "more rights than your own role" in refused.value.message
    assert not ApiKey.objects.exists()


def test_the_page_refuses_a_key_role_above_its_creators(role_client, monkeypatch):
    """Were Admin agents allowed the page, their form still could not make a Global admin key."""
    from portal import roles

    widened = {**roles.PERMISSIONS}
    widened[roles.Perm.MANAGE_API_KEYS] = frozenset({Role.GLOBAL_ADMIN, Role.ADMIN_AGENT})
    monkeypatch.setattr(roles, "PERMISSIONS", widened)
    client = role_client(Role.ADMIN_AGENT)
    assert client.get("/settings/api-keys/").status_code == 200

    response = client.post(
        "/settings/api-keys/", {"name": "Escalate", "role": Role.GLOBAL_ADMIN, "scope": "read"}
    )
    allowed = client.post(
        "/settings/api-keys/", {"name": "Same role", "role": Role.ADMIN_AGENT, "scope": "read"}
    )

    assert response.status_code == 400
    assert "more rights than your own role" in response.content.decode()
    assert allowed.status_code == 200
    assert list(ApiKey.objects.values_list("name", "role")) == [("Same role", Role.ADMIN_AGENT)]
