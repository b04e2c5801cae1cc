"""The partner agreement's text: public, versioned, in English and Japanese, and linked from
every checkbox that accepts it."""

import re

import pytest
from django.urls import reverse

from partners import agreement

pytestmark = pytest.mark.django_db
CURRENT = reverse("partners:agreement_version", args=[agreement.CURRENT.version])


@pytest.mark.parametrize(
    ("language", "heading", "section"),
    [
        ("en", "Partner agreement", "Ending the partnership"),
        ("ja", "パートナー契約", "パートナーシップの終了"),
    ],
)
def test_anyone_can_read_the_agreement_in_their_language(client, language, heading, section):
    client.cookies["django_language"] = language
    for url in (reverse("partners:agreement"), CURRENT):
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert f'<h1 id="agreement-heading">{heading}</h1>' in html and section in html
        assert agreement.CURRENT.version in html


def test_an_unknown_version_is_a_404_and_only_reading_is_allowed(client):
    assert client.get(reverse("partners:agreement_version", args=["1999-01"])).status_code == 404
    assert client.post(reverse("partners:agreement")).status_code == 405


def test_a_replaced_version_stays_readable_and_points_to_the_current_one(client, monkeypatch):
    from datetime import date

    newer = agreement.AgreementVersion("2027-01", date(2027, 1, 1))
    monkeypatch.setitem(agreement.VERSIONS, newer.version, newer)
    monkeypatch.setattr(agreement, "CURRENT", newer)
    monkeypatch.setattr(
        newer.__class__,
        "template",
        lambda self, language=None: "partners/agreement/2026-11.en.html",
    )
    html = client.get(CURRENT).content.decode()
    assert "This version has been replaced" in html
    assert 'href="/partner-agreement/2027-01/"' in html


def _agreement_link(html):
    label = re.search(
        r'<label class="checkbox"><input type="checkbox" name="agreement".*?</label>', html, re.S
    )
    assert label, "the agreement checkbox"
    return label.group(0)


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "(version 2026-11, opens in a new tab)"),
        ("ja", "(バージョン 2026-11、新しいタブで開きます)"),
    ],
)
def test_the_enrolment_checkbox_links_to_the_agreement(client, invite_path, language, words):
    client.cookies["django_language"] = language
    label = _agreement_link(client.get(invite_path).content.decode())
    assert f'<a href="{CURRENT}" target="_blank" rel="noopener">' in label
    assert words in label


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_reseller_home_checkbox_links_to_the_agreement(reseller, reseller_client, language):
    reseller.agreement_accepted_at = None
    reseller.save(update_fields=["agreement_accepted_at"])
    reseller_client.cookies["django_language"] = language
    html = reseller_client.get(reverse("partners:reseller_home")).content.decode()
    assert f'<a href="{CURRENT}" target="_blank" rel="noopener">' in _agreement_link(html)


def test_accepting_records_the_version_and_the_pages_link_to_it(
    provider, reseller, reseller_client, provider_client
):
    from partners.models import Partnership
    from portal.models import ActivityEvent

    reseller.agreement_accepted_at = None
    reseller.save()
    reseller_client.cookies["django_language"] = "en"
    html = reseller_client.post(
        reverse("partners:agreement_accept"), {"agreement": "on"}, follow=True
    ).content.decode()
    reseller.refresh_from_db()
    assert reseller.agreement_version == agreement.CURRENT.version
    assert f'<a href="{CURRENT}">Read the partner agreement (version 2026-11)</a>' in html
    event = ActivityEvent.objects.get(organisation=reseller, verb="organisation.agreement_accepted")
    assert event.after["agreement_version"] == "2026-11"

    partnership = Partnership.objects.get(provider=provider, reseller=reseller)
    provider_client.cookies["django_language"] = "ja"
    page = provider_client.get(reverse("partners:reseller_detail", args=[partnership.uuid]))
    assert f'<a class="nowrap" href="{CURRENT}">バージョン 2026-11</a>' in page.content.decode()
    log = provider_client.get(reverse("activity_log")).content.decode()
    assert "契約のバージョン" in log
