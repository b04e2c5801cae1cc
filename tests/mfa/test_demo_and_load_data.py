"""The demo and the benchmark sign in with a password alone: their organisations do not require MFA."""

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from partners.models import Organisation
from tests.devdata.test_generate_load_data import PASSWORD, generate, on_postgresql


@pytest.mark.django_db
def test_the_demo_organisations_do_not_require_mfa():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Organisation.objects.exists()
    assert not Organisation.objects.filter(require_mfa=True).exists()
    client = Client()
    response = client.post(
        reverse("login"), {"username": "admin@contoso.example", "password": "Demo-Portal-2026"}
    )
    assert response.status_code == 302 and response.url == reverse("home")
    assert client.get(reverse("customers:customer_list")).status_code == 200


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_load_data_organisations_do_not_require_mfa():
    generate()
    assert not Organisation.objects.filter(require_mfa=True).exists()
    client = Client()
    response = client.post(
        reverse("login"), {"username": "admin@provider-1.load.example", "password": PASSWORD}
    )
    assert response.status_code == 302 and response.url == reverse("home")
