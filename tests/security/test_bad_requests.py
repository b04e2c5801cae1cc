"""Malformed requests answer 400 with the portal's own page and headers, never a 500.

A form posted in a charset other than UTF-8 (Django refuses to decode it) and
dates at the edge of the calendar were server errors; the first even escaped
Django (its 400 handler read the body again) as a bare 500 without headers.
"""

import pytest
from django.test import Client
from django.urls import reverse

from tests.security.conftest import csrf_client

pytestmark = pytest.mark.django_db

CHARSETS = ["iso-8859-1", "utf-16", "shift_jis", "latin-1"]


def assert_own_400_page(response):
    assert response.status_code == 400
    html = response.content.decode()
    assert "Bad request" in html and '<link rel="stylesheet"' in html
    assert "Content-Security-Policy" in response
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def _post_in(client, url, charset, body):
    return client.post(
        url,
        data=body.encode(),
        content_type=f"application/x-www-form-urlencoded; charset={charset}",
    )


@pytest.mark.parametrize("charset", CHARSETS)
def test_a_sign_in_form_posted_in_another_charset_is_a_400(charset):
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.get(reverse("login"))
    token = client.cookies["csrftoken"].value
    body = f"csrfmiddlewaretoken={token}&username=a%40example.test&password=x"
    assert_own_400_page(_post_in(client, reverse("login"), charset, body))


@pytest.mark.parametrize("charset", CHARSETS)
def test_a_signed_in_form_posted_in_another_charset_is_a_400(home, charset):
    client = csrf_client(home.provider_admin)
    client.raise_request_exception = False
    response = _post_in(client, reverse("user_invite"), charset, "email=a%40b.example&role=x")
    assert_own_400_page(response)


@pytest.mark.parametrize(
    "dates",
    [
        {"date_to": "9999-12-31"},
        {"date_from": "9999-12-31"},
        {"date_from": "0001-01-01"},
        {"date_from": "0001-01-01", "date_to": "9999-12-31"},
    ],
)
def test_dates_at_the_edges_of_the_calendar_are_a_400(home, dates, settings):
    settings.TIME_ZONE = "Asia/Tokyo"  # a date's start in UTC lies before 0001-01-01 there
    client = csrf_client(home.provider_admin)
    client.raise_request_exception = False
    response = client.get(reverse("activity_log"), dates)
    assert response.status_code == 400
    assert "Activity log" in response.content.decode()
    assert "Content-Security-Policy" in response
