"""New subscription, Upgrade and the new-customer wizard ask for one of the offer's
(term, billing frequency) pairs; the data migration gives existing subscriptions a term."""

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from subscriptions.models import Subscription
from subscriptions.terms import term_end_for
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def sold(offer):
    f.OfferTermFactory(offer=offer, term="P1Y", billing_frequency="monthly", position=0)
    f.OfferTermFactory(offer=offer, term="P3Y", billing_frequency="triennial", position=1)
    return offer


def _new(client, customer, offer, **data):
    url = reverse("subscriptions:subscription_new", args=[customer.uuid])
    payload = {"idempotency_key": str(uuid.uuid4()), "offer": offer.uuid, "quantity": 5, **data}
    return client.post(url, payload)


def test_a_new_subscription_gets_the_chosen_pair_and_its_term_dates(
    provider_client, customer, sold
):
    before = timezone.now()
    assert _new(provider_client, customer, sold, term="P3Y/triennial").status_code == 302
    sub = Subscription.objects.get(customer=customer)
    assert (sub.term, sub.billing_frequency) == ("P3Y", "triennial")
    assert sub.term_start >= before
    assert sub.term_end == term_end_for(sub.term_start, "P3Y")
    assert sub.seat_additions.get().seats == 5  # the purchase's cancellation window


def test_without_a_choice_it_takes_the_offers_first_pair(provider_client, customer, sold):
    assert _new(provider_client, customer, sold).status_code == 302
    sub = Subscription.objects.get(customer=customer)
    assert (sub.term, sub.billing_frequency) == ("P1Y", "monthly")


def test_a_pair_the_offer_is_not_sold_in_is_a_form_error(provider_client, customer, sold):
    response = _new(provider_client, customer, sold, term="P1M/monthly")
    assert response.status_code == 400
    assert "is not sold with this term and billing frequency" in response.content.decode()
    assert not Subscription.objects.exists()


def test_an_upgrade_starts_a_new_term_in_the_chosen_pair(provider_client, subscription, offer):
    target = f.OfferFactory(name="Business Premium")
    f.OfferTermFactory(offer=target, term="P1Y", billing_frequency="annual")
    offer.upgrades_to.add(target)
    url = reverse("subscriptions:subscription_upgrade", args=[subscription.uuid])
    data = {"version": 1, "offer": target.uuid, "quantity": 10, "term": "P1Y/annual"}
    assert provider_client.post(url, data).status_code == 302
    successor = Subscription.objects.get(upgraded_from=subscription)
    assert (successor.term, successor.billing_frequency) == ("P1Y", "annual")


def test_the_wizard_asks_each_offers_pair(provider_client, sold):
    html = provider_client.get(reverse("customers:customer_new_subscriptions"))
    # The wizard's step 2 needs step 1 first: it sends the user back.
    assert html.status_code in (200, 302)
    from customers.forms import SubscriptionLinesForm

    form = SubscriptionLinesForm(
        {f"offer_{sold.uuid}": "4", f"term_{sold.uuid}": "P3Y/triennial"}, offers=[sold]
    )
    assert form.is_valid(), form.errors
    assert form.lines() == [(sold, 4, "P3Y/triennial")]
    refused = SubscriptionLinesForm(
        {f"offer_{sold.uuid}": "4", f"term_{sold.uuid}": "P1M/monthly"}, offers=[sold]
    )
    assert not refused.is_valid()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="migrating back and forth")
def test_the_data_migration_gives_existing_subscriptions_their_current_term():
    executor = MigrationExecutor(connection)
    executor.migrate([("subscriptions", "0004_commerce_terms")])
    apps = executor.loader.project_state([("subscriptions", "0004_commerce_terms")]).apps
    Offer = apps.get_model("subscriptions", "Offer")
    OfferTerm = apps.get_model("subscriptions", "OfferTerm")
    Old = apps.get_model("subscriptions", "Subscription")
    provider = f.ProviderFactory()
    customer = f.CustomerFactory(provider=provider)
    monthly = Offer.objects.create(name="Monthly", sku="M1")
    annual = Offer.objects.create(name="Annual", sku="A1")
    OfferTerm.objects.create(offer=annual, term="P1Y", billing_frequency="annual", position=0)
    now = timezone.now()
    rows = {}
    for name, offer, age in (("new", monthly, 3), ("old", monthly, 400), ("annual", annual, 500)):
        sub = Old.objects.create(
            provider_id=provider.pk, customer_id=customer.pk, offer=offer, quantity=2
        )
        Old.objects.filter(pk=sub.pk).update(created_at=now - dt.timedelta(days=age))
        rows[name] = sub.pk
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    new, old, yearly = (Subscription.objects.get(pk=rows[n]) for n in ("new", "old", "annual"))
    assert (new.term, new.billing_frequency) == ("P1M", "monthly")
    assert new.term_start == new.created_at
    assert new.term_end == term_end_for(new.created_at, "P1M")
    # Older than one term: the term of the series that holds today.
    assert old.term_start <= now < old.term_end
    assert old.term_start.day == old.created_at.day or old.term_start.day >= 28
    assert (yearly.term, yearly.billing_frequency) == ("P1Y", "annual")
    assert yearly.term_start <= now < yearly.term_end
    assert yearly.term_end == term_end_for(yearly.term_start, "P1Y")
