"""The runner applies a customers import a batch at a time through the wizard's service."""

import pytest
from django.contrib.auth.hashers import check_password
from django.db import IntegrityError, connection

from customers.models import Customer
from jobs import kinds, services
from jobs.models import Job, JobRow
from portal.models import ActivityEvent
from subscriptions.models import Order, SeatAddition, Subscription, SubscriptionChange
from tests import factories as f
from tests.jobs.conftest import CUSTOMER_HEADER, csv_bytes, customer_row

pytestmark = pytest.mark.django_db


def _checked_job(provider, rows) -> Job:
    admin = f.MembershipFactory(organisation=provider).user
    job = services.job_check_upload(
        org=provider,
        actor=admin,
        kind="customers",
        file_name="batch.csv",
        raw=csv_bytes(CUSTOMER_HEADER, rows),
    )
    Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED)
    return job


def test_a_row_whose_domain_was_taken_since_the_check_fails_alone(provider, offer):
    job = _checked_job(provider, [customer_row(n, sku="IMPORT-SKU") for n in range(1, 6)])
    f.CustomerFactory(primary_domain="import00003.onmicrosoft.example")  # by the wizard, meanwhile
    services.job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.done, job.failed) == ("done", 4, 1)
    failed = JobRow.objects.get(job=job, outcome="failed")
    assert failed.number == 4
    assert "import00003.onmicrosoft.example has just been taken" in failed.message
    # Nothing of the failed row: four customers, four orders, four subscriptions.
    assert Customer.objects.filter(provider=provider).count() == 4
    assert Order.objects.filter(provider=provider).count() == 4
    assert Subscription.objects.filter(provider=provider).count() == 4
    assert SeatAddition.objects.filter(subscription__provider=provider).count() == 4
    assert ActivityEvent.objects.filter(verb="customer.created").count() == 4
    assert ActivityEvent.objects.filter(verb="subscription.created").count() == 4


def test_a_row_of_an_offer_withdrawn_since_the_check_fails_and_writes_nothing(provider, offer):
    other = f.OfferFactory(sku="OTHER-SKU")
    job = _checked_job(
        provider, [customer_row(1, sku="IMPORT-SKU"), customer_row(2, sku="OTHER-SKU")]
    )
    other.is_active = False
    other.save()
    services.job_run(job_id=job.pk)
    row = JobRow.objects.get(job=job, number=3)
    assert row.outcome == "failed" and "cannot be ordered" in row.message
    assert list(Customer.objects.values_list("primary_domain", flat=True)) == [
        "import00001.onmicrosoft.example"
    ]


def test_a_batch_that_meets_a_concurrent_change_is_redone_row_by_row(provider, offer, monkeypatch):
    job = _checked_job(provider, [customer_row(n, sku="IMPORT-SKU") for n in range(1, 5)])
    real = kinds.BATCH_APPLY[Job.Kind.CUSTOMERS]

    def half_written_then_conflict(*, job, rows):
        real(job=job, rows=rows)  # all written, then a conflict: its savepoint undoes it all
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setitem(kinds.BATCH_APPLY, Job.Kind.CUSTOMERS, half_written_then_conflict)
    services.job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.done, job.failed) == ("done", 4, 0)
    assert set(JobRow.objects.filter(job=job).values_list("outcome", flat=True)) == {"applied"}
    # Each row exactly once: the batch's first writes were rolled back.
    assert Customer.objects.count() == 4
    assert Subscription.objects.count() == 4
    assert SubscriptionChange.objects.count() == 4
    assert ActivityEvent.objects.filter(verb="customer.created").count() == 4


def test_a_batch_takes_the_same_queries_for_ten_rows_as_for_forty(
    provider, offer, django_assert_max_num_queries
):
    location = f.PartnerLocationFactory()
    f.PartnershipFactory(provider=provider, reseller=location.organisation)
    rows = [
        customer_row(n, sku="IMPORT-SKU", location=location.location_partner_id if n % 2 else "")
        for n in range(1, 51)
    ]
    job = _checked_job(provider, rows)
    pending = list(JobRow.objects.filter(job=job).order_by("number").values_list("pk", flat=True))
    with django_assert_max_num_queries(30) as ten:
        services._apply_batch(job, pending[:10])
    with django_assert_max_num_queries(len(ten.captured_queries)):
        services._apply_batch(job, pending[10:50])
    assert Customer.objects.count() == 50
    credited = Subscription.objects.filter(reseller_location=location).count()
    assert credited == 25


def test_the_temporary_password_has_a_fast_hash_that_verifies(provider, offer):
    job = _checked_job(provider, [customer_row(1, sku="IMPORT-SKU")])
    services.job_run(job_id=job.pk)
    row = JobRow.objects.get(job=job, number=2)
    from portal.sealing import unseal

    _username, password = unseal(
        row.secret, purpose=kinds.RESULTS_SEALING_PURPOSE, max_age_seconds=60
    ).split("\t")
    stored = Customer.objects.get().admin_password_hash
    assert stored.startswith("pbkdf2_sha256$1$")
    assert check_password(password, stored)
    assert not check_password(password + "x", stored)


def test_the_preview_checks_every_location_id_of_a_file_in_constant_queries(
    provider, offer, django_assert_max_num_queries
):
    def partnered_location():
        location = f.PartnerLocationFactory()
        f.PartnershipFactory(provider=provider, reseller=location.organisation)
        return location.location_partner_id

    stranger = f.PartnerLocationFactory().location_partner_id
    removed = f.PartnerLocationFactory(organisation__legal_name="Former Partner KK")
    f.PartnershipFactory(provider=provider, reseller=removed.organisation, status="removed")
    globally = f.ResellerFactory(location=False).partner_id
    bad = [stranger, removed.location_partner_id, globally, "99999999", "12a"]

    def check(ids):
        admin = f.MembershipFactory(organisation=provider).user
        rows = [customer_row(n, sku="IMPORT-SKU", location=i) for n, i in enumerate(ids, 1)]
        return services.job_check_upload(
            org=provider, actor=admin, kind="customers", file_name="l.csv",
            raw=csv_bytes(CUSTOMER_HEADER, rows),
        )  # fmt: skip

    with django_assert_max_num_queries(40) as few:
        few_job = check([partnered_location() for _ in range(2)] + bad)
    many = [partnered_location() for _ in range(30)] + bad
    with django_assert_max_num_queries(len(few.captured_queries)):
        check(many)
    errors = {
        r.number: r.errors[0]["message"]
        for r in JobRow.objects.filter(job=few_job).exclude(errors=[])
    }
    assert errors == {
        4: "This ID belongs to a reseller that is not partnered with your organisation.",
        5: "The partnership with Former Partner KK was removed; it cannot be credited "
        "unless it partners with you again.",
        6: "This is the global partner ID; use the ID of the reseller's location account.",
        7: "No partner location has the ID 99999999.",
        8: "Enter the location partner ID using digits only.",
    }
    assert JobRow.objects.filter(job=few_job, outcome="").count() == 2


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite does not refuse a value longer than its column",
)
def test_a_row_the_database_refuses_fails_alone_and_the_others_are_applied(provider, offer):
    job = _checked_job(provider, [customer_row(n, sku="IMPORT-SKU") for n in range(1, 5)])
    row = JobRow.objects.get(job=job, number=3)
    row.data["details"]["company_name"] = "x" * 300  # longer than the column
    row.save()
    services.job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.done, job.failed) == ("done", 3, 1)
    row.refresh_from_db()
    assert row.outcome == "failed"
    assert row.message == "This row could not be saved; nothing of it was written."
    assert Customer.objects.count() == 3 and Order.objects.count() == 3
