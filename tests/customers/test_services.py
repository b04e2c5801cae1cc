import uuid

import pytest

from customers import selectors, services
from customers.models import Customer
from relationships.models import AdminRelationship
from subscriptions.models import Order
from tests import factories as f


def _details(domain="northwind.onmicrosoft.example"):
    return services.CustomerDetails(
        company_name="Northwind Traders",
        primary_domain=domain,
        street="1 Harbour Road",
        city="Osaka",
        postal_code="530-0001",
        country="JP",
        contact_first_name="Aiko",
        contact_last_name="Sato",
        contact_email="it@northwind.example",
        contact_phone="",
        language="ja",
    )


def _create(provider, actor, key, domain="northwind.onmicrosoft.example"):
    return services.customer_create(
        provider=provider,
        actor=actor,
        details=_details(domain),
        reseller=None,
        lines=[(f.OfferFactory(), 3)],
        idempotency_key=key,
    )


def test_a_repeated_key_returns_the_first_customer_without_a_password(provider, provider_admin):
    key = uuid.uuid4()
    first = _create(provider, provider_admin, key)
    again = _create(provider, provider_admin, key, domain="other.onmicrosoft.example")
    assert first.temporary_password
    assert again.customer == first.customer and again.temporary_password is None
    assert Customer.objects.count() == 1 and Order.objects.count() == 1


def test_a_concurrent_submit_with_the_same_key_is_undone(provider, provider_admin, monkeypatch):
    key = uuid.uuid4()
    winner = _create(provider, provider_admin, key).customer
    lookups = iter([None])  # the first lookup runs before the other submit committed
    real_lookup = selectors.customer_for_order_key
    monkeypatch.setattr(
        selectors,
        "customer_for_order_key",
        lambda **kw: next(lookups, None) or real_lookup(**kw),
    )

    result = _create(provider, provider_admin, key, domain="second.onmicrosoft.example")
    assert result.customer == winner and result.temporary_password is None
    assert list(Customer.objects.all()) == [winner]
    assert not AdminRelationship.objects.exists()


def test_a_domain_taken_in_the_meantime_is_a_clear_error(provider, provider_admin):
    f.CustomerFactory(primary_domain="northwind.onmicrosoft.example")
    with pytest.raises(services.CustomerError, match="has just been taken"):
        _create(provider, provider_admin, uuid.uuid4())
    assert Customer.objects.count() == 1 and not Order.objects.exists()
