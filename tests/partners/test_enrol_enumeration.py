"""Enrolling from an invite link tells nobody whether an email or a partner ID is registered.

Anyone holding an invite link could post the enrolment form to probe other
tenants' facts (50 probes in 2.4 s). The form now answers the same page
whatever is registered ("check your email"), the conflict is told only to the
owner of the address, after they open the link mailed to it, and the form is
throttled per client address.
"""

import re

import pytest
from django.core import mail
from django.urls import reverse

from partners.models import Organisation, Partnership, PartnershipRequest
from portal.models import User
from tests import factories as f

pytestmark = pytest.mark.django_db

VALID = {
    "company_name": "Litware Partners",
    "partner_id": "5550001",
    "location_partner_id": "5550002",
    "country": "jp",
    "agreement": "on",
    "first_name": "Aiko",
    "last_name": "Sato",
    "email": "new.reseller@example.test",
    "password": "a-Long-and-unusual-passphrase-42",
    "consent": "on",
}
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"|"X-CSRFToken": "[^"]*"')


def _enrol(client, prepared, **changes):
    return client.post(
        reverse("partners:invite_enrol", args=[prepared.token]), {**VALID, **changes}
    )


def _page(response):
    return CSRF.sub("", response.content.decode())


def test_the_answer_is_the_same_whatever_is_registered(
    client, prepared, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        fresh = _enrol(client, prepared)
        f.UserFactory(email="new.reseller@example.test")
        email_taken = _enrol(client, prepared)
        User.objects.filter(email="new.reseller@example.test").delete()
        f.ResellerFactory(partner_id="5550001", location=False)
        id_taken = _enrol(client, prepared)
        f.PartnerLocationFactory(location_partner_id="5550002")
        location_taken = _enrol(client, prepared, partner_id="5550009")
    answers = [fresh, email_taken, id_taken, location_taken]
    assert {a.status_code for a in answers} == {200}
    assert len({_page(a) for a in answers}) == 1
    assert "registered" not in _page(fresh) and "Sign in instead" not in _page(fresh)
    assert "Check your email" in _page(fresh)
    assert not Organisation.objects.filter(legal_name="Litware Partners").exists()


def test_the_form_is_throttled_per_client(client, prepared, fresh_cache):
    codes = [
        _enrol(client, prepared, email=f"probe{n}@example.test").status_code for n in range(11)
    ]
    assert codes[:10] == [200] * 10
    assert codes[10] == 429


def test_the_enrolment_finishes_from_the_link_mailed_to_the_address(
    client, prepared, provider, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _enrol(client, prepared)
    assert not Organisation.objects.filter(partner_id="5550001").exists()
    (message,) = mail.outbox
    assert message.to == ["new.reseller@example.test"]
    link = re.search(r"https?://\S+/enrol/\S+/", message.body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    confirm = client.get(f"/{path}")
    assert confirm.status_code == 200  # opening the link changes nothing (mail scanners)
    assert not Organisation.objects.filter(partner_id="5550001").exists()
    done = client.post(f"/{path}")
    assert done.status_code == 302 and done.url == reverse("partners:reseller_home")
    reseller = Organisation.objects.get(partner_id="5550001")
    assert Partnership.objects.get(reseller=reseller).provider == provider
    assert PartnershipRequest.objects.get().status == "accepted"
    assert client.session["_auth_user_id"] == str(
        User.objects.get(email="new.reseller@example.test").pk
    )


def test_the_owner_of_a_registered_address_is_told_to_sign_in_by_email(
    client, prepared, django_capture_on_commit_callbacks
):
    f.UserFactory(email="new.reseller@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        _enrol(client, prepared)
    (message,) = mail.outbox
    assert message.to == ["new.reseller@example.test"]
    assert "already have an account" in message.body
    assert "/enrol/" not in message.body
    assert not Organisation.objects.filter(partner_id="5550001").exists()


def test_a_registered_partner_id_is_told_after_the_address_is_confirmed(
    client, prepared, django_capture_on_commit_callbacks
):
    f.ResellerFactory(partner_id="5550001", location=False)
    with django_capture_on_commit_callbacks(execute=True):
        _enrol(client, prepared)
    link = re.search(r"https?://\S+/enrol/\S+/", mail.outbox[0].body).group(0)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    response = client.post(path)
    assert response.status_code == 409
    assert "This partner ID is already registered." in response.content.decode()
    assert not Organisation.objects.filter(legal_name="Litware Partners").exists()
    assert not User.objects.filter(email="new.reseller@example.test").exists()
