import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp

from tests import factories as f


@pytest.fixture(autouse=True)
def _fresh_cache(fresh_cache):
    """Sign-in counters live in the cache: every test starts from zero."""


def code_of(device, steps_ahead: int = 0) -> str:
    """The authenticator app's code now, or ``steps_ahead`` steps of 30 s later (the app's next code)."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, drift=steps_ahead):06d}"


def password_sign_in(user, *, next_url: str = "") -> tuple[Client, object]:
    """A client that signed in with the password through the sign-in page; returns the response too."""
    client = Client()
    data = {"username": user.email, "password": f.PASSWORD}
    if next_url:
        data["next"] = next_url
    response = client.post(reverse("login"), data)
    assert response.status_code == 302, response.content.decode()[:500]
    return client, response
