"""Countries: chosen by name in the viewer's language (Japanese by reading), stored as ISO codes."""

import importlib
import re

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import translation

from customers.countries import country_choices, country_name, japanese_sort_key
from customers.models import Customer
from partners.models import Organisation
from tests import factories as f

pytestmark = pytest.mark.django_db
WIZARD = reverse("customers:customer_new")


def _options(html):
    select = re.search(r'<select name="country".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="([A-Z]*)"[^>]*>([^<]*)</option>', select)


def test_the_wizard_lists_every_country_by_name_in_english(provider_client):
    provider_client.cookies["django_language"] = "en"
    options = _options(provider_client.get(WIZARD).content.decode())
    assert len(options) == 250  # the empty choice, then every ISO 3166-1 country
    assert options[0] == ("", "Select a country")
    names = [name for _code, name in options[1:]]
    assert ("JP", "Japan") in options and ("VN", "Vietnam") in options
    assert names.index("Afghanistan") == 0 and names.index("Zimbabwe") == len(names) - 1
    assert names.index("Iceland") < names.index("Japan") < names.index("Kenya")


def test_the_wizard_sorts_countries_in_japanese_by_reading(provider_client):
    provider_client.cookies["django_language"] = "ja"
    options = _options(provider_client.get(WIZARD).content.decode())
    names = [name for _code, name in options[1:]]
    assert ("JP", "日本") in options and ("US", "アメリカ合衆国") in options
    assert names[0] == "アイスランド"
    # Kanji names are filed under their readings, among the kana names: 日本 (にほん)
    # between ニジェール and ニュージーランド, 中国 (ちゅうごく) after チャド, 韓国 (かんこく)
    # among the カ names.
    assert names.index("ニジェール") < names.index("日本") < names.index("ニュージーランド")
    assert names.index("チャド") < names.index("中国") < names.index("チュニジア")
    assert names.index("カナダ") < names.index("韓国") < names.index("ギニア")
    assert names.index("ロシア") == len(names) - 1


def test_the_japanese_key_reads_voicing_small_kana_and_long_vowels_as_a_dictionary_does():
    ordered = sorted(["ガーナ", "カナダ", "カタール", "韓国", "キューバ"], key=japanese_sort_key)
    assert ordered == ["カタール", "ガーナ", "カナダ", "韓国", "キューバ"]


def test_a_country_is_stored_as_its_code_and_shown_by_name(provider_client, provider):
    customer = f.CustomerFactory(provider=provider, country="JP")
    url = reverse("customers:customer_detail", args=[customer.uuid])
    provider_client.cookies["django_language"] = "ja"
    assert "日本" in provider_client.get(url).content.decode()
    provider_client.cookies["django_language"] = "en"
    assert "Japan" in provider_client.get(url).content.decode()


def test_a_code_that_is_not_a_country_is_refused(provider_client, details_data):
    response = provider_client.post(WIZARD, details_data(country="XX"))
    assert "Select a country from the list." in response.content.decode()
    response = provider_client.post(WIZARD, details_data(country="jp"))
    assert response.status_code == 302  # a lower-case code is the same country


def test_country_names_follow_the_language():
    with translation.override("ja"):
        assert country_name("DE") == "ドイツ"
        assert dict(country_choices())["KR"] == "韓国"
    with translation.override("en"):
        assert country_name("DE") == "Germany"
    assert country_name("ZZ") == "ZZ"  # an unknown stored value is shown as it is


@pytest.mark.parametrize(
    ("module", "make", "model"),
    [
        ("customers.migrations.0010_country_iso_codes", f.CustomerFactory, Customer),
        ("partners.migrations.0010_country_iso_codes", f.ResellerFactory, Organisation),
    ],
)
def test_the_migration_stores_iso_codes(module, make, model):
    lower, uk, unknown, fine = (make(country=c) for c in ("jp", "uk", "zz", "US"))
    importlib.import_module(module).iso_codes(apps, None)
    stored = dict(model.objects.values_list("pk", "country"))
    assert [stored[o.pk] for o in (lower, uk, unknown, fine)] == ["JP", "GB", "zz", "US"]


def test_the_admin_shows_and_filters_countries_by_name(client):
    operator = f.UserFactory(is_staff=True, is_superuser=True)
    f.sign_in_verified(client, operator)
    customer = f.CustomerFactory(country="JP")
    client.cookies["django_language"] = "en"
    html = client.get(reverse("admin:customers_customer_changelist")).content.decode()
    assert '<td class="field-country">Japan</td>' in html
    html = client.get(reverse("admin:customers_customer_change", args=[customer.pk])).content
    assert '<option value="JP" selected>Japan</option>' in html.decode()
