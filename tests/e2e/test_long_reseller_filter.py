"""A distributor's long reseller filter in the browser: the options arrive after the page, and
choosing one filters the Customers and Subscriptions tables as a short list does."""

import pytest

from portal import listing
from portal.roles import Role
from tests import factories as f
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def distributor(live_server, monkeypatch, fresh_cache):
    monkeypatch.setattr(listing, "CACHED_CHOICES_FROM", 3)
    provider = f.ProviderFactory(legal_name="Contoso Distribution")
    f.MembershipFactory(
        organisation=provider, role=Role.GLOBAL_ADMIN, user__email="admin@contoso.example"
    )
    for name in ("Adatum Corp", "Fabrikam Solutions", "Northwind Traders", "Tailspin Partners"):
        reseller = f.ResellerFactory(legal_name=name)
        f.PartnershipFactory(provider=provider, reseller=reseller)
        customer = f.CustomerFactory(
            provider=provider, reseller=reseller, company_name=f"Client of {name}"
        )
        f.SubscriptionFactory(customer=customer, reseller_location=reseller.locations.first())
    return provider


@pytest.mark.parametrize(
    ("path", "select", "table"),
    [
        ("/customers/", "#reseller-filter", "#customer-table"),
        ("/subscriptions/", "#subscription-reseller", "#subscription-table"),
    ],
)
def test_the_options_load_after_the_page_and_filter_the_table(
    page, shot, distributor, path, select, table
):
    sign_in(page, "admin@contoso.example", f.PASSWORD)
    page.goto(path)
    options = page.locator(f"{select} option")
    options.nth(4).wait_for(state="attached")  # All + the four resellers, loaded apart
    assert options.count() == 5

    with page.expect_response(lambda response: "reseller=" in response.url):
        page.locator(select).select_option(label="Northwind Traders")
    page.locator(table).get_by_text("Client of Adatum Corp").wait_for(state="detached")
    assert "Client of Northwind Traders" in page.locator(table).inner_text()
    assert "reseller=" in page.url

    page.reload()  # the whole page: the chosen reseller is shown before the list arrives
    assert page.locator(f"{select} option:checked").inner_text() == "Northwind Traders"
    options.nth(4).wait_for(state="attached")
    assert page.locator(f"{select} option:checked").inner_text() == "Northwind Traders"
    shot(page, f"long-reseller-filter{path.replace('/', '-')}".rstrip("-"))
