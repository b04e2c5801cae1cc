"""GET /api/v1/overview: the caller's own figures, amounts only with the right to see them."""

import pytest

from overview import summaries
from portal.roles import Role
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def counted(provider, reseller):
    customer = f.CustomerFactory(provider=provider, reseller=reseller)
    f.SubscriptionFactory(customer=customer, quantity=7)
    f.CustomerFactory(provider=f.ProviderFactory())  # another provider's
    summaries.refresh()


def test_it_returns_the_callers_figures(provider, make_key, api_client, counted, fresh_cache):
    body = api_client(make_key(provider)).get("/api/v1/overview").json()
    assert body["figures"]["customers"] == {"value": 1, "previous": 0}
    assert body["figures"]["active_licences"]["value"] == 7
    assert "charges_month" in body["figures"] and "charges_by_month" in body["charts"]
    assert body["refreshed_at"]


def test_a_reseller_key_gets_the_resellers_own(
    reseller, make_key, api_client, counted, fresh_cache
):
    body = api_client(make_key(reseller)).get("/api/v1/overview").json()
    assert body["figures"]["providers"]["value"] == 1
    assert "active_resellers" not in body["figures"]


def test_no_amounts_without_the_right_to_view_statements(
    provider, make_key, api_client, counted, fresh_cache
):
    body = api_client(make_key(provider, Role.USER_ADMIN)).get("/api/v1/overview").json()
    assert "charges_month" not in body["figures"]
    assert "charges_by_month" not in body["charts"]


def test_before_the_first_refresh_it_says_so(provider, make_key, api_client, fresh_cache):
    body = api_client(make_key(provider)).get("/api/v1/overview").json()
    assert body == {"refreshed_at": None, "figures": {}, "charts": {}}
