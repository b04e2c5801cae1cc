"""Enrolment asks for the country from the list, by name in the visitor's language."""

import re

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "japan", "first"), [("en", "Japan", "Afghanistan"), ("ja", "日本", "アイスランド")]
)
def test_the_enrolment_form_lists_countries_by_name(client, invite_path, language, japan, first):
    client.cookies["django_language"] = language
    html = client.get(invite_path).content.decode()
    select = re.search(r'<select name="country".*?</select>', html, re.S).group(0)
    names = re.findall(r'<option value="[A-Z]{2}"[^>]*>([^<]*)</option>', select)
    assert f'<option value="JP">{japan}</option>' in select
    assert names[0] == first
