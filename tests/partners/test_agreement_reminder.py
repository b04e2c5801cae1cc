"""The partner agreement status on Indirect resellers, its filter, and the agreement reminder."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from partners.models import Partnership
from portal.models import ActivityEvent, OutboundEmail
from portal.roles import Role
from tests import factories as f

URL = reverse("partners:reseller_list")


@pytest.fixture
def pending(provider, member_factory):
    """A partner that has not accepted the partner agreement, with two Global admins."""
    reseller = f.ResellerFactory(legal_name="Adatum Consulting", agreement_accepted_at=None)
    partnership = f.PartnershipFactory(provider=provider, reseller=reseller)
    member_factory(reseller, Role.GLOBAL_ADMIN, email="boss@adatum.example")
    member_factory(reseller, Role.GLOBAL_ADMIN, email="deputy@adatum.example")
    member_factory(reseller, Role.SALES_AGENT, email="sales@adatum.example")
    return partnership


def _remind(partnership):
    return reverse("partners:agreement_reminder", args=[partnership.uuid])


def test_it_shows_each_resellers_agreement_status_and_filters(provider_client, reseller, pending):
    html = provider_client.get(URL).content.decode()
    assert "Partner agreement" in html and "Agreement accepted" in html and "Not accepted" in html
    assert html.count("Send agreement reminder") == 1
    html = provider_client.get(URL, {"agreement": "not_accepted"}).content.decode()
    assert "Adatum Consulting" in html and "Fabrikam Test Solutions" not in html
    assert "Partnership requests" not in html


def test_it_emails_the_resellers_global_admins(
    provider, provider_client, pending, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = provider_client.post(_remind(pending), follow=True)
    assert "An agreement reminder was emailed to the Global admins of Adatum Consulting." in (
        response.content.decode()
    )
    rows = OutboundEmail.objects.filter(kind="agreement-reminder")
    assert sorted(rows.values_list("to", flat=True)) == [
        "boss@adatum.example",
        "deputy@adatum.example",
    ]
    assert {m.to[0] for m in mail.outbox} == {"boss@adatum.example", "deputy@adatum.example"}
    assert "Contoso Test Distribution" in mail.outbox[0].subject
    assert "/home/" in mail.outbox[0].body
    assert ActivityEvent.objects.filter(
        organisation=provider, verb="partnership.agreement_reminder_sent"
    ).exists()
    assert "Reminded" in response.content.decode()


def test_it_reminds_at_most_once_a_day(provider_client, pending):
    provider_client.post(_remind(pending))
    response = provider_client.post(_remind(pending), follow=True)
    assert "less than a day ago" in response.content.decode()
    assert OutboundEmail.objects.count() == 2
    Partnership.objects.filter(pk=pending.pk).update(
        agreement_reminder_sent_at=pending.created_at - timedelta(days=1, minutes=1)
    )
    provider_client.post(_remind(pending))
    assert OutboundEmail.objects.count() == 4


def test_it_refuses_a_reseller_that_accepted(provider_client, reseller):
    partnership = Partnership.objects.get(reseller=reseller)
    response = provider_client.post(_remind(partnership), follow=True)
    assert "has already accepted the partner agreement" in response.content.decode()
    assert not OutboundEmail.objects.exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.GLOBAL_ADMIN, 302),
        (Role.ADMIN_AGENT, 302),
        (Role.SALES_AGENT, 302),
        (Role.USER_ADMIN, 403),
    ],
)
def test_each_role(role_client, pending, role, status):
    client = role_client(role)
    assert ("Send agreement reminder" in client.get(URL).content.decode()) is (status == 302)
    assert client.post(_remind(pending)).status_code == status


def test_a_foreign_partnership_is_a_404(outsider_client, reseller_client, pending):
    assert outsider_client.post(_remind(pending)).status_code == 404
    assert reseller_client.post(_remind(pending)).status_code == 404
    assert not OutboundEmail.objects.exists()


def test_it_answers_post_only_with_a_csrf_token(provider_admin, pending):
    client = Client(enforce_csrf_checks=True)
    client.force_login(provider_admin)
    assert client.get(_remind(pending)).status_code == 405
    assert client.post(_remind(pending)).status_code == 403
    assert not OutboundEmail.objects.exists()


@pytest.mark.parametrize("size", [5, 60])
def test_the_filtered_list_runs_a_constant_number_of_queries(
    provider_client, provider, size, django_assert_max_num_queries
):
    for i in range(size):
        reseller = f.ResellerFactory(agreement_accepted_at=None if i % 2 else f.timezone.now())
        f.PartnershipFactory(
            provider=provider, reseller=reseller, agreement_reminder_sent_at=f.timezone.now()
        )
    for params in ({}, {"agreement": "not_accepted"}):
        with django_assert_max_num_queries(7):
            response = provider_client.get(URL, params)
        assert response.status_code == 200


def test_it_speaks_japanese(provider_client, pending, japanese):
    html = japanese(provider_client).get(URL).content.decode()
    assert "パートナー契約" in html and "未同意" in html and "契約のリマインダーを送信" in html


def test_the_rows_reminder_is_an_htmx_post_that_loads_the_page_again(provider_client, pending):
    html = provider_client.get(URL).content.decode()
    # The row's button posts through HTMX (the CSRF header is on <body>): no token in the row.
    assert f'hx-post="{_remind(pending)}"' in html
    table = html[html.index('<table class="data">') : html.index("</table>")]
    assert "Adatum Consulting" in table and "csrfmiddlewaretoken" not in table
    response = provider_client.post(_remind(pending), headers={"HX-Request": "true"})
    assert response.status_code == 200 and response["HX-Redirect"] == URL
    assert "An agreement reminder was emailed" in provider_client.get(URL).content.decode()
    assert OutboundEmail.objects.filter(kind="agreement-reminder").count() == 2
