import io

import pytest
from django.apps import apps
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def _counts():
    return {
        m._meta.label: m.objects.count()
        for m in apps.get_models()
        if m._meta.app_label
        in {"portal", "partners", "customers", "subscriptions", "relationships"}
    }


def test_seed_demo_twice_gives_the_same_row_counts():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    first = _counts()
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert _counts() == first
    assert first["customers.Customer"] == 42  # two of them from the finished import
    # 100 seat-based subscriptions and one Azure plan.
    assert first["subscriptions.Subscription"] == 101
    assert first["subscriptions.Offer"] >= 8
    from portal.models import User

    assert User.objects.get(email="admin@contoso.example").check_password("Demo-Portal-2026")


def test_seed_demo_has_an_upgrade_path_and_an_azure_plan_customer():
    from subscriptions.models import Offer, Subscription

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    basic = Offer.objects.get(name="Microsoft 365 Business Basic")
    standard = basic.upgrades_to.get()
    assert standard.name == "Microsoft 365 Business Standard"
    assert standard.upgrades_to.get().name == "Microsoft 365 Business Premium"
    azure = Subscription.objects.select_related("customer__provider", "customer__reseller").get(
        offer__kind=Offer.Kind.AZURE_PLAN
    )
    assert azure.customer.provider.legal_name == "Contoso Distribution"
    assert azure.customer.reseller.legal_name == "Fabrikam Solutions"


def test_seed_demo_creates_the_documented_sign_ins():
    from partners.models import Membership

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    roles = {
        m.user.email: (m.organisation.legal_name, m.role)
        for m in Membership.objects.select_related("user", "organisation")
    }
    assert roles["admin@contoso.example"] == ("Contoso Distribution", "global_admin")
    assert roles["users@contoso.example"] == ("Contoso Distribution", "user_admin")
    assert roles["agent@contoso.example"] == ("Contoso Distribution", "admin_agent")
    assert roles["sales@contoso.example"] == ("Contoso Distribution", "sales_agent")
    assert roles["admin@northwind.example"] == ("Northwind Cloud", "global_admin")
    assert roles["admin@fabrikam.example"][0] == "Fabrikam Solutions"
    assert roles["admin@tailspin.example"][0] == "Tailspin Toys IT"


def test_seed_demo_gives_the_activity_log_history():
    from partners.models import Organisation
    from portal.models import ActivityEvent

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    contoso = Organisation.objects.get(legal_name="Contoso Distribution")
    fabrikam = Organisation.objects.get(legal_name="Fabrikam Solutions")
    verbs = set(ActivityEvent.objects.filter(organisation=contoso).values_list("verb", flat=True))
    assert verbs == {
        "partnership.created",
        "customer.created",
        "subscription.change_scheduled",
        "subscription.auto_renew_changed",
        "statement.closed",
        # The finished import: its own events and those of the customers it created.
        "import.started",
        "import.finished",
        "order.submitted",
        "admin_relationship.requested",
        # The pending reseller relationship request.
        "reseller_relationship_request.sent",
    }
    assert ActivityEvent.objects.filter(organisation=fabrikam, verb="customer.created").exists()


def test_seed_demo_shows_every_term_windows_a_scheduled_change_and_renewals():
    import datetime as dt

    from django.utils import timezone

    from subscriptions.models import ScheduledChange, SeatAddition, Subscription
    from subscriptions.terms import term_last_date

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    now = timezone.now()
    subs = Subscription.objects.all()
    assert {s.term for s in subs} == {"P1M", "P1Y", "P3Y"}
    assert {s.billing_frequency for s in subs} == {"monthly", "annual", "triennial"}
    assert all(s.term_end > now for s in subs)
    assert SeatAddition.objects.filter(window_closes_at__gt=now).count() >= 5
    assert ScheduledChange.objects.filter(status="pending").count() == 1
    assert subs.filter(auto_renew=False).count() == 1
    tomorrow = (now + dt.timedelta(days=1)).date()
    assert any(term_last_date(s.term_end) == tomorrow for s in subs)


