import csv
import io

import pytest
from django.urls import reverse

from customers.models import Customer, SetupInformation
from jobs.models import Job, JobRow
from portal.models import ActivityEvent
from subscriptions.models import Subscription
from tests.jobs.conftest import CUSTOMER_HEADER, csv_bytes, customer_row

pytestmark = pytest.mark.django_db


def _results(client, job):
    response = client.post(reverse("jobs:import_results", args=[job.uuid]))
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_it_previews_then_imports_the_valid_rows_and_offers_the_passwords_once(
    provider_client, provider, offer, upload, start
):
    rows = [
        customer_row(1, sku="IMPORT-SKU", licences="5"),
        customer_row(2, sku="IMPORT-SKU", licences="500"),  # above the offer's maximum
        customer_row(3),
    ]
    rows.append(["", "import00001", "", "", "", "", "", "", "", "", "", "", "IMPORT-SKU", "", "2"])
    response = upload(provider_client, "customers", csv_bytes(CUSTOMER_HEADER, rows))
    assert response.status_code == 302
    assert not Customer.objects.exists()  # the preview writes nothing
    job = Job.objects.get()
    assert (job.total, job.invalid) == (3, 1)
    page = provider_client.get(response.url).content.decode()
    assert "Enter 1 to 50 licences." in page and "Start import (2 valid rows)" in page
    assert ">3<" in page  # the bad row's number as the spreadsheet shows it

    response = start(provider_client, job)
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.done, job.failed) == ("done", 2, 0)
    first = Customer.objects.get(primary_domain="import00001.onmicrosoft.example")
    assert sorted(
        Subscription.objects.filter(customer=first).values_list("quantity", flat=True)
    ) == [2, 5]
    # The results file shows the password: an import keeps no Setup information row.
    assert not SetupInformation.objects.filter(customer=first).exists()
    results = _results(provider_client, job)
    by_row = {r["row"]: r for r in results}
    assert by_row["2"]["outcome"] == "Done" and by_row["2"]["temporary_password"]
    assert by_row["2"]["object_id"] == str(first.uuid)
    assert by_row["3"]["outcome"] == "Invalid, not imported"
    assert "Licences" in by_row["3"]["message"]
    # Offered once: the second download has no passwords left.
    again = _results(provider_client, job)
    assert all(not r["temporary_password"] for r in again)
    assert ActivityEvent.objects.filter(verb="import.started").count() == 1
    assert ActivityEvent.objects.filter(verb="import.finished").count() == 1
    assert ActivityEvent.objects.filter(verb="customer.created").count() == 2


def test_a_shift_jis_file_with_japanese_names_round_trips(provider_client, upload, start):
    names = ["株式会社テスト商事", "日本電気工業株式会社"]
    rows = [customer_row(n, company=name) for n, name in enumerate(names, 1)]
    header = [
        "会社名", "プライマリドメイン", "番地", "市区町村", "郵便番号", "国", "担当者の名",
        "担当者の姓", "担当者のメールアドレス", "担当者の電話番号", "言語",
        "リセラーのロケーションID", "オファーSKU", "期間と請求頻度", "ライセンス数",
    ]  # fmt: skip
    response = upload(provider_client, "customers", csv_bytes(header, rows, encoding="cp932"))
    assert response.status_code == 302
    job = Job.objects.get()
    assert job.encoding == "cp932" and job.invalid == 0
    start(provider_client, job)
    assert sorted(Customer.objects.values_list("company_name", flat=True)) == sorted(names)


def test_a_utf8_file_with_a_bom_is_read(provider_client, upload):
    response = upload(
        provider_client, "customers", csv_bytes(CUSTOMER_HEADER, [customer_row(1)], bom=True)
    )
    assert response.status_code == 302
    assert Job.objects.get().invalid == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"PK\x03\x04\x14\x00binary", "This is not a CSV text file."),
        (csv_bytes(["Company", "Colour"], [["a", "b"]]), "Unknown columns: Company, Colour"),
        (csv_bytes(CUSTOMER_HEADER[:3], [["a", "b", "c"]]), "Missing columns:"),
        (
            csv_bytes(CUSTOMER_HEADER, [customer_row(1, company="=HYPERLINK(1)")]),
            "spreadsheet formula",
        ),
        (
            csv_bytes(CUSTOMER_HEADER, [customer_row(1, company="x" * 1001)]),
            "longer than 1000 characters",
        ),
        (csv_bytes(CUSTOMER_HEADER, []), "has a header but no rows"),
        (b"Company name\r\n\x81\xff\xfe\r\n", "neither UTF-8 nor Shift_JIS"),
        (
            csv_bytes(CUSTOMER_HEADER, [customer_row(1)]).replace(b"Seattle", b"Sea\x00tle"),
            "not a CSV text file",
        ),
    ],
    ids=[
        "empty",
        "binary",
        "wrong-columns",
        "missing-columns",
        "formula",
        "huge-field",
        "no-rows",
        "bad-encoding",
        "nul",
    ],
)
def test_a_bad_file_gets_a_clear_message_and_writes_nothing(
    provider_client, upload, content, message
):
    response = upload(provider_client, "customers", content)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert (
        not Job.objects.exists() and not JobRow.objects.exists() and not Customer.objects.exists()
    )


