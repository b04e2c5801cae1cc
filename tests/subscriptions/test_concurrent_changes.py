"""Two members change the same subscription at once: one wins, the other is told, nothing lost."""

import threading

import pytest
from django.db import connection, connections

from portal.roles import Role
from subscriptions import services
from subscriptions.models import Subscription, SubscriptionChange
from tests import factories as f

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks need PostgreSQL (SQLite locks the file)",
    ),
]


def test_it_loses_no_update_when_two_members_change_licences_at_once():
    subscription = f.SubscriptionFactory(quantity=10)
    provider = subscription.provider
    actors = [
        f.MembershipFactory(organisation=provider, role=Role.ADMIN_AGENT).user for _ in range(2)
    ]
    # Both rendered the page at version 1 and submit together.
    start = threading.Barrier(2)
    outcomes = {}

    def change(actor, quantity):
        try:
            start.wait(timeout=10)
            services.subscription_change_quantity(
                subscription=Subscription.objects.get(pk=subscription.pk),
                quantity=quantity,
                version=1,
                org=provider,
                actor=actor,
            )
            outcomes[quantity] = "saved"
        except services.StaleSubscription:
            outcomes[quantity] = "stale"
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=change, args=(actor, quantity))
        for actor, quantity in zip(actors, (20, 30), strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes.values()) == ["saved", "stale"]
    winner = next(quantity for quantity, outcome in outcomes.items() if outcome == "saved")
    subscription.refresh_from_db()
    assert (subscription.quantity, subscription.version) == (winner, 2)
    change = SubscriptionChange.objects.get(subscription=subscription, field="quantity")
    assert (change.before, change.after) == ("10", str(winner))
