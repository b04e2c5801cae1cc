"""Guarantee 9: production settings send the protective headers and pass ``check --deploy``.

The test settings are the production settings (DEBUG off) with a faster
password hasher, so the responses here carry what production sends.
"""

import os
import re
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD
from tests.security.conftest import csrf_client

pytestmark = pytest.mark.django_db

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def assert_protected(response):
    policy = directives(response["Content-Security-Policy"])
    script_src = policy.get("script-src", policy.get("default-src"))
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "'self'" in script_src and "*" not in script_src
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    hsts = response["Strict-Transport-Security"]
    assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 31536000
    # includeSubDomains and preload are the operator's choice (off by default).
    assert "includeSubDomains" not in hsts and "preload" not in hsts


def test_pages_fragments_and_errors_send_the_protective_headers(home):
    client = csrf_client(home.provider_admin)
    responses = [
        client.get(reverse("customers:customer_list"), secure=True),
        client.get(reverse("customers:customer_list"), secure=True, headers={"HX-Request": "1"}),
        client.get(reverse("customers:customer_detail", args=[home.customer.uuid]), secure=True),
        client.get("/customers/00000000-0000-0000-0000-000000000000/", secure=True),
        Client().get(reverse("login"), secure=True),
        Client().get(reverse("partners:invite", args=[home.request_token]), secure=True),
    ]
    assert [r.status_code for r in responses] == [200, 200, 200, 404, 200, 200]
    for response in responses:
        assert_protected(response)


def test_no_page_runs_inline_script_without_the_nonce(home):
    client = csrf_client(home.provider_admin)
    pages = [
        reverse("customers:customer_list"),
        reverse("customers:customer_detail", args=[home.customer.uuid]),
        reverse("subscriptions:subscription_detail", args=[home.subscription.uuid]),
        reverse("partners:reseller_list"),
        reverse("user_list"),
        reverse("activity_log"),
    ]
    for url in pages:
        response = client.get(url, secure=True)
        # django-csp adds a nonce to the policy only when a page uses one.
        nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])
        html = response.content.decode()
        for attributes in SCRIPT_TAG.findall(html):
            if "src=" not in attributes:
                assert nonce and f'nonce="{nonce.group(1)}"' in attributes, (url, attributes)
        assert not INLINE_HANDLER.search(html), url


def test_the_session_and_csrf_cookies_are_secure(home):
    client = Client()
    client.get(reverse("login"), secure=True)
    response = client.post(
        reverse("login"),
        {"username": home.provider_admin.email, "password": PASSWORD},
        secure=True,
        headers={"Referer": "https://testserver/accounts/login/"},
    )
    assert response.status_code == 302
    session, csrf = client.cookies[settings.SESSION_COOKIE_NAME], client.cookies["csrftoken"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    assert csrf["secure"]


def test_production_settings_pass_the_deployment_checks():
    """``manage.py check --deploy`` as production starts it: DEBUG off, a real secret key."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "portal.example",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
