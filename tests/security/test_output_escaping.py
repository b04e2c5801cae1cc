"""Guarantee 6: names holding markup render escaped everywhere.

Organisations, customers, locations, offers, people and activity entries are
given names that hold a script tag and an htmx attribute. Every page and
fragment of the portal (from the resolver), the request draft with its mailto
link, and the emails the portal writes must show them as text.
"""

import pytest
from django.urls import reverse

from portal.models import ActivityEvent, OutboundEmail
from tests.security.conftest import csrf_client
from tests.security.routes import body_of, owner_get_responses

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '" hx-get="/x'
HOSTILE = f"{SCRIPT}{ATTRIBUTE}"


def unescaped(html: str) -> list[str]:
    return [raw for raw in ("<script>alert(1)", 'hx-get="/x') if raw in html]


@pytest.fixture
def hostile(home):
    """Every name the portal shows, in the home tenant, made hostile."""
    for org in (home.provider, home.reseller):
        org.legal_name = f"{org.legal_name} {HOSTILE}"
        org.directory_name = org.legal_name
        org.directory_description = HOSTILE
        org.directory_regions = HOSTILE
        org.save()
    home.location.name = HOSTILE
    home.location.save()
    customer = home.customer
    customer.company_name = f"Acme {HOSTILE}"
    customer.contact_first_name = customer.contact_last_name = HOSTILE
    customer.city = customer.street = HOSTILE
    customer.save()
    home.offer.name = HOSTILE
    home.offer.save()
    for user in (home.provider_admin, home.member, home.reseller_admin, home.reseller_member):
        user.first_name, user.last_name = SCRIPT, ATTRIBUTE
        user.save()
    ActivityEvent.objects.filter(organisation=home.provider).update(
        object_repr=HOSTILE, before={"name": HOSTILE}, after={"name": HOSTILE}
    )
    home.subscription.changes.update(before=HOSTILE, after=HOSTILE)
    return home


def test_every_page_and_fragment_escapes_hostile_names(hostile):
    clients = {
        "provider admin": csrf_client(hostile.provider_admin),
        "reseller admin": csrf_client(hostile.reseller_admin),
    }
    failures, shown = [], 0
    for _route, _url, responses in owner_get_responses(hostile, clients):
        for label, response in responses:
            if not response.get("Content-Type", "").startswith("text/html"):
                continue
            html = body_of(response)
            shown += "&lt;script&gt;alert(1)" in html
            found = unescaped(html)
            if found:
                failures.append(f"{label}: renders {found} unescaped")
    assert not failures, "\n".join(failures)
    assert shown >= 30  # the names were really on the pages checked


def test_the_request_draft_its_mailto_link_and_the_sent_email_escape_names(
    hostile, django_capture_on_commit_callbacks
):
    client = csrf_client(hostile.provider_admin)
    response = client.post(reverse("partners:request_new"), {"email": "new@reseller.example"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "mailto:new@reseller.example?subject=" in html
    assert not unescaped(html)
    draft = response.context["draft_form"]
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            response.context["send_url"],
            {**draft.initial, "body": draft.initial["body"]},
            headers={"HX-Request": "true"},
        )
    assert sent.status_code == 200 and not unescaped(sent.content.decode())
    email = OutboundEmail.objects.get(kind="partnership-request")
    assert SCRIPT in email.body_text  # plain text keeps the name as written
    assert not unescaped(email.body_html)


def test_emails_about_people_and_organisations_escape_names(
    hostile, django_capture_on_commit_callbacks
):
    provider_client = csrf_client(hostile.provider_admin)
    with django_capture_on_commit_callbacks(execute=True):
        provider_client.post(
            reverse("user_invite"), {"email": "staff@new.example", "role": "sales_agent"}
        )
        csrf_client(hostile.reseller_admin).post(
            reverse("partners:provider_revoke", args=[hostile.partnership.uuid])
        )
    kinds = set(OutboundEmail.objects.values_list("kind", flat=True))
    assert {"staff-invite", "partnership-revoked"} <= kinds
    for email in OutboundEmail.objects.all():
        assert not unescaped(email.body_html), email.kind