def test_more_than_20000_rows_are_refused(provider_client, upload):
    rows = [["x"] * len(CUSTOMER_HEADER)] * 20_001
    response = upload(provider_client, "customers", csv_bytes(CUSTOMER_HEADER, rows))
    assert response.status_code == 422
    assert "more than 20,000 rows" in response.content.decode()
    assert not Job.objects.exists()


def test_a_file_that_reads_as_shift_jis_without_kana_asks_for_the_encoding(provider_client, upload):
    # Kanji alone could as well be Latin-1 accents read as Shift_JIS: the user chooses.
    content = csv_bytes(
        CUSTOMER_HEADER, [customer_row(1, company="日本電気工業株式会社")], encoding="cp932"
    )
    response = upload(provider_client, "customers", content)
    assert response.status_code == 422
    assert "could not be recognised with certainty" in response.content.decode()
    assert not Job.objects.exists()
    response = upload(provider_client, "customers", content, encoding="cp932")
    assert response.status_code == 302
    assert Job.objects.get().encoding == "cp932"


def test_the_same_file_twice_links_the_earlier_run(provider_client, upload):
    content = csv_bytes(CUSTOMER_HEADER, [customer_row(1)])
    upload(provider_client, "customers", content)
    response = upload(provider_client, "customers", content)
    first = Job.objects.order_by("created_at").first()
    page = provider_client.get(response.url).content.decode()
    assert "This file was uploaded before" in page
    assert reverse("jobs:import_detail", args=[first.uuid]) in page


def test_a_row_applied_before_a_redelivery_is_not_applied_again(
    provider_client, upload, provider_admin, start
):
    from jobs import services

    upload(
        provider_client, "customers", csv_bytes(CUSTOMER_HEADER, [customer_row(1), customer_row(2)])
    )
    job = Job.objects.get()
    start(provider_client, job)
    # As if the task were delivered again after the job had ended or mid-way.
    Job.objects.filter(pk=job.pk).update(status="running")
    JobRow.objects.filter(job=job, number=3).update(outcome="")
    services.job_run(job_id=job.pk)
    assert Customer.objects.count() == 2
    assert JobRow.objects.get(job=job, number=3).outcome == "already"
    assert ActivityEvent.objects.filter(verb="customer.created").count() == 2


def test_cancel_stops_after_the_current_batch(provider_client, upload, provider_admin):
    from jobs import services

    upload(
        provider_client,
        "customers",
        csv_bytes(CUSTOMER_HEADER, [customer_row(n) for n in range(1, 6)]),
    )
    job = Job.objects.get()
    Job.objects.filter(pk=job.pk).update(status="running", cancel_requested=True)
    services.job_run(job_id=job.pk, batch_size=2)
    job.refresh_from_db()
    assert job.status == "cancelled" and Customer.objects.count() == 0


def test_the_progress_fragment_polls_while_running(provider_client, upload):
    upload(provider_client, "customers", csv_bytes(CUSTOMER_HEADER, [customer_row(1)]))
    job = Job.objects.get()
    Job.objects.filter(pk=job.pk).update(status="running", done=0)
    response = provider_client.get(
        reverse("jobs:import_detail", args=[job.uuid]), HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert 'hx-trigger="every 1s"' in body and "<progress" in body and "<html" not in body
    assert "0 of 1 rows done, 0 failed" in body


def test_templates_download_in_both_languages(provider_client):
    en = provider_client.get(reverse("jobs:import_template") + "?kind=customers&language=en")
    ja = provider_client.get(reverse("jobs:import_template") + "?kind=customers&language=ja")
    assert en.content.decode("utf-8-sig").startswith("Company name,")
    assert ja.content.decode("utf-8-sig").startswith("会社名,")
    assert (
        provider_client.get(reverse("jobs:import_template") + "?kind=nope&language=en").status_code
        == 404
    )


def test_the_preview_speaks_japanese(provider_client, upload):
    provider_client.cookies["django_language"] = "ja"
    upload(provider_client, "customers", csv_bytes(CUSTOMER_HEADER, [customer_row(1, sku="NOPE")]))
    job = Job.objects.get()
    page = provider_client.get(reverse("jobs:import_detail", args=[job.uuid])).content.decode()
    assert "オファーSKU" in page


def test_the_country_column_takes_an_iso_code_or_a_name_in_either_language(
    provider_client, upload, start
):
    countries = ["jp", "日本", "Japan", "de", "Narnia"]
    rows = []
    for n, country in enumerate(countries, 1):
        row = customer_row(n)
        row[5] = country
        rows.append(row)
    response = upload(provider_client, "customers", csv_bytes(CUSTOMER_HEADER, rows))
    job = Job.objects.get()
    assert job.invalid == 1
    page = provider_client.get(response.url).content.decode()
    assert "Enter the country&#x27;s ISO code, such as JP or US, or its name." in page
    start(provider_client, job)
    assert sorted(Customer.objects.values_list("country", flat=True)) == ["DE", "JP", "JP", "JP"]
