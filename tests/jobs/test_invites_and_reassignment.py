import pytest

from jobs.models import Job, JobRow
from partners.models import PartnershipRequest
from portal.models import ActivityEvent, OutboundEmail
from subscriptions.models import Subscription
from tests import factories as f
from tests.jobs.conftest import csv_bytes

pytestmark = pytest.mark.django_db


def test_invites_are_sent_through_the_outbox_in_each_rows_language(
    provider_client, provider, upload, start
):
    f.PartnershipRequestFactory(provider=provider, email="pending@reseller.example")
    rows = [
        ["one@reseller.example", "en", "We met at the fair."],
        ["two@reseller.example", "ja", ""],
        ["pending@reseller.example", "", ""],
        ["not-an-address", "", ""],
    ]
    response = upload(provider_client, "invites", csv_bytes(["Email", "Language", "Note"], rows))
    job = Job.objects.get()
    page = provider_client.get(response.url).content.decode()
    assert "A request to this address is already pending." in page
    assert job.invalid == 2
    start(provider_client, job)
    job.refresh_from_db()
    assert (job.status, job.done, job.failed) == ("done", 2, 0)
    emails = {e.to: e for e in OutboundEmail.objects.all()}
    assert set(emails) == {"one@reseller.example", "two@reseller.example"}
    assert "We met at the fair." in emails["one@reseller.example"].body_text
    assert (
        PartnershipRequest.objects.filter(
            email__in=["one@reseller.example", "two@reseller.example"], sent_at__isnull=False
        ).count()
        == 2
    )
    assert ActivityEvent.objects.filter(verb="partnership_request.sent").count() == 2


def test_the_per_recipient_limit_still_applies_row_by_row(
    provider_client, upload, start, settings, monkeypatch
):
    from portal import ratelimit

    monkeypatch.setattr(
        ratelimit, "allow", lambda limit, key: limit.scope != "partnership-request-recipient"
    )
    upload(provider_client, "invites", csv_bytes(["Email"], [["one@reseller.example"]]))
    job = Job.objects.get()
    start(provider_client, job)
    row = JobRow.objects.get(job=job)
    assert row.outcome == "failed" and "Too many emails" in row.message
    assert not OutboundEmail.objects.exists()


def test_reassignment_credits_the_new_location_with_the_check_id_rules(
    provider_client, provider, reseller, upload, start
):
    location = f.PartnerLocationFactory(organisation=reseller)
    customer = f.CustomerFactory(provider=provider, reseller=reseller)
    sub = f.SubscriptionFactory(customer=customer)
    by_domain = f.SubscriptionFactory(customer=customer)
    stranger = f.ResellerFactory()  # no partnership with the provider
    stranger_location = f.PartnerLocationFactory(organisation=stranger)
    header = ["Subscription ID", "Customer domain", "Offer SKU", "Reseller location ID"]
    rows = [
        [str(sub.uuid), "", "", location.location_partner_id],
        ["", customer.primary_domain, by_domain.offer.sku, location.location_partner_id],
        [str(sub.uuid), "", "", stranger_location.location_partner_id],
        [str(sub.uuid), "", "", "12ab"],
    ]
    response = upload(provider_client, "reassign", csv_bytes(header, rows))
    job = Job.objects.get()
    page = provider_client.get(response.url).content.decode()
    assert "Enter the location partner ID using digits only." in page
    assert job.invalid == 2
    start(provider_client, job)
    assert Subscription.objects.get(pk=sub.pk).reseller_location == location
    assert Subscription.objects.get(pk=by_domain.pk).reseller_location == location
    assert ActivityEvent.objects.filter(verb="subscription.reseller_changed").count() == 2


def test_reassignment_cannot_name_another_providers_subscription(provider_client, reseller, upload):
    location = f.PartnerLocationFactory(organisation=reseller)
    foreign = f.SubscriptionFactory()
    header = ["Subscription ID", "Reseller location ID"]
    upload(
        provider_client,
        "reassign",
        csv_bytes(header, [[str(foreign.uuid), location.location_partner_id]]),
    )
    job = Job.objects.get()
    assert job.invalid == 1
    assert JobRow.objects.get(job=job).errors[0]["message"] == "No such subscription."


def _refused_in(language):
    from django.utils import translation
    from django.utils.translation import gettext

    with translation.override(language):
        return gettext("Too many emails were sent to this address. Try again tomorrow.")


@pytest.fixture
def refuse_recipients(monkeypatch):
    from portal import ratelimit

    monkeypatch.setattr(
        ratelimit, "allow", lambda limit, key: limit.scope != "partnership-request-recipient"
    )


def test_outcomes_are_written_in_the_uploading_pages_language_not_the_workers(
    provider_client, upload, refuse_recipients
):
    from django.utils import translation

    from jobs import services

    provider_client.cookies["django_language"] = "ja"
    upload(provider_client, "invites", csv_bytes(["Email"], [["one@reseller.example"]]))
    job = Job.objects.get()
    assert job.language == "ja"
    services.job_start(job=job, actor=job.created_by)
    with translation.override("en"):  # a worker runs in the default language
        services.job_run(job_id=job.pk)

    row = JobRow.objects.get(job=job)
    assert (row.outcome, row.message) == ("failed", _refused_in("ja"))


@pytest.mark.parametrize(
    ("country", "member_language", "expected"),
    [("JP", "", "ja"), ("JP", "en", "en"), ("US", "ja", "ja"), ("US", "", "en")],
)
def test_a_job_made_outside_a_page_writes_in_the_starters_or_organisations_language(
    provider_client, provider, upload, start, refuse_recipients, country, member_language, expected
):
    """Their own language when set, else their organisation's (Japanese in Japan)."""
    provider.country = country
    provider.save(update_fields=["country"])
    upload(provider_client, "invites", csv_bytes(["Email"], [["one@reseller.example"]]))
    job = Job.objects.get()
    Job.objects.filter(pk=job.pk).update(language="")  # made by a command or an older release
    job.created_by.language = member_language
    job.created_by.save(update_fields=["language"])
    start(provider_client, job)

    row = JobRow.objects.get(job=job)
    assert (row.outcome, row.message) == ("failed", _refused_in(expected))
