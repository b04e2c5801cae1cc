import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit and sign-in counters live in the cache: every test starts from zero."""
    cache.clear()
    yield
    cache.clear()
