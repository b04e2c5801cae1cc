"""A double submit of the wizard shows the temporary password exactly once.

Two POSTs of the review step with the same idempotency key, at once, in one
session (a double click, a retried request): one customer is created, and the
setup page then shows its password once. The losing request used to save its
stale session over the winner's, and the password was never shown.
"""

import io
import json
import threading
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from customers.models import Customer
from tests.customers.conftest import idempotency_key

pytestmark = pytest.mark.django_db(transaction=True)

TRIALS = 4


def _submit_twice_at_once(client, key):
    """Two requests of one session (same cookies), released together."""
    twin = Client()
    twin.cookies = client.cookies
    barrier = threading.Barrier(2)
    answers = []

    def submit(some_client):
        try:
            barrier.wait()
            answers.append(
                some_client.post(reverse("customers:customer_new_review"), {"idempotency_key": key})
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(c,)) for c in (client, twin)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


@pytest.mark.parametrize("trial", range(TRIALS))
def test_a_concurrent_double_submit_still_shows_the_password_once(
    trial, provider_admin, walk_to_review
):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race is exercised on PostgreSQL")
    client = Client()
    client.force_login(provider_admin)
    key = idempotency_key(walk_to_review(client, domain_prefix=f"race{trial}"))

    answers = _submit_twice_at_once(client, key)
    assert [a.status_code for a in answers] == [302, 302]
    assert answers[0].url == answers[1].url
    assert Customer.objects.count() == 1

    first = client.get(answers[0].url)
    assert first.context["password"], "the setup page never showed the password"
    assert "it will not be shown again" in first.content.decode()
    second = client.get(answers[0].url)
    assert second.context["password"] is None


def _everything_stored() -> str:
    """Every row of the database and every session, as text."""
    out = io.StringIO()
    call_command("dumpdata", exclude=["contenttypes", "auth.permission"], stdout=out)
    sessions = json.dumps([s.get_decoded() for s in Session.objects.all()])
    return out.getvalue() + sessions


def test_the_password_waiting_to_be_shown_is_nowhere_in_clear(provider_client, walk_to_review):
    review = walk_to_review(provider_client)
    response = provider_client.post(
        reverse("customers:customer_new_review"), {"idempotency_key": idempotency_key(review)}
    )
    stored_while_waiting = _everything_stored()
    password = provider_client.get(response.url).context["password"]
    assert password
    assert password not in stored_while_waiting


def test_the_password_waits_a_limited_time(provider_client, walk_to_review, monkeypatch):
    review = walk_to_review(provider_client)
    response = provider_client.post(
        reverse("customers:customer_new_review"), {"idempotency_key": idempotency_key(review)}
    )
    later = timezone.now() + timedelta(hours=1)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    page = provider_client.get(response.url)
    assert page.context["password"] is None
    assert "cannot be shown again" in page.content.decode()
