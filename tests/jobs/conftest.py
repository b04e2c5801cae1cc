import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests import factories as f

CUSTOMER_HEADER = [
    "Company name", "Primary domain", "Street", "City", "Postal code", "Country",
    "Contact first name", "Contact last name", "Contact email", "Contact phone",
    "Language", "Reseller location ID", "Offer SKU", "Term and billing", "Licences",
]  # fmt: skip


def csv_bytes(header, rows, encoding="utf-8", bom=False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = out.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def customer_row(n, *, company=None, sku="", licences="", location=""):
    return [
        company or f"Company {n}", f"import{n:05d}", f"{n} Main Street", "Seattle", "98052",
        "US", "Ada", "Lovelace", f"ada{n}@example.com", "", "en", location, sku, "", licences,
    ]  # fmt: skip


@pytest.fixture
def offer(db):
    return f.OfferFactory(name="Imported Offer", sku="IMPORT-SKU", min_licences=1, max_licences=50)


@pytest.fixture
def upload():
    def post(client, kind, content: bytes, name="import.csv", encoding=""):
        return client.post(
            reverse("jobs:import_new"),
            {
                "kind": kind,
                "file": SimpleUploadedFile(name, content, content_type="text/csv"),
                "encoding": encoding,
            },
        )

    return post


@pytest.fixture
def start(django_capture_on_commit_callbacks):
    """Start an import; its task runs (eagerly, without a broker) when the start commits."""

    def post(client, job):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("jobs:import_start", args=[job.uuid]))

    return post
