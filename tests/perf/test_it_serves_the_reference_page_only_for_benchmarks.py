"""The benchmark's reference page: not routed in production, no query of its own when routed."""

import pytest
from django.test import override_settings

from portal import bench


def test_it_is_not_routed_without_debug_or_benchmark_views(provider_client, monkeypatch):
    monkeypatch.delenv("BENCHMARK_VIEWS", raising=False)
    assert not bench.benchmark_views_enabled()
    assert provider_client.get("/bench/reference/").status_code == 404


def test_benchmark_views_turns_it_on(monkeypatch):
    monkeypatch.setenv("BENCHMARK_VIEWS", "1")
    assert bench.benchmark_views_enabled()


@override_settings(ROOT_URLCONF="tests.perf.bench_urls")
def test_it_renders_the_layout_with_only_the_sign_in_queries(
    provider_client, django_assert_max_num_queries
):
    provider_client.get("/bench/reference/")
    with django_assert_max_num_queries(3):  # session, user, membership
        response = provider_client.get("/bench/reference/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Indirect resellers" in html and "Customers" in html  # the menu of the layout


@override_settings(ROOT_URLCONF="tests.perf.bench_urls")
@pytest.mark.django_db
def test_it_asks_an_anonymous_visitor_to_sign_in(client):
    response = client.get("/bench/reference/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@override_settings(ROOT_URLCONF="tests.perf.bench_urls")
def test_it_answers_only_get(provider_client):
    assert provider_client.post("/bench/reference/").status_code == 405
