"""Enrol as an indirect reseller from the invite link: the address confirms, then it accepts."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from partners.models import (
    Membership,
    Organisation,
    PartnerLocation,
    Partnership,
    PartnershipRequest,
)
from portal.models import ActivityEvent, User
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
    "email": "  Aiko.Sato@Example.test ",  # the invite went to new.reseller@example.test
    "password": "a-Long-and-unusual-passphrase-42",
    "consent": "on",
}


def _enrol(client, prepared, **changes):
    data = {**VALID, **changes}
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(reverse("partners:invite_enrol", args=[prepared.token]), data)


def _confirm(client, prepared, **changes):
    """Enrol, then finish from the link mailed to the address (as its owner does)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        answer = _enrol(client, prepared, **changes)
    assert "Check your email" in answer.content.decode()
    link = re.search(r"https?://\S+/enrol/\S+/", mail.outbox[-1].body).group(0)
    return client.post("/" + link.split("://", 1)[1].split("/", 1)[1])


def test_it_creates_the_reseller_accepts_and_signs_in(client, prepared, provider):
    response = _confirm(client, prepared)
    assert response.status_code == 302 and response.url == reverse("partners:reseller_home")
    reseller = Organisation.objects.get(partner_id="5550001")
    assert reseller.kind == "reseller" and reseller.country == "JP"
    assert reseller.agreement_accepted_at and reseller.contact_email == "aiko.sato@example.test"
    assert reseller.agreement_version == "2026-11"  # the version the form linked to
    assert PartnerLocation.objects.get(organisation=reseller).location_partner_id == "5550002"
    user = User.objects.get(email="aiko.sato@example.test")
    assert Membership.objects.get(user=user).role == "global_admin"
    assert reseller.agreement_accepted_by == user
    assert Partnership.objects.get(reseller=reseller).provider == provider
    assert PartnershipRequest.objects.get().status == "accepted"
    assert ActivityEvent.objects.filter(
        verb="organisation.enrolled", organisation=reseller
    ).exists()
    # A new organisation requires MFA: its first user sets up a second factor first.
    assert reseller.require_mfa
    assert client.get(response.url).url.startswith(reverse("mfa:devices"))
    home = f.sign_in_verified(client, user).get(response.url).content.decode()
    assert provider.display_name in home


def _nothing_created():
    return (
        not Organisation.objects.filter(legal_name="Litware Partners").exists()
        and not User.objects.filter(email="aiko.sato@example.test").exists()
        and PartnershipRequest.objects.get().status == "pending"
    )


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"partner_id": "55-001"}, "Enter digits only."),
        ({"location_partner_id": "abc"}, "Enter digits only."),
        ({"location_partner_id": "5550001"}, "must differ from the global partner ID"),
        ({"agreement": None}, "Accept the partner agreement"),
        ({"consent": None}, "Tick the box to authorise"),
        ({"country": "Japan"}, "Select a country from the list."),
        ({"country": "XX"}, "Select a country from the list."),
        ({"email": "nope"}, "Enter a valid email address."),
        ({"password": "123"}, "This password is too short."),
        ({"company_name": ""}, "This field is required."),
    ],
    ids=lambda v: str(v)[:30],
)
def test_bad_input_is_a_clear_error_and_nothing_is_saved(client, prepared, changes, error):
    response = _enrol(client, prepared, **changes)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert _nothing_created()


@pytest.mark.parametrize("field", ["partner_id", "location_partner_id"])
@pytest.mark.parametrize("taken_as", ["global", "location"])
def test_an_id_taken_as_either_kind_is_refused(client, prepared, field, taken_as):
    if taken_as == "global":
        f.ResellerFactory(partner_id=VALID[field], location=False)
    else:
        f.PartnerLocationFactory(location_partner_id=VALID[field])
    response = _confirm(client, prepared)
    # Told once the address is confirmed as the enrolling person's own.
    assert response.status_code == 409
    assert "This partner ID is already registered." in response.content.decode()
    assert _nothing_created()


def test_an_email_with_an_account_is_told_to_sign_in_by_email(client, prepared):
    f.UserFactory(email="aiko.sato@example.test")
    with TestCase.captureOnCommitCallbacks(execute=True):
        html = _enrol(client, prepared).content.decode()
    assert "Check your email" in html and "Sign in instead" not in html
    assert "already have an account" in mail.outbox[0].body
    assert not Organisation.objects.filter(partner_id="5550001").exists()


def test_an_expired_link_creates_nothing(client, prepared):
    PartnershipRequest.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _enrol(client, prepared).status_code == 410
    assert not Organisation.objects.filter(partner_id="5550001").exists()
    assert not User.objects.filter(email="aiko.sato@example.test").exists()


def test_a_signed_in_user_is_sent_back_to_the_invite(reseller_client, prepared, invite_path):
    response = _enrol(reseller_client, prepared)
    assert response.status_code == 302 and response.url == invite_path
    assert not Organisation.objects.filter(partner_id="5550001").exists()


def test_it_refuses_a_get(client, prepared):
    assert client.get(reverse("partners:invite_enrol", args=[prepared.token])).status_code == 405
