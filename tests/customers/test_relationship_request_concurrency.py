"""Two concurrent accepts of one reseller relationship request create one customer."""

import threading

import pytest
from django.db import connection, connections

from customers import services
from customers.models import Customer, ResellerRelationshipRequest
from tests import factories as f


@pytest.mark.django_db(transaction=True)
def test_it_creates_one_customer_when_two_accepts_race():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the row lock is exercised on PostgreSQL")
    provider, reseller = f.ProviderFactory(), f.ResellerFactory()
    f.PartnershipFactory(provider=provider, reseller=reseller)
    prepared = services.reseller_relationship_request_send(
        provider=provider,
        reseller=reseller,
        actor=f.MembershipFactory(organisation=provider).user,
        actor_org=provider,
        details=services.RelationshipRequestDetails(
            company_name="Race Coffee",
            primary_domain="racecoffee.onmicrosoft.example",
            contact_first_name="Mio",
            contact_last_name="Tanaka",
            contact_email="it@racecoffee.example",
            language="en",
        ),
    )
    barrier = threading.Barrier(2)
    outcomes = []

    def accept():
        try:
            barrier.wait()
            services.reseller_relationship_request_accept(token=prepared.token)
            outcomes.append("accepted")
        except services.RelationshipRequestUnavailable as error:
            outcomes.append(error.status)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes, key=str) == [410, "accepted"]
    assert Customer.objects.filter(provider=provider).count() == 1
    assert ResellerRelationshipRequest.objects.get().status == "accepted"
