"""On a phone (375 px) the list tables keep their key columns in view: no column a user acts
on (name, offer, licences, status, actions) is off screen, in English and Japanese."""

import pytest
from django.urls import reverse

from portal.roles import Role
from tests import factories as f
from tests.e2e._language import switch_language
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

# The header cells that must be fully on screen at 375 px, per list.
KEY_COLUMNS = {
    "en": {
        "/customers/": ["Name", "Subscriptions"],
        "/subscriptions/": ["Customer", "Offer", "Licences", "Status"],
        "/activity/": ["Time", "Action"],
    },
    "ja": {
        "/customers/": ["名前", "サブスクリプション"],
        "/subscriptions/": ["顧客", "オファー", "ライセンス", "状態"],
        "/activity/": ["日時", "操作"],
    },
}


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_key_columns_stay_on_screen_on_a_phone(page, lang):
    provider = f.ProviderFactory(legal_name="Contoso Distribution")
    reseller = f.ResellerFactory(legal_name="Fabrikam Solutions")
    f.PartnershipFactory(provider=provider, reseller=reseller)
    customer = f.CustomerFactory(
        provider=provider, reseller=reseller, company_name="Alpine Ski House International"
    )
    f.SubscriptionFactory(customer=customer, quantity=25, support_contact=reseller)
    f.ActivityEventFactory(organisation=provider, object_repr="Alpine Ski House")
    f.MembershipFactory(
        organisation=provider, role=Role.GLOBAL_ADMIN, user__email="admin@contoso.example"
    )
    sign_in(page, "admin@contoso.example", f.PASSWORD)
    switch_language(page, lang)
    page.set_viewport_size({"width": 375, "height": 812})
    for path, headers in KEY_COLUMNS[lang].items():
        page.goto(path)
        table = page.locator("main table.data").first
        for header in headers:
            cell = table.locator("thead th", has_text=header).first
            box = cell.bounding_box()
            assert box is not None, (path, header)
            assert box["x"] >= 0 and box["x"] + box["width"] <= 375 + 1, (path, header, box)
    # Indirect resellers: the name, the agreement, the customers and the row's actions.
    page.goto(reverse("partners:reseller_list"))
    row = page.locator("#reseller-tables tbody tr", has_text="Fabrikam Solutions")
    for cell in row.locator("td:not(.hide-sm)").all():
        box = cell.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375 + 1, box
