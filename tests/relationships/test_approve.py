"""The customer's approval page (public): GET and HEAD change nothing; one use; a clear page
for a used, expired, terminated or tampered link; two approvals at once make one activation."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from relationships import services
from relationships.models import AdminRelationship
from tests import factories as f
from tests.security.conftest import rows_digest

TOKEN = "k" * 43
Status = AdminRelationship.Status


def _url(token=TOKEN):
    return reverse("relationships:approve", args=[token])


@pytest.fixture
def pending(customer, provider, roles):
    return f.AdminRelationshipFactory(
        customer=customer,
        partner=provider,
        display_name="Helpdesk access",
        duration_days=120,
        auto_extend=True,
        roles=[roles["Directory Readers"], roles["Helpdesk Administrator"]],
        status=Status.APPROVAL_PENDING,
        approved_at=None,
        ends_at=None,
        approval_token_hash=services.hash_token(TOKEN),
    )


@pytest.mark.django_db
def test_it_names_the_partner_each_role_the_duration_and_the_end_date(client, pending):
    with time_machine.travel(timezone.now(), tick=False):
        html = client.get(_url()).content.decode()
        end = timezone.localtime(timezone.now() + timedelta(days=120))
    assert "Contoso Test Distribution asks for admin rights" in html
    assert "Helpdesk Administrator" in html
    assert "Can reset passwords of non-administrators" in html
    assert "120 days" in html
    assert end.strftime("%Y") in html and "extended by 180 days" in html


@pytest.mark.django_db
def test_it_speaks_japanese(client, pending, japanese):
    html = japanese(client).get(_url()).content.decode()
    assert "ヘルプデスク管理者" in html and "承認" in html and "自動延長" in html


@pytest.mark.django_db
def test_get_and_head_change_nothing(client, pending):
    before = rows_digest()
    assert client.get(_url()).status_code == 200
    assert client.head(_url()).status_code == 200
    assert rows_digest() == before


@pytest.mark.django_db
def test_approve_needs_the_consent_box(client, pending):
    response = client.post(_url(), {})
    assert response.status_code == 400
    assert "Tick the box to approve." in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == Status.APPROVAL_PENDING


@pytest.mark.django_db
def test_approve_activates_it_once(client, pending, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(), {"consent": "on"})
    assert response.status_code == 200
    assert "Admin relationship approved" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == Status.ACTIVE
    assert pending.ends_at - pending.approved_at == timedelta(days=120)
    assert [m.to for m in mailoutbox] == [["it@alpineski.example"]]
    assert "/terminate/" in mailoutbox[0].body
    again = client.post(_url(), {"consent": "on"})
    assert again.status_code == 410
    assert "already been approved" in again.content.decode()
    assert client.get(_url()).status_code == 410


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("state", "status", "text"),
    [
        ("expired", 410, "This approval link has expired."),
        ("lapsed", 410, "This approval link has expired."),
        ("terminated", 410, "was terminated"),
        ("tampered", 404, "This link is not valid."),
        ("malformed", 404, "This link is not valid."),
    ],
)
def test_a_link_that_cannot_be_used_gets_a_clear_page(client, pending, state, status, text):
    token = TOKEN
    if state == "expired":
        AdminRelationship.objects.filter(pk=pending.pk).update(status=Status.EXPIRED)
    elif state == "lapsed":
        AdminRelationship.objects.filter(pk=pending.pk).update(
            created_at=timezone.now() - timedelta(days=91)
        )
    elif state == "terminated":
        AdminRelationship.objects.filter(pk=pending.pk).update(status=Status.TERMINATED)
    elif state == "tampered":
        token = TOKEN[:-1] + "j"
    else:
        token = "not a token!"
    for response in (client.get(_url(token)), client.post(_url(token), {"consent": "on"})):
        assert response.status_code == status
        assert text in response.content.decode()
    pending.refresh_from_db()
    assert pending.approved_at is None


@pytest.mark.django_db(transaction=True)
def test_two_approvals_at_once_make_one_activation():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the row lock is exercised on PostgreSQL")
    relationship = f.AdminRelationshipFactory(
        status=Status.APPROVAL_PENDING,
        approved_at=None,
        ends_at=None,
        approval_token_hash=services.hash_token(TOKEN),
    )
    barrier = threading.Barrier(2)
    outcomes = []

    def approve():
        try:
            barrier.wait()
            services.relationship_approve(token=TOKEN)
            outcomes.append("approved")
        except services.LinkUnavailable as error:
            outcomes.append(error.status)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes, key=str) == [410, "approved"]
    relationship.refresh_from_db()
    assert relationship.status == Status.ACTIVE
    assert (
        relationship.customer.provider.activity_events.filter(
            verb="admin_relationship.approved"
        ).count()
        == 1
    )


@pytest.mark.django_db
def test_the_customer_terminates_through_the_confirmation_link(client, customer, provider, roles):
    end_token = "e" * 43
    relationship = f.AdminRelationshipFactory(
        customer=customer,
        partner=provider,
        roles=[roles["User Administrator"]],
        termination_token_hash=services.hash_token(end_token),
    )
    url = reverse("relationships:customer_terminate", args=[end_token])
    before = rows_digest()
    html = client.get(url).content.decode()
    assert rows_digest() == before
    assert "User Administrator" in html and "ends at once" in html
    response = client.post(url)
    assert response.status_code == 200
    relationship.refresh_from_db()
    assert relationship.status in (Status.TERMINATION_REQUESTED, Status.TERMINATED)
    assert client.get(url).status_code == 410
