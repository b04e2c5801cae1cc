import re

import pytest
from django.core import mail
from django.urls import reverse

from portal.models import OutboundEmail
from portal.roles import Role

pytestmark = pytest.mark.django_db
URL = reverse("password_reset")


@pytest.fixture
def member(provider, member_factory):
    return member_factory(provider, Role.SALES_AGENT, email="ana@contoso.example")


def test_it_mails_a_link_through_the_outbox_and_the_link_sets_a_new_password(
    client, member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"email": "ANA@contoso.example"})
    assert response.status_code == 302 and response.url == reverse("password_reset_done")
    row = OutboundEmail.objects.get(kind="password-reset")
    assert row.to == "ana@contoso.example" and row.status == "sent"
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/reset/\S+/", mail.outbox[0].body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path, follow=True)
    assert "Choose a new password" in response.content.decode()
    assert "no-store" in response["Cache-Control"] or "private" in response["Cache-Control"]
    new = "An-entirely-new-passphrase-7"
    response = client.post(
        response.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}
    )
    assert response.url == reverse("password_reset_complete")
    member.refresh_from_db()
    assert member.check_password(new)


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client):
    response = client.post(URL, {"email": "nobody@nowhere.example"})
    assert response.status_code == 302
    assert not OutboundEmail.objects.exists()


def test_requests_for_one_address_are_limited(client, member):
    answers = [client.post(URL, {"email": "ana@contoso.example"}).status_code for _ in range(4)]
    assert answers == [302, 302, 302, 429]
    assert OutboundEmail.objects.count() == 3


def test_the_mail_holds_no_secret_other_than_the_link(client, member):
    client.post(URL, {"email": "ana@contoso.example"})
    row = OutboundEmail.objects.get()
    assert "Test-Password-2026" not in row.body_text + row.body_html


def test_the_form_page_speaks_japanese(client):
    client.cookies["django_language"] = "ja"
    assert "パスワードのリセット" in client.get(URL).content.decode()
