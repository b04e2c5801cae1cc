"""Request a partnership, Send: the edited draft goes out through the outbox, once."""

from urllib.parse import unquote

import pytest
from django.core import mail
from django.urls import reverse

from partners.models import PartnershipRequest
from partners.services import INVITE_LINK_MARKER
from portal.models import ActivityEvent, OutboundEmail
from portal.roles import Role

pytestmark = pytest.mark.django_db


def _send(client, prepared, body=None, subject="Let us work together", token=None):
    return client.post(
        reverse("partners:request_send", args=[prepared.partnership_request.uuid]),
        {
            "token": token or prepared.token,
            "subject": subject,
            "body": prepared.body if body is None else body,
        },
    )


def test_it_emails_the_edited_draft_through_the_outbox(
    provider_client, prepared, django_capture_on_commit_callbacks
):
    body = f"Hi there,\n\nJoin us: {prepared.url}\n\nThanks"
    with django_capture_on_commit_callbacks(execute=True):
        response = _send(provider_client, prepared, body=body)
    assert "Sent to new.reseller@example.test" in response.content.decode()
    email = OutboundEmail.objects.get()
    assert email.kind == "partnership-request" and email.status == "sent"
    assert email.to == "new.reseller@example.test"
    # The subject is fixed (the posted one is ignored): it names the provider.
    assert email.subject == "Contoso Test Distribution invites you to become its indirect reseller"
    assert len(mail.outbox) == 1 and prepared.url in mail.outbox[0].body
    assert prepared.url in mail.outbox[0].alternatives[0][0]
    partnership_request = PartnershipRequest.objects.get()
    assert partnership_request.sent_at is not None
    assert partnership_request.message == body.replace(prepared.url, INVITE_LINK_MARKER)
    assert ActivityEvent.objects.filter(verb="partnership_request.sent").count() == 1


def test_a_second_send_of_the_same_draft_sends_nothing_more(
    provider_client, prepared, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _send(provider_client, prepared)
        html = _send(provider_client, prepared).content.decode()
    assert "already sent" in html
    assert OutboundEmail.objects.count() == 1 and len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("mangle", "error"),
    [
        (lambda body, url: body.replace(url, ""), "must contain the invite link"),
        (lambda body, url: body.replace(url, url[:-3] + "xx/"), "invite link was altered"),
        (lambda body, url: "   \n  ", "Write a message."),
        (lambda body, url: "", "This field is required."),
        (lambda body, url: body + "x" * 10_001, "at most 10000 characters"),
    ],
    ids=["removed", "altered", "blank", "empty", "too-long"],
)
def test_a_bad_body_is_a_clear_error_and_nothing_is_saved(provider_client, prepared, mangle, error):
    html = _send(provider_client, prepared, body=mangle(prepared.body, prepared.url))
    html = html.content.decode()
    assert error in html
    assert PartnershipRequest.objects.get().sent_at is None
    assert not OutboundEmail.objects.exists()
    assert not ActivityEvent.objects.filter(verb="partnership_request.sent").exists()


def test_an_error_for_a_removed_link_shows_the_link_to_put_back(provider_client, prepared):
    html = _send(provider_client, prepared, body="no link").content.decode()
    assert prepared.url in html


def test_a_tampered_token_is_refused(provider_client, prepared):
    html = _send(provider_client, prepared, token="A" * 43).content.decode()
    assert "out of date" in html
    assert not OutboundEmail.objects.exists()


def test_the_mailto_link_carries_the_edited_text_encoded(provider_client, prepared):
    body = f"こんにちは & ようこそ #1\nリンク: {prepared.url}\n以上"
    html = _send(provider_client, prepared, body=body, subject="提携 & #依頼").content.decode()
    href = html.split('href="mailto:', 1)[1].split('"', 1)[0]
    address, query = href.split("?", 1)
    subject_part, body_part = query.split("&amp;body=")
    assert address == "new.reseller@example.test"
    assert "#" not in query and " " not in query and "\n" not in query
    assert "%26" in body_part and "%23" in body_part and "%0D%0A" in body_part
    assert unquote(subject_part.removeprefix("subject=")) == (
        "Contoso Test Distribution invites you to become its indirect reseller"
    )
    assert unquote(body_part) == body.replace("\n", "\r\n")


def test_a_foreign_request_is_a_404(outsider_client, prepared):
    assert _send(outsider_client, prepared).status_code == 404
    assert PartnershipRequest.objects.get().sent_at is None


def test_a_user_management_admin_gets_403(role_client, prepared):
    assert _send(role_client(Role.USER_ADMIN), prepared).status_code == 403


def test_it_refuses_a_get(provider_client, prepared):
    url = reverse("partners:request_send", args=[prepared.partnership_request.uuid])
    assert provider_client.get(url).status_code == 405
