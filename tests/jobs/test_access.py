import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jobs.models import Job, JobRow
from portal.roles import Role
from tests.jobs.conftest import CUSTOMER_HEADER, csv_bytes, customer_row

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.GLOBAL_ADMIN, 200),
        (Role.ADMIN_AGENT, 200),
        (Role.SALES_AGENT, 403),
        (Role.USER_ADMIN, 403),
    ],
)
def test_provider_roles_follow_the_matrix(role_client, role, status):
    assert role_client(role).get(reverse("jobs:import_list")).status_code == status


def test_a_resellers_global_admin_may_run_no_import(reseller_client):
    # The matrix: reassigning (even the support contact of its own subscriptions) is the provider's.
    assert reseller_client.get(reverse("jobs:import_list")).status_code == 404
    assert reseller_client.get(reverse("jobs:import_new")).status_code == 404


def test_another_organisation_never_sees_an_import_or_its_results(
    provider_client, outsider_client, upload, start
):
    upload(provider_client, "customers", csv_bytes(CUSTOMER_HEADER, [customer_row(1)]))
    job = Job.objects.get()
    start(provider_client, job)
    for name in ("import_detail",):
        assert outsider_client.get(reverse(f"jobs:{name}", args=[job.uuid])).status_code == 404
    for name in ("import_start", "import_cancel", "import_results"):
        assert outsider_client.post(reverse(f"jobs:{name}", args=[job.uuid])).status_code == 404
    assert "import.csv" not in outsider_client.get(reverse("jobs:import_list")).content.decode()
    assert JobRow.objects.exclude(secret="").exists()  # the outsider took nothing


def _make_jobs(org, user, count):
    for _ in range(count):
        Job.objects.create(organisation=org, kind="customers", created_by=user, file_name="a.csv")


def test_the_list_is_paged_with_constant_queries(provider_client, provider, provider_admin):
    _make_jobs(provider, provider_admin, 2)
    with CaptureQueriesContext(connection) as small:
        provider_client.get(reverse("jobs:import_list"))
    _make_jobs(provider, provider_admin, 40)
    with CaptureQueriesContext(connection) as large:
        response = provider_client.get(reverse("jobs:import_list"))
    assert len(small) == len(large)
    assert "Page 1 of 2" in response.content.decode()
