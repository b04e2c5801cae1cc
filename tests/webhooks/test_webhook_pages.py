"""The Webhooks page: add (secret shown once), edit, rotate, send a test event, redeliver."""

import pytest

from portal.models import ActivityEvent
from portal.roles import Role
from webhooks.models import WebhookDelivery, WebhookSubscription


def _secret_in(response) -> str:
    return response.content.decode().split('<code class="secret">', 1)[1].split("</code>", 1)[0]


def test_a_global_admin_adds_an_endpoint_and_sees_its_secret_once(provider_client):
    response = provider_client.post(
        "/settings/webhooks/",
        {"url": "https://psa.example/hooks", "events": ["customer-created"], "enabled": "on"},
    )

    assert response.status_code == 200
    hook = WebhookSubscription.objects.get()
    secret = _secret_in(response)
    assert secret == hook.secret and secret.startswith("whsec_")
    page = provider_client.get(f"/settings/webhooks/{hook.uuid}/").content.decode()
    assert secret not in page
    assert ActivityEvent.objects.filter(verb="webhook.created").count() == 1


def test_http_endpoints_are_refused_unless_the_setting_allows_them(provider_client, settings):
    settings.WEBHOOKS_ALLOW_HTTP = False

    response = provider_client.post(
        "/settings/webhooks/", {"url": "http://psa.example/hooks", "events": ["customer-created"]}
    )

    assert response.status_code == 400
    assert "must begin with https://" in response.content.decode()
    assert not WebhookSubscription.objects.exists()


@pytest.mark.parametrize("role", [Role.USER_ADMIN, Role.ADMIN_AGENT, Role.SALES_AGENT])
def test_only_a_global_admin_may_manage_webhooks(role, role_client):
    client = role_client(role)

    assert client.get("/settings/webhooks/").status_code == 403
    response = client.post(
        "/settings/webhooks/", {"url": "https://psa.example/h", "events": ["customer-created"]}
    )
    assert response.status_code == 403
    assert not WebhookSubscription.objects.exists()


def test_rotate_shows_the_new_secret_and_keeps_the_old_one_for_the_overlap(provider_client):
    provider_client.post(
        "/settings/webhooks/", {"url": "https://psa.example/h", "events": ["customer-created"]}
    )
    hook = WebhookSubscription.objects.get()
    old = hook.secret

    response = provider_client.post(f"/settings/webhooks/{hook.uuid}/rotate/")

    hook.refresh_from_db()
    assert _secret_in(response) == hook.secret != old
    assert hook.previous_secret == old and hook.previous_secret_until is not None


def test_send_test_event_and_redeliver_keep_the_log(
    provider_client, receiver, django_capture_on_commit_callbacks
):
    provider_client.post(
        "/settings/webhooks/", {"url": receiver.url, "events": ["customer-created"]}
    )
    hook = WebhookSubscription.objects.get()
    receiver.secret = hook.secret

    with django_capture_on_commit_callbacks(execute=True):
        provider_client.post(f"/settings/webhooks/{hook.uuid}/test/")
    delivery = WebhookDelivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        provider_client.post(
            f"/settings/webhooks/{hook.uuid}/deliveries/{delivery.uuid}/redeliver/"
        )

    again = WebhookDelivery.objects.get()
    assert again.message_id == delivery.message_id
    assert (again.status, again.attempts) == ("delivered", 2)
    assert [r["id"] for r in receiver.received] == [delivery.message_id] * 2
    assert receiver.bad_signatures == 0
    page = provider_client.get(f"/settings/webhooks/{hook.uuid}/").content.decode()
    assert delivery.message_id in page and "test" in page


def test_a_foreign_endpoint_is_404(provider_client, other_provider, member_factory):
    from webhooks import services

    foreign = services.webhook_create(
        org=other_provider,
        url="https://foreign.example/h",
        events=["customer-created"],
        actor=member_factory(other_provider),
    )

    assert provider_client.get(f"/settings/webhooks/{foreign.uuid}/").status_code == 404
    assert provider_client.post(f"/settings/webhooks/{foreign.uuid}/rotate/").status_code == 404
    assert provider_client.post(f"/settings/webhooks/{foreign.uuid}/test/").status_code == 404