def test_seed_demo_gives_prices_a_tier_and_last_months_closed_statements():
    from billing.models import Charge, PartnershipTier, PriceListEntry, Statement
    from partners.models import Organisation

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    northwind = Organisation.objects.get(legal_name="Northwind Cloud")
    assert PriceListEntry.objects.filter(provider=northwind).exists()
    assert northwind.billing_currency.currency == "JPY"
    assert PartnershipTier.objects.filter(reseller__legal_name="Fabrikam Solutions").exists()
    assert Statement.objects.filter(status="closed").exists()
    assert Statement.objects.filter(status="open").exists()
    assert not Charge.objects.filter(currency="JPY").exclude(amount=models_round()).exists()


def models_round():
    from django.db.models import F
    from django.db.models.functions import Round

    return Round(F("amount"))


def test_the_demo_has_one_finished_import_with_a_refused_row():
    from django.core.management import call_command

    from jobs.models import Job

    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())  # idempotent
    job = Job.objects.get(kind="customers")
    assert (job.status, job.done, job.invalid, job.failed) == ("done", 2, 1, 0)


def test_seed_demo_holds_admin_relationships_in_every_state():
    from datetime import timedelta

    from django.utils import timezone

    from relationships.models import AdminRelationship

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    statuses = set(AdminRelationship.objects.values_list("status", flat=True))
    assert statuses == set(AdminRelationship.Status.values)
    soon = AdminRelationship.objects.filter(
        status="expiring", ends_at__lte=timezone.now() + timedelta(days=5)
    )
    assert soon.exists()
    assert all(r.ends_at > timezone.now() + timedelta(days=4) for r in soon)
    assert AdminRelationship.objects.filter(status="approval_pending").exists()
    consent = AdminRelationship.objects.filter(status="created")
    assert consent.exists() and all(r.partner.is_reseller for r in consent)
    assert all(r.roles.exists() for r in AdminRelationship.objects.all())


def test_seed_demo_has_one_pending_reseller_relationship_request():
    from customers.models import ResellerRelationshipRequest
    from portal.models import OutboundEmail

    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())  # idempotent
    request = ResellerRelationshipRequest.objects.get()
    assert request.status == "pending" and request.effective_status == "pending"
    assert (request.provider.legal_name, request.reseller.legal_name) == (
        "Contoso Distribution",
        "Fabrikam Solutions",
    )
    # Its email, with the link, waits in the dev mailbox, in the contact's language.
    email = OutboundEmail.objects.get(kind="reseller-relationship-request")
    assert email.to == "it@adventureworks.example"
    assert "/customers/reseller-relationship/" in email.body_text
    assert "ご承諾ください" in email.body_text


def test_the_demo_has_one_finished_handover_with_a_customer_reassigned():
    from customers.models import Customer
    from partners import handover as ho
    from partners.models import Handover, Partnership

    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())  # idempotent
    handover = Handover.objects.select_related("job", "provider", "reseller").get()
    assert (handover.provider.legal_name, handover.reseller.legal_name) == (
        "Northwind Cloud",
        "Tailspin Toys IT",
    )
    assert handover.job.status == "done" and ho.can_undo(handover)
    summary = ho.plan_summary(handover=handover)
    assert summary["reassign"] == 1 and summary["provider"] == summary["customers"] - 1
    assert summary["applied"] == summary["customers"] and summary["failed"] == 0
    assert Partnership.objects.get(
        provider=handover.provider, reseller=handover.reseller
    ).status == ("removed")
    assert not Customer.objects.filter(
        provider=handover.provider, reseller=handover.reseller
    ).exists()
    [row] = handover.job.rows.filter(data__decision="reassign")
    moved = Customer.objects.select_related("reseller").get(uuid=row.data["customer_uuid"])
    assert moved.reseller.legal_name == "Litware Systems"
