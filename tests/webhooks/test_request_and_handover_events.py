"""The events of an accepted reseller relationship request and of a handover's end or undo:
a subscribed endpoint gets the object as the API answers it."""

import json

import pytest

from api import services as api_services
from customers import services as customer_services
from jobs import services as job_services
from partners import handover as ho
from partners.models import Partnership
from portal.roles import Role
from tests import factories as f
from webhooks import services
from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(provider, member_factory):
    return member_factory(provider, Role.GLOBAL_ADMIN)


def _api_get(client, org, actor, path):
    secret = api_services.api_key_create(
        org=org,
        actor=actor,
        actor_role=Role.GLOBAL_ADMIN,
        name="Check",
        role=Role.GLOBAL_ADMIN,
        scope="read",
    ).secret
    response = client.get(path, headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    return response.json()


def _data(delivery):
    return json.loads(delivery.payload)["data"]


def test_an_accepted_request_is_delivered_to_the_provider_and_the_reseller(
    provider, reseller, admin, member_factory, receiver, client, django_capture_on_commit_callbacks
):
    hook = services.webhook_create(
        org=provider,
        url=receiver.url,
        events=["reseller-relationship-request-accepted"],
        actor=admin,
    )
    receiver.secret = hook.secret
    reseller_admin = member_factory(reseller, Role.GLOBAL_ADMIN)
    reseller_hook = services.webhook_create(
        org=reseller,
        url="https://reseller-hooks.example/in",
        events=["reseller-relationship-request-accepted"],
        actor=reseller_admin,
    )
    # Subscribed to something else: told only of that (the customer the acceptance makes).
    other = services.webhook_create(
        org=provider, url="https://other.example/in", events=["customer-created"], actor=admin
    )
    prepared = customer_services.reseller_relationship_request_send(
        provider=provider,
        reseller=reseller,
        actor=admin,
        actor_org=provider,
        details=customer_services.RelationshipRequestDetails(
            company_name="Fourth Coffee",
            primary_domain="fourthcoffee.onmicrosoft.example",
            contact_first_name="Mio",
            contact_last_name="Tanaka",
            contact_email="mio@fourthcoffee.example",
            language="en",
        ),
    )
    assert not WebhookDelivery.objects.exists()  # sent: no event

    with django_capture_on_commit_callbacks(execute=True):
        customer = customer_services.reseller_relationship_request_accept(token=prepared.token)

    [got] = receiver.received
    assert receiver.bad_signatures == 0
    assert got["payload"]["type"] == "reseller-relationship-request-accepted"
    data = got["payload"]["data"]
    assert data["status"] == "accepted" and data["customer_id"] == str(customer.uuid)
    request_id = prepared.relationship_request.uuid
    path = f"/api/v1/reseller-relationship-requests/{request_id}"
    assert data == _api_get(client, provider, admin, path)
    assert "url" not in data
    to_reseller = WebhookDelivery.objects.get(subscription=reseller_hook)
    assert _data(to_reseller) == _api_get(client, reseller, reseller_admin, path)
    assert (
        WebhookDelivery.objects.filter(event_type="reseller-relationship-request-accepted").count()
        == 2
    )
    assert [d.event_type for d in WebhookDelivery.objects.filter(subscription=other)] == [
        "customer-created"
    ]


def _book(provider, reseller):
    location = reseller.locations.get()
    customer = f.CustomerFactory(provider=provider, reseller=reseller, company_name="Alpha KK")
    f.SubscriptionFactory(customer=customer, reseller_location=location)
    return customer


def test_a_finished_handover_and_its_undo_are_delivered_with_the_api_representation(
    provider, reseller, admin, client
):
    hook = services.webhook_create(
        org=provider,
        url="https://hooks.example/in",
        events=["partnership-handover-finished", "partnership-handover-undone"],
        actor=admin,
    )
    _book(provider, reseller)
    partnership = Partnership.objects.get(provider=provider, reseller=reseller)
    handover = ho.handover_plan(partnership=partnership, actor=admin, decision="provider")
    ho.handover_start(handover=handover, actor=admin)
    assert not WebhookDelivery.objects.exists()  # planned and started: no event yet

    job_services.job_run(job_id=handover.job_id)

    finished = WebhookDelivery.objects.get(subscription=hook)
    assert finished.event_type == "partnership-handover-finished"
    data = _data(finished)
    assert data["id"] == str(handover.uuid) and data["status"] == "finished"
    assert data["decisions"] == {"leave": 0, "provider": 1, "reassign": 0}
    assert data["outcomes"]["applied"] == 1 and data["undo_deadline"] is not None
    got = _api_get(client, provider, admin, f"/api/v1/handovers/{handover.uuid}")
    # The same object; only the seconds left may differ (null once it ended).
    assert data == got

    handover.refresh_from_db()
    ho.handover_undo(handover=handover, actor=admin)
    handover.refresh_from_db()
    job_services.job_run(job_id=handover.undo_job_id)

    undone = WebhookDelivery.objects.exclude(pk=finished.pk).get(subscription=hook)
    assert undone.event_type == "partnership-handover-undone"
    data = _data(undone)
    assert data["status"] == "undone" and data["can_undo"] is False
    assert data == _api_get(client, provider, admin, f"/api/v1/handovers/{handover.uuid}")


def test_an_import_finishing_is_no_webhook_event(provider, admin):
    """Only a handover's job is an event: an import's end writes no delivery."""
    from jobs.models import Job

    services.webhook_create(
        org=provider,
        url="https://hooks.example/in",
        events=["partnership-handover-finished"],
        actor=admin,
    )
    job = Job.objects.create(
        organisation=provider, kind=Job.Kind.INVITES, created_by=admin, status=Job.Status.QUEUED
    )
    job_services.job_run(job_id=job.pk)
    assert not WebhookDelivery.objects.exists()
