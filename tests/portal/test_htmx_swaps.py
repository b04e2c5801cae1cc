"""Every HTMX control that loads a list's table replaces the table: the partial it gets back is
the table's own element (id included), so swapping it inside would nest a second copy."""

import re

import pytest
from django.urls import reverse

from tests import factories as f

TAG = re.compile(r"<[a-z]+\b[^>]*\bhx-target=\"#([\w-]+)\"[^>]*>", re.S)


@pytest.fixture
def rows(provider, reseller):
    # Two pages of each list, so the pagination links are there too.
    for i in range(51):
        customer = f.CustomerFactory(provider=provider, reseller=reseller, company_name=f"C{i}")
        f.SubscriptionFactory(customer=customer, support_contact=reseller)


PAGES = [
    ("provider_client", "customers:customer_list"),
    ("provider_client", "subscriptions:subscription_list"),
    ("provider_client", "partners:reseller_list"),
    ("provider_client", "activity_log"),
    ("provider_client", "user_list"),
    ("reseller_client", "subscriptions:support_queue"),
    ("client", "partners:directory"),
]


@pytest.mark.parametrize(("client_name", "url_name"), PAGES)
def test_controls_that_load_a_table_replace_it(request, rows, client_name, url_name):
    client = request.getfixturevalue(client_name)
    url = reverse(url_name)
    page = client.get(url).content.decode()
    partial = client.get(url, headers={"HX-Request": "true"}).content.decode().lstrip()
    controls = [(tag.group(0), tag.group(1)) for tag in TAG.finditer(page)]
    own = [(tag, target) for tag, target in controls if partial.startswith(f'<div id="{target}"')]
    assert own, f"{url}: no control loads the table"
    for tag, target in own:
        assert 'hx-swap="outerHTML"' in tag, f"{url}: {tag} swaps inside #{target}"
