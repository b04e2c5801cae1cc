"""The price list, the reseller's prices, tiers, per-reseller prices and statements pages."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from billing import services
from billing.models import Charge, PartnershipTier, PriceListEntry, ResellerPrice, Statement, Tier
from portal.models import OutboundEmail
from portal.roles import Role
from tests import factories as f

pytestmark = pytest.mark.django_db

PRICES = reverse("billing:price_list")
STATEMENTS = reverse("billing:statement_list")


def _queries(client, url, **params):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
        assert response.status_code == 200
    return len(captured), response.content.decode()


def _entries(provider, count, start=0):
    for i in range(start, start + count):
        PriceListEntry.objects.create(
            provider=provider,
            offer=f.OfferFactory(name=f"Offer {i:03d}"),
            term="P1M",
            billing_frequency="monthly",
            cost=Decimal("10.00"),
            reseller_price=Decimal("12.00"),
            retail_price=Decimal("15.00"),
            effective_from=dt.date(2026, 1, 1),
        )


def test_the_price_list_runs_the_same_queries_for_5_and_60_rows(provider_client, provider):
    _entries(provider, 5)
    small, _html = _queries(provider_client, PRICES)
    _entries(provider, 55, start=5)
    large, html = _queries(provider_client, PRICES)
    assert large == small
    assert "Page 1 of 2" in html


def test_the_price_list_searches_and_filters_by_term(provider_client, provider, offer, priced):
    _entries(provider, 3)
    html = provider_client.get(PRICES, {"q": "365"}).content.decode()
    table = html.split('id="price-table"')[1]
    assert "Microsoft 365 E3" in table and "Offer 001" not in table
    html = provider_client.get(PRICES, {"term": "P1Y"}).content.decode()
    assert "No prices match." in html


def test_the_price_list_keeps_history_and_marks_a_scheduled_price(
    provider_client, provider, provider_admin, offer, priced
):
    services.price_entry_add(
        provider=provider,
        offer=offer,
        term="P1M",
        billing_frequency="monthly",
        cost=Decimal("21"),
        reseller_price=Decimal("33"),
        retail_price=Decimal("40"),
        effective_from=timezone.localdate() + dt.timedelta(days=10),
        actor=provider_admin,
    )
    html = provider_client.get(PRICES).content.decode()
    assert "30.00" in html and "33.00" in html and "Scheduled" in html


def test_an_effective_price_is_never_edited(provider, provider_admin, offer, priced):
    today = timezone.localdate()
    kw = {
        "provider": provider,
        "offer": offer,
        "term": "P1M",
        "billing_frequency": "monthly",
        "cost": Decimal("1"),
        "reseller_price": Decimal("2"),
        "retail_price": Decimal("3"),
        "effective_from": today,
        "actor": provider_admin,
    }
    services.price_entry_add(**kw)
    with pytest.raises(services.BillingError):
        services.price_entry_add(**{**kw, "reseller_price": Decimal("9")})
    assert PriceListEntry.objects.get(effective_from=today).reseller_price == Decimal("2.00")


def test_scheduling_shows_the_affected_resellers_then_emails_each_its_change(
    provider_client, provider, reseller, offer, priced, django_capture_on_commit_callbacks
):
    own = f.ResellerFactory(legal_name="Own Price Reseller")
    f.PartnershipFactory(provider=provider, reseller=own)
    ResellerPrice.objects.create(
        provider=provider,
        reseller=own,
        offer=offer,
        price=Decimal("25"),
        effective_from=dt.date(2026, 1, 1),
    )
    day = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    data = {
        "offer": str(offer.uuid),
        "term_pair": "P1M/monthly",
        "cost": "22.00",
        "reseller_price": "34.50",
        "retail_price": "40.00",
        "effective_from": day,
    }
    url = reverse("billing:price_new")
    preview = provider_client.post(url, data).content.decode()
    assert "Fabrikam Test Solutions" in preview
    assert "Own Price Reseller" not in preview
    assert not PriceListEntry.objects.filter(reseller_price="34.50").exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = provider_client.post(url, {**data, "confirm": "on"})
    assert response.status_code == 302
    assert PriceListEntry.objects.filter(reseller_price="34.50").exists()
    notice = OutboundEmail.objects.get(kind="price-change")
    assert notice.to == reseller.contact_email
    assert notice.attachment_name == "price-changes.csv"
    assert notice.attachment_text.startswith("\ufeff")
    assert "34.50" in notice.attachment_text and "30.00" in notice.attachment_text
    # The row was sent through the outbox (eager Celery), with its CSV.
    sent = [m for m in mail.outbox if m.to == [reseller.contact_email]]
    assert sent and sent[0].attachments[0][0] == "price-changes.csv"


def test_a_sales_agent_reads_the_price_list_and_cannot_schedule(role_client, offer, priced):
    client = role_client(Role.SALES_AGENT)
    assert client.get(PRICES).status_code == 200
    assert client.get(reverse("billing:price_new")).status_code == 403


def test_a_user_management_admin_sees_no_prices(role_client, priced):
    client = role_client(Role.USER_ADMIN)
    assert client.get(PRICES).status_code == 403
    assert client.get(STATEMENTS).status_code == 403


def test_the_csv_export_has_a_bom_and_japanese_headers_in_japanese(provider_client, priced):
    english = provider_client.get(reverse("billing:price_export")).content
    assert english.startswith("\ufeff".encode())
    assert "Reseller price" in english.decode("utf-8-sig")
    japanese = provider_client.get(
        reverse("billing:price_export"), headers={"accept-language": "ja"}
    ).content.decode("utf-8-sig")
    with translation.override("ja"):
        assert str(translation.gettext("Reseller price")) in japanese.splitlines()[0]
    assert "Reseller price" not in japanese


def test_an_exported_list_imports_back(provider_client, provider, offer, priced):
    body = provider_client.get(
        reverse("billing:price_export"), headers={"accept-language": "ja"}
    ).content.decode("utf-8-sig")
    day = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    body = body.replace("2026-01-01", day).replace("30.000", "31.000").replace("30.00", "31.00")
    upload = ("\ufeff" + body).encode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = provider_client.post(
        reverse("billing:price_import"),
        {"file": SimpleUploadedFile("prices.csv", upload, content_type="text/csv")},
    )
    assert response.status_code == 302
    assert PriceListEntry.objects.filter(effective_from=day, reseller_price="31.00").exists()


def test_a_bad_import_line_adds_nothing(provider_client, provider, offer, priced):
    from django.core.files.uploadedfile import SimpleUploadedFile

    day = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    text = (
        "SKU,Offer,Term,Billing frequency,Cost,Reseller price,Suggested retail price,Effective from\n"
        f"M365E3,x,P1M,monthly,1,2,3,{day}\n"
        f"NOPE,x,P1M,monthly,1,2,3,{day}\n"
    )
    response = provider_client.post(
        reverse("billing:price_import"),
        {"file": SimpleUploadedFile("p.csv", text.encode(), content_type="text/csv")},
        follow=True,
    )
    assert "Line 3" in response.content.decode()
    assert PriceListEntry.objects.count() == 1


# The reseller's view: an isolation rule ------------------------------------------------


def test_a_reseller_sees_its_own_price_never_the_cost_tier_or_anothers_price(
    client_for, provider, reseller, reseller_admin, offer, priced
):
    tier = Tier.objects.create(provider=provider, name="Platinum", percent_off=Decimal("10"))
    PartnershipTier.objects.create(provider=provider, reseller=reseller, tier=tier)
    other = f.ResellerFactory()
    f.PartnershipFactory(provider=provider, reseller=other)
    ResellerPrice.objects.create(
        provider=provider,
        reseller=other,
        offer=offer,
        price=Decimal("17.77"),
        effective_from=dt.date(2026, 1, 1),
    )
    html = client_for(reseller_admin).get(PRICES).content.decode()
    assert "27.00 USD" in html  # 30.00 less 10 %
    for secret in ("20.00", "17.77", "Platinum", "36.00", "30.00"):
        assert secret not in html, secret


def test_subscription_details_show_the_price_and_to_the_provider_cost_and_margin(
    provider_client, client_for, reseller_admin, priced, credited_subscription
):
    url = reverse("subscriptions:subscription_detail", args=[credited_subscription.uuid])
    provider_html = provider_client.get(url).content.decode()
    assert "30.00 USD" in provider_html and "20.00 USD" in provider_html
    assert 'id="subscription-unit-margin">10.00 USD' in provider_html
    reseller_html = client_for(reseller_admin).get(url).content.decode()
    assert "30.00 USD" in reseller_html
    assert "20.00" not in reseller_html and "subscription-unit-margin" not in reseller_html


# Statements ------------------------------------------------------------------------------


@pytest.fixture
def current_subscription(provider, reseller, offer):
    """A subscription whose monthly term began today, credited to the reseller."""
    return f.SubscriptionFactory(
        customer=f.CustomerFactory(provider=provider, reseller=reseller),
        offer=offer,
        reseller_location=reseller.locations.get(),
    )


def _charge(subscription, seats, day):
    return services.charge_record(
        subscription=subscription,
        kind=Charge.Kind.SEATS_ADDED,
        quantity=seats,
        now=dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC),
    )


def test_statement_pages_show_totals_and_the_reseller_no_cost(
    provider_client, client_for, reseller_admin, priced, current_subscription
):
    charge = _charge(current_subscription, 2, timezone.localdate())
    provider_list = provider_client.get(STATEMENTS).content.decode()
    assert "Fabrikam Test Solutions" in provider_list and str(charge.amount) in provider_list
    reseller_client = client_for(reseller_admin)
    reseller_list = reseller_client.get(STATEMENTS).content.decode()
    assert str(charge.amount) in reseller_list and str(charge.cost) not in reseller_list
    url = reverse("billing:statement_detail", args=[charge.statement.uuid])
    page = reseller_client.get(url).content.decode()
    assert "Licences added" in page and ">Margin<" not in page
    csv_text = b"".join(
        reseller_client.get(reverse("billing:statement_csv", args=[charge.statement.uuid]))
    ).decode()
    assert csv_text.startswith("\ufeff") and "Cost" not in csv_text
    assert csv_text.strip().splitlines()[-1].endswith(str(charge.amount))


def test_the_statement_csv_has_japanese_headers_and_the_pdf_renders(
    client_for, reseller_admin, priced, current_subscription
):
    charge = _charge(current_subscription, 2, timezone.localdate())
    client = client_for(reseller_admin)
    response = client.get(
        reverse("billing:statement_csv", args=[charge.statement.uuid]),
        headers={"accept-language": "ja"},
    )
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    with translation.override("ja"):
        assert translation.gettext("Amount") in text.splitlines()[0]
    pdf = client.get(reverse("billing:statement_pdf", args=[charge.statement.uuid]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_a_reseller_cannot_open_another_resellers_statement(
    client_for, provider, priced, current_subscription, member_factory
):
    charge = _charge(current_subscription, 2, timezone.localdate())
    other = f.ResellerFactory()
    f.PartnershipFactory(provider=provider, reseller=other)
    client = client_for(member_factory(other))
    for name in ("statement_detail", "statement_csv", "statement_pdf"):
        assert (
            client.get(reverse(f"billing:{name}", args=[charge.statement.uuid])).status_code == 404
        )


def test_the_statements_list_runs_the_same_queries_for_few_and_many(
    provider_client, provider, offer, priced
):
    def statements(count):
        for _ in range(count):
            reseller = f.ResellerFactory()
            Statement.objects.create(
                provider=provider, reseller=reseller, month=dt.date(2026, 1, 1), currency="USD"
            )

    statements(3)
    small, _html = _queries(provider_client, STATEMENTS)
    statements(60)
    large, html = _queries(provider_client, STATEMENTS)
    assert large == small
    assert "Page 1 of 2" in html


def test_the_statement_lines_run_the_same_queries_for_few_and_many(
    provider_client, priced, current_subscription
):
    day = timezone.localdate()
    charge = _charge(current_subscription, 1, day)
    url = reverse("billing:statement_detail", args=[charge.statement.uuid])
    small, _html = _queries(provider_client, url)
    for _ in range(60):
        _charge(current_subscription, 1, day)
    large, html = _queries(provider_client, url)
    assert large == small
    assert "Page 1 of 2" in html


def test_the_price_list_filters_by_offer(provider_client, provider, offer, priced):
    _entries(provider, 3)
    html = provider_client.get(PRICES, {"offer": str(offer.uuid)}).content.decode()
    table = html.split('id="price-table"')[1]
    assert "Microsoft 365 E3" in table and "Offer 001" not in table
    assert f'<option value="{offer.uuid}" selected>' in html
