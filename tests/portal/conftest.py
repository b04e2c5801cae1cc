import pytest


@pytest.fixture(autouse=True)
def _fresh_cache(fresh_cache):
    """Rate-limit and sign-in counters live in the cache: every test starts from zero."""
