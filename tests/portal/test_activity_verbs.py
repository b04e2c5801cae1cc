"""Activity verbs are one registry (portal.audit.Verb): every verb written is in it, and every
verb reads in the user's language in the Activity log and its filter."""

import ast
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from portal import audit
from portal.audit import Verb
from portal.models import ActivityEvent
from tests import factories as f

ROOT = Path(settings.BASE_DIR)
URL = reverse("activity_log")


def _source_files():
    """Every Python file of the project's apps (a folder with an apps.py), tests excluded."""
    for apps_py in ROOT.glob("*/apps.py"):
        yield from apps_py.parent.rglob("*.py")


def _verbs_written_in(path: Path):
    """(line, verb) of each string a call passes as ``verb=``, and each ``Verb.NAME`` named."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.keyword)
            and node.arg == "verb"
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            yield node.value.lineno, node.value.value
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "Verb"
            and node.attr.isupper()
        ):
            yield node.lineno, node.attr


def test_every_verb_the_code_writes_is_in_the_registry():
    names, values = set(Verb.names), set(Verb.values)
    unknown = [
        f"{path.relative_to(ROOT)}:{line}: {verb}"
        for path in _source_files()
        for line, verb in _verbs_written_in(path)
        if verb not in names and verb not in values
    ]
    assert unknown == []


def test_the_scan_sees_the_services():
    found = {verb for line, verb in _verbs_written_in(ROOT / "partners" / "services.py")}
    assert "PARTNERSHIP_REMOVED" in found


@pytest.mark.django_db
def test_a_verb_outside_the_registry_is_refused(provider):
    with pytest.raises(ValueError, match="not an activity verb"):
        audit.record(org=provider, actor=None, verb="partnership.renamed", obj=provider)
    assert not ActivityEvent.objects.exists()


def test_every_verb_has_a_japanese_label():
    untranslated = []
    for verb in Verb:
        with translation.override("en"):
            english = str(verb.label)
        with translation.override("ja"):
            japanese = str(verb.label)
        if japanese == english or japanese.isascii():
            untranslated.append(verb.value)
    assert untranslated == []


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_activity_log_labels_every_verb_in_the_language(language, provider_client, provider):
    for verb in Verb:
        f.ActivityEventFactory(organisation=provider, verb=verb.value, object_repr=verb.value)
    response = provider_client.get(URL, headers={"accept-language": language})
    assert response.status_code == 200
    # More verbs than a page holds: read every page of the log.
    pages = [response] + [
        provider_client.get(URL, {"page": n}, headers={"accept-language": language})
        for n in range(2, response.context["page"].paginator.num_pages + 1)
    ]
    html = unescape(response.content.decode())
    filter_bar = html.split('id="activity-table"')[0]
    rows = "".join(
        unescape(page.content.decode()).split('id="activity-table"')[1] for page in pages
    )
    with translation.override(language):
        labels = {verb: str(verb.label) for verb in Verb}
    for verb, label in labels.items():
        # In the filter's options and in the event's row.
        assert f">{label}<" in filter_bar, (verb.value, label)
        assert f">{label}<" in rows, (verb.value, label)
    if language == "ja":
        with translation.override("en"):
            english = {str(verb.label) for verb in Verb}
        assert [
            label for label in english - set(labels.values()) if f">{label}<" in filter_bar + rows
        ] == []


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_filter_finds_each_verb(language, provider_client, provider):
    for verb in Verb:
        f.ActivityEventFactory(
            organisation=provider, verb=verb.value, object_repr=f"x-{verb.value}"
        )
    for verb in Verb:
        html = provider_client.get(
            URL, {"verb": verb.value}, headers={"accept-language": language}
        ).content.decode()
        shown = {v.value for v in Verb if f"x-{v.value}<" in html}
        assert shown == {verb.value}
