"""A finished import recounts the overview at once, not at the next 15-minute run."""

import pytest

from customers.models import Customer
from jobs.models import Job
from overview.models import Summary
from overview.summaries import refresh
from tests.jobs.conftest import CUSTOMER_HEADER, csv_bytes, customer_row

pytestmark = pytest.mark.django_db


def test_a_finished_customer_import_refreshes_the_summaries(
    provider_client,
    provider,
    offer,
    upload,
    start,
    django_capture_on_commit_callbacks,
):
    refresh()
    assert Summary.objects.get(organisation=provider).figures["customers"]["value"] == 0
    rows = [customer_row(1, sku="IMPORT-SKU", licences="5"), customer_row(2)]
    upload(provider_client, "customers", csv_bytes(CUSTOMER_HEADER, rows))
    job = Job.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        start(provider_client, job)
    assert Customer.objects.filter(provider=provider).count() == 2
    assert Job.objects.get().status == Job.Status.DONE
    assert Summary.objects.get(organisation=provider).figures["customers"]["value"] == 2
