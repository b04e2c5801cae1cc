"""Plain-text subjects and bodies carry names as written: no HTML escaping (AT&T, not AT&amp;T)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from partners import services as partner_services
from portal.emails import queue_email
from tests import factories as f

pytestmark = pytest.mark.django_db

TRICKY = 'AT&T <Ops> "Quoted" O\'Brien'


@pytest.fixture
def orgs():
    provider = f.ProviderFactory(legal_name=TRICKY, directory_name=TRICKY)
    reseller = f.ResellerFactory(legal_name=TRICKY)
    actor = f.MembershipFactory(organisation=provider, user__first_name=TRICKY).user
    return provider, reseller, actor


def _contexts(provider, reseller, actor):
    return {
        "agreement-reminder": {
            "provider": provider,
            "reseller": reseller,
            "home_url": "https://portal.example/home/",
        },
        "partnership-accepted": {"provider": provider, "reseller": reseller, "actor": actor},
        "partnership-revoked": {"provider": provider, "reseller": reseller, "actor": actor},
        "staff-invite": {
            "organisation_name": TRICKY,
            "inviter_name": TRICKY,
            "role_label": "Sales agent",
            "accept_url": "https://portal.example/join/x/",
            "expires_at": timezone.now() + timedelta(days=7),
        },
        "password-reset": {
            "reset_path_uid": "MQ",
            "reset_path_token": "abc-123",
            "site_url": "https://portal.example",
            "user_name": TRICKY,
        },
    }


@pytest.mark.parametrize(
    "kind",
    [
        "agreement-reminder",
        "partnership-accepted",
        "partnership-revoked",
        "staff-invite",
        "password-reset",
    ],
)
def test_subjects_and_text_bodies_are_not_html_escaped(
    kind, orgs, django_capture_on_commit_callbacks
):
    context = _contexts(*orgs)[kind]
    with django_capture_on_commit_callbacks(execute=True):
        email = queue_email(kind=kind, to="someone@example.test", context=context)
    for text in (email.subject, email.body_text, mail.outbox[0].subject, mail.outbox[0].body):
        assert "&amp;" not in text and "&lt;" not in text and "&#x27;" not in text
        assert "&quot;" not in text and "&#39;" not in text
    if kind != "password-reset":  # its subject names no one
        assert TRICKY in email.subject or "AT&T" in email.subject
    assert TRICKY in email.body_text


def test_the_html_part_still_escapes_names(orgs, django_capture_on_commit_callbacks):
    provider, reseller, actor = orgs
    with django_capture_on_commit_callbacks(execute=True):
        email = queue_email(
            kind="partnership-accepted",
            to="someone@example.test",
            context={"provider": provider, "reseller": reseller, "actor": actor},
        )
    assert "<Ops>" not in email.body_html and "&lt;Ops&gt;" in email.body_html


def test_the_partnership_request_subject_and_draft_keep_the_providers_name(orgs):
    provider, _reseller, actor = orgs
    prepared = partner_services.partnership_request_prepare(
        provider=provider, actor=actor, email="new@reseller.example"
    )
    subject = prepared.partnership_request.subject
    assert subject.startswith(TRICKY)
    assert TRICKY in prepared.body and "&amp;" not in prepared.body
