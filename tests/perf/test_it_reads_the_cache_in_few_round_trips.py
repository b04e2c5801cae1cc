"""A list page reads the cache in few round trips: the session, the sign-in, then
everything the list needs (its count, a deep page's start, whether its reseller
filter is long) in one."""

import pytest
from django.conf import settings
from django.core.cache import caches

from portal import listing
from tests import factories as f

pytestmark = pytest.mark.usefixtures("fresh_cache")

# Round trips to a cache server: with REDIS_URL (the process-local cache has none).
to_redis = pytest.mark.skipif(
    "redis" not in settings.CACHES["default"]["BACKEND"].lower(),
    reason="round trips to Redis: set REDIS_URL",
)

# Each a round trip to the cache server (delete_many and set_many are one).
CALLS = ("get", "get_many", "set", "set_many", "add", "delete", "delete_many", "has_key", "touch")


@pytest.fixture
def round_trips(monkeypatch):
    """The cache calls made, by name, as a list (the calls of one request after clearing it)."""
    made = []
    cache = caches["default"]
    for name in CALLS:
        original = getattr(cache, name)

        def counted(*args, _name=name, _original=original, **kwargs):
            made.append((_name, args[0] if args else None))
            return _original(*args, **kwargs)

        monkeypatch.setattr(cache, name, counted)
    return made


def _reads(made):
    return [call for call in made if call[0] in ("get", "get_many", "has_key")]


@to_redis
@pytest.mark.parametrize("url", ["/customers/", "/subscriptions/"])
@pytest.mark.parametrize("long_filter", [False, True])
def test_a_list_page_reads_the_cache_three_times(
    provider_client, provider, round_trips, monkeypatch, url, long_filter
):
    monkeypatch.setattr(listing, "CACHED_COUNT_FROM", 2)
    if long_filter:
        monkeypatch.setattr(listing, "CACHED_CHOICES_FROM", 2)
    for n in range(3):
        reseller = f.ResellerFactory(legal_name=f"Reseller {n}")
        f.PartnershipFactory(provider=provider, reseller=reseller)
        f.SubscriptionFactory(customer=f.CustomerFactory(provider=provider, reseller=reseller))
    assert provider_client.get(url).status_code == 200  # counts and filters cached
    round_trips.clear()
    response = provider_client.get(url)
    assert response.status_code == 200
    # A long list loads after the page; a short one comes with it.
    assert (f'<option value="{reseller.uuid}"' in response.text) is not long_filter
    reads = _reads(round_trips)
    # The session, the signed-in user, the list's cached facts.
    assert len(reads) == 3, reads
    assert len(round_trips) == 3, round_trips


@to_redis
def test_a_deep_page_reads_its_start_with_the_count_and_the_filter(
    provider_client, provider, round_trips, monkeypatch
):
    monkeypatch.setattr(listing, "CACHED_COUNT_FROM", 2)
    monkeypatch.setattr(listing, "DEEP_FROM", 0)  # every page remembers its start
    for _n in range(3):
        f.SubscriptionFactory(customer=f.CustomerFactory(provider=provider))
    url = "/subscriptions/?page=1"
    assert provider_client.get(url).status_code == 200
    round_trips.clear()
    assert provider_client.get(url).status_code == 200
    reads = _reads(round_trips)
    assert len(reads) == 3, reads
    assert len(reads[2][1]) == 3  # the count, the page's start, the filter's length


def test_what_is_read_ahead_is_read_once_and_not_past_the_request(provider, client):
    from subscriptions.models import Subscription

    f.SubscriptionFactory(customer=f.CustomerFactory(provider=provider))
    cache = caches["default"]
    subscriptions = Subscription.objects.for_org(provider).order_by("pk")
    listing.paginate_by_key(
        subscriptions, 1, 25, lambda keys: subscriptions.filter(pk__in=keys), key="k", also=["x"]
    )
    cache.set("x", "changed")
    assert listing._cache_get("x") is None  # as read with the page
    assert listing._cache_get("x") == "changed"  # taken by its first read
    listing.paginate_by_key(
        subscriptions, 1, 25, lambda keys: subscriptions.filter(pk__in=keys), key="k", also=["x"]
    )
    cache.set("x", "changed again")
    client.get("/")  # another request starts: nothing read ahead is left
    assert listing._cache_get("x") == "changed again"
