"""The provider grants its reseller tenant owner rights on an Azure plan customer; the reseller
then sees them on its view of the customer — in English and Japanese."""

import pytest

from customers.models import TenantOwnerGrant
from portal.roles import Role
from subscriptions.models import Offer
from tests import factories as f
from tests.e2e._language import switch_language
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

LABELS = {
    "en": {"section": "Azure tenant owner", "grant": "Grant tenant owner to reseller"},
    "ja": {"section": "Azure テナント所有者", "grant": "リセラーにテナント所有者権限を付与"},
}


@pytest.fixture
def customer(live_server):
    provider = f.ProviderFactory(legal_name="Contoso Distribution")
    reseller = f.ResellerFactory(legal_name="Fabrikam Solutions")
    f.PartnershipFactory(provider=provider, reseller=reseller)
    f.MembershipFactory(
        organisation=provider, role=Role.ADMIN_AGENT, user__email="agent@contoso.example"
    )
    f.MembershipFactory(
        organisation=reseller, role=Role.GLOBAL_ADMIN, user__email="admin@fabrikam.example"
    )
    customer = f.CustomerFactory(provider=provider, reseller=reseller, company_name="Coho Winery")
    f.SubscriptionFactory(
        customer=customer, offer__name="Azure plan", offer__kind=Offer.Kind.AZURE_PLAN, quantity=1
    )
    return customer


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_grant_tenant_owner_and_see_it_as_the_reseller(page, shot, customer, lang):
    text = LABELS[lang]
    sign_in(page, "agent@contoso.example", f.PASSWORD)
    switch_language(page, lang)
    page.goto(f"/customers/{customer.uuid}/")
    section = page.locator("#tenant-owner")
    assert text["section"] in section.inner_text()
    section.get_by_role("button", name=text["grant"]).click()
    dialog = page.locator("#grant-owner-dialog")
    shot(page, f"tenant-owner-confirm-{lang}", full_page=False)
    dialog.get_by_role("button", name=text["grant"]).click()
    page.wait_for_load_state()
    assert "Fabrikam Solutions" in page.locator("#tenant-owner tbody").inner_text()
    assert page.locator("#tenant-owner").get_by_role("button", name=text["grant"]).count() == 0
    shot(page, f"tenant-owner-granted-{lang}")
    assert TenantOwnerGrant.objects.active().filter(customer=customer).count() == 1

    page.context.clear_cookies()
    sign_in(page, "admin@fabrikam.example", f.PASSWORD)
    switch_language(page, lang)
    page.goto(f"/customers/{customer.uuid}/")
    section = page.locator("#tenant-owner")
    assert "Fabrikam Solutions" in section.inner_text()
    assert section.locator("button").count() == 0
    shot(page, f"tenant-owner-reseller-{lang}")
