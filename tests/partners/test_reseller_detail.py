"""The reseller page: a provider's view of one reseller, its customers, rights and activity."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.audit import Verb
from portal.roles import Role
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def partnership(provider, reseller):
    return reseller.provider_partnerships.get(provider=provider)


def _url(partnership):
    return reverse("partners:reseller_detail", args=[partnership.uuid])


def test_it_shows_profile_customers_licences_rights_and_activity(
    provider_client, provider, reseller, partnership, provider_admin
):
    f.PartnerLocationFactory(organisation=reseller, name="Osaka office", country="JP")
    first = f.CustomerFactory(provider=provider, reseller=reseller, company_name="Alpha Corp")
    second = f.CustomerFactory(provider=provider, reseller=reseller, company_name="Beta KK")
    f.CustomerFactory(reseller=reseller, company_name="Foreign Customer")  # another provider's
    offer = f.OfferFactory(name="Microsoft 365 E3")
    f.SubscriptionFactory(customer=first, offer=offer, quantity=10)
    f.SubscriptionFactory(customer=second, offer=offer, quantity=5)
    f.SubscriptionFactory(customer=second, offer=offer, quantity=99, status="cancelled")
    f.TenantOwnerGrantFactory(customer=second, organisation=reseller)
    relationship = f.AdminRelationshipFactory(
        customer=first, partner=reseller, display_name="Fabrikam helpdesk"
    )
    f.AdminRelationshipFactory(
        customer=second, partner=reseller, display_name="Ended access", status="terminated"
    )
    f.ActivityEventFactory(
        organisation=provider,
        actor=provider_admin,
        verb=Verb.PARTNERSHIP_CREATED,
        object_type="partnership",
        object_id=str(partnership.uuid),
    )
    response = provider_client.get(_url(partnership))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Fabrikam Test Solutions</h1>" in html
    assert reseller.partner_id in html and f"mailto:{reseller.contact_email}" in html
    assert "Osaka office" in html and "Japan" in html
    assert "Alpha Corp" in html and "Beta KK" in html and "Foreign Customer" not in html
    assert "Microsoft 365 E3" in html
    # Licences per offer: the two live subscriptions, not the cancelled one.
    assert '<td class="num">2</td><td class="num">15</td>' in html
    detail = reverse("relationships:relationship_detail", args=[relationship.uuid])
    assert f'<a href="{detail}">Fabrikam helpdesk</a>' in html and "Ended access" not in html
    assert "Tenant owner" in html
    assert "Partnership begun" in html
    assert "Add new customer" in html and "Remove partnership" in html
    assert "Agreement accepted" in html and "Send agreement reminder" not in html


@pytest.fixture
def not_accepted(reseller):
    reseller.agreement_accepted_at = None
    reseller.save()
    return reseller


def test_a_reseller_without_the_agreement_can_be_reminded(
    provider_client, partnership, not_accepted
):
    html = provider_client.get(_url(partnership)).content.decode()
    assert "Not accepted" in html and "Send agreement reminder" in html


def test_a_recent_reminder_is_shown_instead_of_the_button(
    provider_client, partnership, not_accepted
):
    partnership.agreement_reminder_sent_at = timezone.now() - timedelta(hours=2)
    partnership.save()
    html = provider_client.get(_url(partnership)).content.decode()
    assert "Reminder sent on" in html
    assert "Send agreement reminder" not in html


def test_the_reminder_from_the_page_comes_back_to_it(provider_client, partnership, not_accepted):
    response = provider_client.post(
        reverse("partners:agreement_reminder", args=[partnership.uuid]), {"from": "detail"}
    )
    assert response.status_code == 302 and response.url == _url(partnership)
    partnership.refresh_from_db()
    assert partnership.agreement_reminder_sent_at is not None


def test_a_removed_partnership_shows_without_actions(provider_client, partnership):
    partnership.status = "removed"
    partnership.removed_at = timezone.now()
    partnership.save()
    html = provider_client.get(_url(partnership)).content.decode()
    assert "badge-removed" in html
    assert "Remove partnership" not in html and "Add new customer" not in html


def test_it_is_in_japanese(provider_client, partnership):
    provider_client.cookies["django_language"] = "ja"
    html = provider_client.get(_url(partnership), HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "ライセンス" in html and "パートナーシップ" in html


@pytest.mark.parametrize("role", list(Role))
def test_every_role_can_view_it(role_client, partnership, role):
    html = role_client(role).get(_url(partnership)).content.decode()
    assert "Fabrikam Test Solutions" in html
    assert ("Remove partnership" in html) is (role in (Role.GLOBAL_ADMIN, Role.ADMIN_AGENT))


def test_another_providers_partnership_is_a_404(outsider_client, partnership):
    assert outsider_client.get(_url(partnership)).status_code == 404


def test_a_reseller_gets_a_404(reseller_client, partnership):
    assert reseller_client.get(_url(partnership)).status_code == 404


@pytest.mark.parametrize("customers", [2, 12])
def test_its_queries_do_not_grow_with_the_reseller(
    provider_client, provider, reseller, partnership, customers, django_assert_max_num_queries
):
    for _ in range(customers):
        customer = f.CustomerFactory(provider=provider, reseller=reseller)
        f.SubscriptionFactory(customer=customer)
        f.TenantOwnerGrantFactory(customer=customer, organisation=reseller)
        f.AdminRelationshipFactory(customer=customer, partner=reseller)
    with django_assert_max_num_queries(11):
        assert provider_client.get(_url(partnership)).status_code == 200


def test_its_headings_and_countries_are_japanese_in_japanese(
    provider_client, reseller, partnership
):
    f.PartnerLocationFactory(organisation=reseller, name="Osaka office", country="JP")
    provider_client.cookies["django_language"] = "ja"
    html = provider_client.get(_url(partnership)).content.decode()
    assert '<h2 id="activity-heading">アクティビティ</h2>' in html
    assert "Osaka office (" in html and ", 日本)" in html


def test_a_large_resellers_offer_summary_is_kept_a_minute_a_small_ones_is_exact(
    provider_client, provider, reseller, partnership, monkeypatch
):
    from portal import listing

    monkeypatch.setattr(listing, "CACHED_COUNT_FROM", 2)
    customer = f.CustomerFactory(provider=provider, reseller=reseller)
    f.SubscriptionFactory(customer=customer, offer__name="Exchange Online", quantity=3)
    summary = provider_client.get(_url(partnership)).context["offers"]
    assert [(row["offer_name"], row["subscriptions"]) for row in summary] == [
        ("Exchange Online", 1)
    ]
    f.SubscriptionFactory(customer=customer, offer__name="Visio Plan 2")
    summary = provider_client.get(_url(partnership)).context["offers"]
    assert len(summary) == 2  # the summary of one subscription (small) was not kept
    f.SubscriptionFactory(customer=customer, offer__name="Project Plan 3")
    summary = provider_client.get(_url(partnership)).context["offers"]
    assert len(summary) == 2  # that of two (large) was: read a moment ago
