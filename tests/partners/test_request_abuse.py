"""Partnership-request emails cannot be turned into spam or phishing from the portal's address.

Rate-limited per organisation and per recipient, a fixed subject naming the
provider, only the invite link clickable in the HTML part, and a message that
can never be delivered is shown as not delivered.
"""

import re

import pytest
from django.core import mail
from django.urls import reverse

from partners import services
from portal.models import OutboundEmail

pytestmark = pytest.mark.django_db


def _send(client, prepared, subject="Let us work together", body=None):
    return client.post(
        reverse("partners:request_send", args=[prepared.partnership_request.uuid]),
        {"token": prepared.token, "subject": subject, "body": body or prepared.body},
    )


def _resend(client, partnership_request):
    return client.post(reverse("partners:request_resend", args=[partnership_request.uuid]))


def test_the_subject_is_the_fixed_template_with_the_providers_name(
    provider_client, prepared, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _send(provider_client, prepared, subject="Urgent: verify your Microsoft account")
    assert OutboundEmail.objects.get().subject == (
        "Contoso Test Distribution invites you to become its indirect reseller"
    )
    assert mail.outbox[0].subject.startswith("Contoso Test Distribution invites you")


def test_a_subject_with_a_line_break_never_reaches_a_header(
    provider_client, prepared, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _send(provider_client, prepared, subject="Hello\r\nBcc: victim@example.test")
    email = OutboundEmail.objects.get()
    assert "\n" not in email.subject and "\r" not in email.subject
    assert email.status == "sent"
    assert mail.outbox[0].bcc == [] and "victim" not in str(mail.outbox[0].message())


def test_only_the_invite_link_is_a_link_in_the_html_part(
    provider_client, prepared, django_capture_on_commit_callbacks
):
    body = (
        f"Hello,\n\nVerify your account first: https://evil.example/login\n\n{prepared.url}\n"
        "Or write to www.evil.example <b>now</b>"
    )
    with django_capture_on_commit_callbacks(execute=True):
        _send(provider_client, prepared, body=body)
    html = OutboundEmail.objects.get().body_html
    assert re.findall(r'href="([^"]*)"', html) == [prepared.url]
    assert "https://evil.example/login" in html  # shown as text, not a link
    assert "<b>" not in html and "&lt;b&gt;" in html


def test_it_limits_the_emails_to_one_recipient(
    provider_client, prepared, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert _send(provider_client, prepared).status_code == 200
        limit = 3  # emails to one address a day: the request and two resends
        for _ in range(limit - 1):
            assert _resend(provider_client, prepared.partnership_request).status_code == 302
        refused = _resend(provider_client, prepared.partnership_request)
    assert len(mail.outbox) == limit
    assert refused.status_code == 302
    page = provider_client.get(refused.url).content.decode()
    assert "Too many emails were sent to this address" in page


def test_it_limits_the_requests_one_organisation_sends(
    provider, provider_admin, provider_client, django_capture_on_commit_callbacks
):
    limit = 20  # requests an organisation sends in an hour, as staff invitations
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(limit + 1):
            prepared = services.partnership_request_prepare(
                provider=provider, actor=provider_admin, email=f"reseller{n}@example.test"
            )
            response = _send(provider_client, prepared)
    assert len(mail.outbox) == limit
    assert response.status_code == 429
    assert "Too many partnership requests were sent" in response.content.decode()


def test_the_reseller_list_says_when_a_request_could_not_be_delivered(
    provider_client, prepared, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _send(provider_client, prepared)
    OutboundEmail.objects.update(status="failed", last_error="BadHeaderError: bad header")
    html = provider_client.get(reverse("partners:reseller_list")).content.decode()
    assert "Not delivered" in html
