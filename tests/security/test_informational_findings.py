"""Smaller hardening: caches told that HTMX answers differ, CSV cells that are never formulas,
and HSTS that binds no subdomain unless the operator opts in."""

import csv
import io
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests import factories as f
from tests.security.conftest import csrf_client

pytestmark = pytest.mark.django_db


def test_the_expanded_row_varies_on_hx_request(home):
    client = csrf_client(home.provider_admin)
    url = reverse("customers:customer_row", args=[home.customer.uuid])
    for headers in (None, {"HX-Request": "true"}):
        response = client.get(url, headers=headers)
        assert "HX-Request" in response.get("Vary", ""), headers


def test_the_sign_in_redirect_varies_on_hx_request():
    url = reverse("customers:customer_list")
    for headers in (None, {"HX-Request": "true"}):
        response = Client().get(url, headers=headers)
        assert response.status_code in (200, 302)
        assert "HX-Request" in response.get("Vary", ""), headers


@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "\t", "\r", "\n", " "])
def test_no_exported_cell_starts_like_a_formula(provider_client, provider, lead):
    f.SubscriptionFactory(
        customer=f.CustomerFactory(provider=provider, company_name=f"{lead}HYPERLINK(1)")
    )
    response = provider_client.get(reverse("subscriptions:export"))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[1][0] == f"'{lead}HYPERLINK(1)"


def _production_setting(name, **environ):
    """A setting as production computes it (DEBUG off), in a fresh interpreter."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DEBUG": "0",
        "SECRET_KEY": "x" * 50,
        **environ,
    }
    for key in ("SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD"):
        if key not in environ:
            env.pop(key, None)
    code = f"from django.conf import settings; print(settings.{name})"
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=env,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        check=True,
    )
    return out.stdout.strip()


def test_hsts_binds_no_subdomain_and_asks_no_preload_by_default():
    assert _production_setting("SECURE_HSTS_SECONDS") == "31536000"
    assert _production_setting("SECURE_HSTS_INCLUDE_SUBDOMAINS") == "False"
    assert _production_setting("SECURE_HSTS_PRELOAD") == "False"


def test_hsts_subdomains_and_preload_are_opt_in():
    opted = {"SECURE_HSTS_INCLUDE_SUBDOMAINS": "1", "SECURE_HSTS_PRELOAD": "1"}
    assert _production_setting("SECURE_HSTS_INCLUDE_SUBDOMAINS", **opted) == "True"
    assert _production_setting("SECURE_HSTS_PRELOAD", **opted) == "True"
