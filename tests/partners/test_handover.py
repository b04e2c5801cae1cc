"""Remove partnership with a guided handover: preview, decisions, the job, notices, undo."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from customers.models import Customer
from jobs import services as job_services
from jobs.models import Job, JobRow
from partners import handover as ho
from partners.models import Handover, Partnership
from portal.models import ActivityEvent, OutboundEmail
from portal.roles import Role
from subscriptions.models import Subscription, SubscriptionChange
from subscriptions.services import subscription_change_quantity
from tests import factories as f
from webhooks.models import WebhookDelivery, WebhookSubscription
from webhooks.signing import new_secret

pytestmark = pytest.mark.django_db

AGREEMENT_MESSAGE = "has not accepted the partner agreement yet and cannot be credited."


@pytest.fixture
def partnership(provider, reseller):
    return Partnership.objects.get(provider=provider, reseller=reseller)


@pytest.fixture
def location(reseller):
    return reseller.locations.get()


@pytest.fixture
def new_reseller(provider):
    other = f.ResellerFactory(legal_name="Tailspin Test IT")
    f.PartnershipFactory(provider=provider, reseller=other)
    return other


@pytest.fixture
def unaccepted_reseller(provider):
    other = f.ResellerFactory(legal_name="Adatum Test Consulting", agreement_accepted_at=None)
    f.PartnershipFactory(provider=provider, reseller=other)
    return other


@pytest.fixture
def book(provider, reseller, location):
    """Two customers associated with the reseller, one direct customer crediting it."""
    first = f.CustomerFactory(provider=provider, reseller=reseller, company_name="Alpha KK")
    second = f.CustomerFactory(provider=provider, reseller=reseller, company_name="Beta KK")
    direct = f.CustomerFactory(provider=provider, reseller=None, company_name="Gamma KK")
    subs = {
        "a1": f.SubscriptionFactory(
            customer=first, reseller_location=location, support_contact=reseller, quantity=5
        ),
        "a2": f.SubscriptionFactory(customer=first, reseller_location=location, quantity=3),
        "b1": f.SubscriptionFactory(
            customer=second, reseller_location=location, support_contact=reseller
        ),
        "g1": f.SubscriptionFactory(customer=direct, reseller_location=location),
    }
    return {"first": first, "second": second, "direct": direct, **subs}


def _run(handover: Handover) -> Job:
    return job_services.job_run(job_id=handover.job_id)


def _plan_and_run(partnership, actor, decision, mpn="", notify=False):
    handover = ho.handover_plan(
        partnership=partnership, actor=actor, decision=decision, location_partner_id=mpn
    )
    ho.handover_start(handover=handover, actor=actor, notify=notify)
    job = _run(handover)
    handover.refresh_from_db()
    return handover, job


def _url(name, handover, *extra):
    return reverse(f"partners:{name}", args=[handover.uuid, *extra])


# The impact preview ------------------------------------------------------------


def test_the_preview_counts_and_lists_what_names_the_reseller(
    provider_client, partnership, book, reseller, provider, other_provider
):
    f.AdminRelationshipFactory(customer=book["first"], partner=reseller)
    f.TenantOwnerGrantFactory(customer=book["first"], organisation=reseller)
    # Another provider's customer served by the same reseller: never shown.
    f.PartnershipFactory(provider=other_provider, reseller=reseller)
    foreign = f.CustomerFactory(provider=other_provider, reseller=reseller, company_name="Zeta")
    f.SubscriptionFactory(customer=foreign, reseller_location=reseller.locations.get())
    f.AdminRelationshipFactory(customer=foreign, partner=reseller, display_name="Foreign access")
    f.TenantOwnerGrantFactory(customer=foreign, organisation=reseller)
    f.CustomerFactory(provider=provider, reseller=None, company_name="Unrelated KK")

    response = provider_client.get(reverse("partners:partnership_remove", args=[partnership.uuid]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="count-customers">3<' in html
    assert 'id="count-active">4<' in html
    assert 'id="count-credited">4<' in html
    assert 'id="count-supported">2<' in html
    assert 'id="count-relationships">1<' in html
    assert 'id="count-owner">1<' in html
    for name in ("Alpha KK", "Beta KK", "Gamma KK"):
        assert name in html
    assert "Zeta" not in html and "Unrelated KK" not in html and "Foreign access" not in html
    assert "5 licences" in html and "credits the reseller" in html
    assert Partnership.objects.get(pk=partnership.pk).status == "active"  # GET changes nothing


def test_the_preview_is_keyset_paged_with_constant_queries(
    provider_client, partnership, provider, reseller, location
):
    url = reverse("partners:partnership_remove", args=[partnership.uuid])

    def make(count, start):
        for n in range(start, start + count):
            customer = f.CustomerFactory(
                provider=provider, reseller=reseller, company_name=f"Customer {n:03d}"
            )
            f.SubscriptionFactory(customer=customer, reseller_location=location)

    make(3, 0)
    with CaptureQueriesContext(connection) as small:
        provider_client.get(url)
    make(40, 3)
    with CaptureQueriesContext(connection) as large:
        html = provider_client.get(url).content.decode()
    assert len(small) == len(large)
    assert "Customer 024" in html and "Customer 025" not in html
    nxt = html.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    page2 = provider_client.get(url + nxt.replace("&amp;", "&")).content.decode()
    assert "Customer 025" in page2 and "Customer 024" not in page2


def test_a_reseller_with_nothing_to_hand_over_keeps_the_plain_confirmation(
    provider_client, partnership
):
    html = provider_client.get(
        reverse("partners:partnership_remove", args=[partnership.uuid])
    ).content.decode()
    assert 'id="count-customers">0<' in html
    assert "plan-handover" not in html


# Planning ------------------------------------------------------------------------


def test_planning_writes_the_plan_and_changes_nothing_else(
    provider_client, partnership, book, location
):
    response = provider_client.post(
        reverse("partners:handover_plan", args=[partnership.uuid]), {"decision": "provider"}
    )
    handover = Handover.objects.get()
    assert response.status_code == 302 and response.url == _url("handover_detail", handover)
    assert handover.job.status == Job.Status.VALIDATED
    assert handover.job.rows.count() == 4  # the removal and three customers
    assert Partnership.objects.get(pk=partnership.pk).status == "active"
    assert Subscription.objects.filter(reseller_location=location).count() == 4
    html = provider_client.get(response.url).content.decode()
    assert "Alpha KK" in html and "start-handover" in html
    assert ActivityEvent.objects.filter(verb="partnership_handover.planned").count() == 1


def test_a_reassignment_to_a_reseller_without_the_agreement_is_refused_with_the_check_id_message(
    provider_client, partnership, book, unaccepted_reseller
):
    mpn = unaccepted_reseller.locations.get().location_partner_id
    response = provider_client.post(
        reverse("partners:handover_plan", args=[partnership.uuid]),
        {"decision": "reassign", "location_partner_id": mpn},
    )
    assert response.status_code == 422
    assert AGREEMENT_MESSAGE in response.content.decode()
    assert not Handover.objects.exists() and not Job.objects.exists()


def test_the_global_partner_id_gets_the_check_id_message(
    provider_client, partnership, book, new_reseller
):
    response = provider_client.post(
        reverse("partners:handover_plan", args=[partnership.uuid]),
        {"decision": "reassign", "location_partner_id": new_reseller.partner_id},
    )
    assert response.status_code == 422
    assert "This is the global partner ID; use the ID" in response.content.decode()


def test_one_customer_decision_and_apply_to_all(
    provider_client, provider_admin, partnership, book, new_reseller, unaccepted_reseller
):
    handover = ho.handover_plan(partnership=partnership, actor=provider_admin, decision="leave")
    row = JobRow.objects.get(job=handover.job, data__name="Beta KK")
    url = _url("handover_decision", handover, book["second"].uuid)
    refused = provider_client.post(
        url,
        {
            "number": row.number,
            f"c{row.number}-decision": "reassign",
            f"c{row.number}-location_partner_id": unaccepted_reseller.locations.get().location_partner_id,
        },
    )
    assert refused.status_code == 422 and AGREEMENT_MESSAGE in refused.content.decode()
    row.refresh_from_db()
    assert row.data["decision"] == "leave"
    mpn = new_reseller.locations.get().location_partner_id
    saved = provider_client.post(
        url,
        {
            "number": row.number,
            f"c{row.number}-decision": "reassign",
            f"c{row.number}-location_partner_id": mpn,
        },
    )
    assert saved.status_code == 302
    row.refresh_from_db()
    assert row.data["decision"] == "reassign" and row.data["location"] == mpn
    provider_client.post(_url("handover_all", handover), {"all-decision": "provider"})
    decisions = set(
        JobRow.objects.filter(job=handover.job, number__gt=1).values_list(
            "data__decision", flat=True
        )
    )
    assert decisions == {"provider"}


# Running: each decision ----------------------------------------------------------


def test_keep_with_the_provider(provider_admin, partnership, book, provider, reseller):
    handover, job = _plan_and_run(partnership, provider_admin, "provider")
    assert job.status == Job.Status.DONE and job.done == 4 and job.failed == 0
    assert Partnership.objects.get(pk=partnership.pk).status == "removed"
    for key in ("first", "second"):
        assert Customer.objects.get(pk=book[key].pk).reseller is None
    for key in ("a1", "a2", "b1", "g1"):
        sub = Subscription.objects.get(pk=book[key].pk)
        assert sub.reseller_location is None
        assert sub.support_contact == provider
    a1 = Subscription.objects.get(pk=book["a1"].pk)
    assert a1.version == book["a1"].version + 1
    assert set(
        SubscriptionChange.objects.filter(subscription=a1).values_list("field", flat=True)
    ) == {
        "reseller",
        "support_contact",
    }
    verbs = list(ActivityEvent.objects.filter(organisation=provider).values_list("verb", flat=True))
    assert verbs.count("partnership.removed") == 1
    assert verbs.count("partnership_handover.customer") == 3
    assert verbs.count("partnership_handover.started") == 1
    assert verbs.count("partnership_handover.finished") == 1
    assert not OutboundEmail.objects.exists()  # notices are off by default


def test_reassign_to_another_reseller(provider_admin, partnership, book, new_reseller, provider):
    new_location = new_reseller.locations.get()
    _plan_and_run(partnership, provider_admin, "reassign", new_location.location_partner_id)
    for key in ("first", "second"):
        assert Customer.objects.get(pk=book[key].pk).reseller == new_reseller
    assert Customer.objects.get(pk=book["direct"].pk).reseller is None
    for key in ("a1", "a2", "b1", "g1"):
        assert Subscription.objects.get(pk=book[key].pk).reseller_location == new_location
    # Support follows the customer to the new reseller; a2 was the provider's already.
    assert Subscription.objects.get(pk=book["a1"].pk).support_contact == new_reseller
    assert Subscription.objects.get(pk=book["b1"].pk).support_contact == new_reseller
    assert Subscription.objects.get(pk=book["a2"].pk).support_contact == provider


def test_leave_as_it_is_only_removes_the_partnership(
    provider_admin, partnership, book, reseller, location
):
    handover, job = _plan_and_run(partnership, provider_admin, "leave")
    assert Partnership.objects.get(pk=partnership.pk).status == "removed"
    assert Customer.objects.filter(reseller=reseller).count() == 2
    assert Subscription.objects.filter(reseller_location=location).count() == 4
    assert not SubscriptionChange.objects.exists()
    assert JobRow.objects.filter(job=job, outcome="already").count() == 3


def test_the_partnership_removed_webhook_still_fires(provider_admin, partnership, book, provider):
    webhook = WebhookSubscription.objects.create(
        organisation=provider,
        url="https://hooks.example/portal",
        events=["partnership-removed"],
        secret=new_secret(),
    )
    _plan_and_run(partnership, provider_admin, "leave")
    event = ActivityEvent.objects.get(verb="partnership.removed")
    assert event.organisation == provider and event.object_id == str(partnership.uuid)
    delivery = WebhookDelivery.objects.get(subscription=webhook)
    assert delivery.event_type == "partnership-removed"


def test_a_reassignment_refused_at_run_time_leaves_that_customer_as_it_was(
    provider_admin, partnership, book, new_reseller, reseller, location
):
    mpn = new_reseller.locations.get().location_partner_id
    handover = ho.handover_plan(
        partnership=partnership, actor=provider_admin, decision="reassign", location_partner_id=mpn
    )
    # The agreement is withdrawn between the plan and the run: each customer is refused.
    new_reseller.agreement_accepted_at = None
    new_reseller.save()
    ho.handover_start(handover=handover, actor=provider_admin)
    job = _run(handover)
    assert job.failed == 3 and job.done == 1  # the removal went through
    failed = JobRow.objects.filter(job=job, outcome="failed")
    assert all(AGREEMENT_MESSAGE in row.message for row in failed)
    assert Customer.objects.filter(reseller=reseller).count() == 2
    assert Subscription.objects.filter(reseller_location=location).count() == 4
    assert not SubscriptionChange.objects.exists()
    assert not ActivityEvent.objects.filter(verb="partnership_handover.customer").exists()


def test_a_redelivered_job_applies_each_customer_once(provider_admin, partnership, book):
    handover = ho.handover_plan(partnership=partnership, actor=provider_admin, decision="provider")
    ho.handover_start(handover=handover, actor=provider_admin)
    job = handover.job
    first_two = JobRow.objects.filter(job=job).order_by("number").values_list("pk", flat=True)[:2]
    for row_id in first_two:  # a worker applied these, then died before the rest
        job_services._apply_row(job, row_id)
    _run(handover)
    _run(handover)  # and the task is delivered once more
    assert ActivityEvent.objects.filter(verb="partnership.removed").count() == 1
    assert ActivityEvent.objects.filter(verb="partnership_handover.customer").count() == 3
    assert SubscriptionChange.objects.filter(subscription=book["a1"]).count() == 2


def test_notices_are_sent_in_each_recipients_language(provider_admin, partnership, book, reseller):
    Customer.objects.filter(pk=book["second"].pk).update(language="ja")
    handover, _job = _plan_and_run(partnership, provider_admin, "provider", notify=True)
    emails = {e.to: e for e in OutboundEmail.objects.all()}
    assert reseller.contact_email in emails
    assert book["first"].contact_email in emails
    japanese = emails[book["second"].contact_email]
    assert "サブスクリプション" in japanese.subject or "サブスクリプション" in japanese.body_text
    assert "no longer serves Alpha KK" in emails[book["first"].contact_email].body_text


def test_discarding_the_plan_and_cancelling_a_queued_run(
    provider_client, provider_admin, partnership, book
):
    handover = ho.handover_plan(partnership=partnership, actor=provider_admin, decision="provider")
    response = provider_client.post(_url("handover_cancel", handover))
    assert response.status_code == 302
    assert Job.objects.get(pk=handover.job_id).status == Job.Status.CANCELLED
    handover = ho.handover_plan(partnership=partnership, actor=provider_admin, decision="provider")
    ho.handover_start(handover=handover, actor=provider_admin)
    provider_client.post(_url("handover_cancel", handover))
    job = _run(handover)
    assert job.status == Job.Status.CANCELLED
    assert Partnership.objects.get(pk=partnership.pk).status == "active"
    assert not SubscriptionChange.objects.exists()


def test_the_page_shows_progress_then_the_summary(
    provider_client, provider_admin, partnership, book
):
    handover = ho.handover_plan(partnership=partnership, actor=provider_admin, decision="provider")
    provider_client.post(_url("handover_start", handover), {"notify": ""})
    html = provider_client.get(
        _url("handover_detail", handover), headers={"HX-Request": "true"}
    ).content.decode()
    assert 'id="job-bar"' in html and "every 1s" in html
    _run(handover)
    html = provider_client.get(_url("handover_detail", handover)).content.decode()
    assert "3 customers handed over" in html and "Partnership removed." in html
    assert "undo-handover" in html


# Undo -------------------------------------------------------------------------------


def test_undo_restores_only_what_did_not_change_and_says_what_it_left(
    provider_client, provider_admin, partnership, book, reseller, location, new_reseller, provider
):
    handover, _job = _plan_and_run(partnership, provider_admin, "provider")
    # Meanwhile someone changes one subscription of Alpha and Beta's associated reseller.
    a1 = Subscription.objects.get(pk=book["a1"].pk)
    subscription_change_quantity(
        subscription=a1, quantity=7, version=a1.version, org=provider, actor=provider_admin
    )
    Customer.objects.filter(pk=book["second"].pk).update(reseller=new_reseller)

    response = provider_client.post(_url("handover_undo", handover))
    assert response.status_code == 302
    handover.refresh_from_db()
    _run_undo = job_services.job_run(job_id=handover.undo_job_id)
    assert _run_undo.status == Job.Status.DONE

    assert Partnership.objects.get(pk=partnership.pk).status == "active"
    assert Customer.objects.get(pk=book["first"].pk).reseller == reseller
    assert Customer.objects.get(pk=book["second"].pk).reseller == new_reseller  # left
    a1 = Subscription.objects.get(pk=book["a1"].pk)
    assert a1.reseller_location is None and a1.quantity == 7  # changed since: left
    a2 = Subscription.objects.get(pk=book["a2"].pk)
    assert a2.reseller_location == location
    g1 = Subscription.objects.get(pk=book["g1"].pk)
    assert g1.reseller_location == location
    b1 = Subscription.objects.get(pk=book["b1"].pk)
    # Beta's credit is restored; its support contact cannot be a reseller it is not with.
    assert b1.reseller_location == location and b1.support_contact == provider
    html = provider_client.get(_url("handover_detail", handover)).content.decode()
    assert "Partnership restored." in html
    assert "left as they are now" in html
    assert "the customer&#x27;s associated reseller" in html or "associated reseller" in html
    assert ActivityEvent.objects.filter(verb="partnership.restored").count() == 1
    assert ActivityEvent.objects.filter(verb="partnership_handover.undone").count() == 1
    # Only once.
    again = provider_client.post(_url("handover_undo", handover), follow=True)
    assert "already been undone" in again.content.decode()


def test_undo_is_refused_after_seven_days(provider_admin, partnership, book):
    handover, job = _plan_and_run(partnership, provider_admin, "provider")
    later = job.finished_at + timedelta(days=7, seconds=1)
    with pytest.raises(ho.HandoverError, match="within 7 days"):
        ho.handover_undo(handover=handover, actor=provider_admin, now=later)
    ho.handover_undo(
        handover=handover, actor=provider_admin, now=job.finished_at + timedelta(days=6)
    )


# Access -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.GLOBAL_ADMIN, True),
        (Role.ADMIN_AGENT, True),
        (Role.SALES_AGENT, False),
        (Role.USER_ADMIN, False),
    ],
)
def test_roles_follow_the_matrix(role_client, role, allowed, provider_admin, partnership, book):
    handover = ho.handover_plan(partnership=partnership, actor=provider_admin, decision="leave")
    client = role_client(role)
    expected = 200 if allowed else 403
    assert client.get(_url("handover_detail", handover)).status_code == expected
    response = client.post(_url("handover_start", handover))
    assert response.status_code == (302 if allowed else 403)
    assert Job.objects.get(pk=handover.job_id).status == (
        Job.Status.QUEUED if allowed else Job.Status.VALIDATED
    )


def test_another_organisation_gets_404_everywhere(
    outsider_client, reseller_client, provider_admin, partnership, book
):
    handover = ho.handover_plan(partnership=partnership, actor=provider_admin, decision="leave")
    for client in (outsider_client, reseller_client):
        assert client.get(_url("handover_detail", handover)).status_code == 404
        for name in ("handover_start", "handover_cancel", "handover_undo", "handover_all"):
            assert client.post(_url(name, handover)).status_code == 404
        assert (
            client.post(_url("handover_decision", handover, book["first"].uuid)).status_code == 404
        )
        assert (
            client.post(
                reverse("partners:handover_plan", args=[partnership.uuid]), {"decision": "leave"}
            ).status_code
            == 404
        )
    assert Job.objects.get(pk=handover.job_id).status == Job.Status.VALIDATED


def test_posts_need_the_csrf_token(provider_admin, partnership, book):
    from django.test import Client

    handover = ho.handover_plan(partnership=partnership, actor=provider_admin, decision="leave")
    client = Client(enforce_csrf_checks=True)
    client.force_login(provider_admin)
    assert client.post(_url("handover_start", handover)).status_code == 403
    assert (
        client.post(
            reverse("partners:handover_plan", args=[partnership.uuid]), {"decision": "leave"}
        ).status_code
        == 403
    )
    assert Job.objects.get(pk=handover.job_id).status == Job.Status.VALIDATED


def test_another_providers_customer_never_enters_a_plan(
    provider_admin, partnership, book, reseller, other_provider
):
    f.PartnershipFactory(provider=other_provider, reseller=reseller)
    foreign = f.CustomerFactory(provider=other_provider, reseller=reseller)
    handover = ho.handover_plan(partnership=partnership, actor=provider_admin, decision="provider")
    ho.handover_start(handover=handover, actor=provider_admin)
    _run(handover)
    assert Customer.objects.get(pk=foreign.pk).reseller == reseller
    assert not JobRow.objects.filter(data__customer=foreign.pk).exists()


def test_the_imports_page_does_not_list_a_handover(
    provider_client, provider_admin, partnership, book
):
    handover = ho.handover_plan(partnership=partnership, actor=provider_admin, decision="leave")
    assert (
        reverse("jobs:import_detail", args=[handover.uuid])
        not in provider_client.get(reverse("jobs:import_list")).content.decode()
    )
    assert (
        provider_client.get(reverse("jobs:import_detail", args=[handover.uuid])).status_code == 404
    )


def test_the_plan_page_is_keyset_paged_with_constant_queries(
    provider_client, provider_admin, partnership, provider, reseller
):
    def plan_with(count):
        Customer.objects.filter(provider=provider).delete()
        for n in range(count):
            f.CustomerFactory(provider=provider, reseller=reseller, company_name=f"Client {n:03d}")
        return ho.handover_plan(partnership=partnership, actor=provider_admin, decision="leave")

    small_plan = plan_with(2)
    with CaptureQueriesContext(connection) as small:
        provider_client.get(_url("handover_detail", small_plan))
    ho.handover_cancel(handover=small_plan, actor=provider_admin)
    large_plan = plan_with(40)
    with CaptureQueriesContext(connection) as large:
        html = provider_client.get(_url("handover_detail", large_plan)).content.decode()
    assert len(small) == len(large)
    assert "Client 024" in html and "Client 025" not in html
    page2 = provider_client.get(_url("handover_detail", large_plan) + "?after=26").content.decode()
    assert "Client 025" in page2 and "Client 024" not in page2


def test_the_activity_log_reads_the_handover_in_words(
    provider_client, provider_admin, partnership, book
):
    _plan_and_run(partnership, provider_admin, "provider")
    html = provider_client.get(reverse("activity_log")).content.decode()
    for text in (
        "Partnership handover prepared",
        "Keep with the provider (no reseller)",
        "Partnership removal and handover started",
        "Customer handed over",
        "Partnership removed",
        "Partnership handover finished",
    ):
        assert text in html


def test_the_preview_lists_open_imports_naming_the_reseller(
    provider_client, provider_admin, partnership, book, location, provider, other_provider
):
    def import_job(org, status, file_name):
        job = Job.objects.create(
            organisation=org,
            kind=Job.Kind.REASSIGN,
            created_by=provider_admin,
            status=status,
            file_name=file_name,
        )
        JobRow.objects.create(
            job=job, number=2, data={"subscription": "x", "location": location.pk}
        )

    import_job(provider, Job.Status.VALIDATED, "open-reassign.csv")
    import_job(provider, Job.Status.DONE, "finished-reassign.csv")
    import_job(other_provider, Job.Status.VALIDATED, "foreign-reassign.csv")
    html = provider_client.get(
        reverse("partners:partnership_remove", args=[partnership.uuid])
    ).content.decode()
    assert 'id="count-imports">1<' in html
    assert "open-reassign.csv" in html
    assert "finished-reassign.csv" not in html and "foreign-reassign.csv" not in html


def test_a_run_cancelled_half_way_can_be_undone(provider_admin, partnership, book, reseller):
    handover = ho.handover_plan(partnership=partnership, actor=provider_admin, decision="provider")
    ho.handover_start(handover=handover, actor=provider_admin)
    job = handover.job
    for row in JobRow.objects.filter(job=job, number__lte=2):  # the removal and Alpha
        job_services._apply_row(job, row.pk)
    ho.handover_cancel(handover=handover, actor=provider_admin)
    assert _run(handover).status == Job.Status.CANCELLED
    assert Customer.objects.get(pk=book["first"].pk).reseller is None
    assert Customer.objects.get(pk=book["second"].pk).reseller == reseller  # not reached
    handover.refresh_from_db()
    ho.handover_undo(handover=handover, actor=provider_admin)
    handover.refresh_from_db()
    job_services.job_run(job_id=handover.undo_job_id)
    assert Partnership.objects.get(pk=partnership.pk).status == "active"
    assert Customer.objects.get(pk=book["first"].pk).reseller == reseller


def test_the_imports_page_offers_no_handover_upload(provider_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = provider_client.get(reverse("jobs:import_new")).content.decode()
    assert 'value="handover"' not in page
    response = provider_client.post(
        reverse("jobs:import_new"),
        {"kind": "handover", "file": SimpleUploadedFile("a.csv", b"email\r\na@b.example\r\n")},
    )
    assert response.status_code == 422 and not Job.objects.exists()
    template = reverse("jobs:import_template") + "?kind=handover&language=en"
    assert provider_client.get(template).status_code == 404
