"""Two concurrent accepts of one link create one partnership (row lock on PostgreSQL)."""

import threading

import pytest
from django.db import connection, connections

from partners import services
from partners.models import Partnership, PartnershipRequest
from portal.roles import Role
from tests import factories as f


@pytest.mark.django_db(transaction=True)
def test_it_creates_one_partnership_when_two_accepts_race():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the row lock is exercised on PostgreSQL")
    provider = f.ProviderFactory()
    prepared = services.partnership_request_prepare(
        provider=provider,
        actor=f.MembershipFactory(organisation=provider).user,
        email="race@reseller.example",
    )
    resellers = [f.ResellerFactory(), f.ResellerFactory()]
    users = [
        f.MembershipFactory(
            organisation=r, role=Role.GLOBAL_ADMIN, user__email=f"admin{n}@reseller.example"
        ).user
        for n, r in enumerate(resellers)
    ]
    barrier = threading.Barrier(2)
    outcomes = []

    def accept(reseller, user):
        try:
            barrier.wait()
            services.partnership_accept(token=prepared.token, reseller=reseller, actor=user)
            outcomes.append("accepted")
        except services.InviteUnavailable as error:
            outcomes.append(error.status)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=accept, args=pair) for pair in zip(resellers, users, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes, key=str) == [410, "accepted"]
    assert Partnership.objects.filter(provider=provider).count() == 1
    assert PartnershipRequest.objects.get().status == "accepted"
