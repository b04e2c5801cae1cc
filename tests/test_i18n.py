"""The Japanese edition is complete: every catalogue translated, none fuzzy, the compiled
catalogues up to date, one translation per message across catalogues, and Japanese dates."""

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines
from django.utils import translation

ROOT = Path(settings.BASE_DIR)
CATALOGUES = sorted(
    path
    for path in ROOT.glob("**/locale/ja/LC_MESSAGES/django.po")
    if ".venv" not in path.parts and "site-packages" not in path.parts
)


def _unquote(line: str) -> str:
    """The text of one quoted .po string line, escapes resolved."""
    text = line.strip()
    assert text.startswith('"') and text.endswith('"'), f"not a quoted string: {line!r}"
    return (
        text[1:-1]
        .replace("\\n", "\n")
        .replace("\\t", "\t")
        .replace('\\"', '"')
        .replace("\\\\", "\\")
    )


def parse_po(path: Path) -> list[dict]:
    """The entries of a .po file: msgid, msgid_plural, msgstr (list), flags, obsolete.

    A small reader for what makemessages and msgfmt use: comments, flags, msgctxt,
    msgid, msgid_plural, msgstr and msgstr[n], each possibly continued on following lines.
    """
    entries, entry, key = [], None, None

    def finish():
        if entry is not None and "msgid" in entry:
            entries.append(entry)

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if not line:
            finish()
            entry, key = None, None
            continue
        if line.startswith("#"):
            if entry is not None and "msgid" in entry:
                finish()
                entry, key = None, None
            entry = entry or {"flags": set(), "msgstr": {}, "obsolete": False}
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            continue
        if entry is None:
            entry = {"flags": set(), "msgstr": {}, "obsolete": False}
        entry["obsolete"] = entry["obsolete"] or obsolete
        if line.startswith('"'):
            if isinstance(key, tuple):
                entry["msgstr"][key[1]] += _unquote(line)
            else:
                entry[key] += _unquote(line)
            continue
        keyword, _, rest = line.partition(" ")
        if keyword.startswith("msgstr["):
            key = ("msgstr", int(keyword[7:-1]))
            entry["msgstr"][key[1]] = _unquote(rest)
        elif keyword == "msgstr":
            key = ("msgstr", 0)
            entry["msgstr"][0] = _unquote(rest)
        elif keyword in ("msgid", "msgid_plural", "msgctxt"):
            if keyword == "msgid" and "msgid" in entry:
                finish()
                entry = {"flags": set(), "msgstr": {}, "obsolete": obsolete}
            key = keyword
            entry[keyword] = _unquote(rest)
        else:
            raise AssertionError(f"{path}: cannot read line {raw!r}")
    finish()
    return [e for e in entries if not e["obsolete"]]


def _messages(path):
    return [e for e in parse_po(path) if e["msgid"]]


def _name(path):
    return str(path.relative_to(ROOT))


def test_every_app_with_templates_has_a_japanese_catalogue():
    names = {_name(path) for path in CATALOGUES}
    assert "locale/ja/LC_MESSAGES/django.po" in names
    for app in ("partners", "customers", "subscriptions"):
        assert f"{app}/locale/ja/LC_MESSAGES/django.po" in names


@pytest.mark.parametrize("path", CATALOGUES, ids=_name)
def test_every_message_is_translated_and_none_is_fuzzy(path):
    untranslated = [e["msgid"] for e in _messages(path) if not all(e["msgstr"].values())]
    fuzzy = [e["msgid"] for e in _messages(path) if "fuzzy" in e["flags"]]
    header = next(e for e in parse_po(path) if e["msgid"] == "")
    assert "charset=UTF-8" in header["msgstr"][0]
    assert "fuzzy" not in header["flags"]
    assert untranslated == [], f"{_name(path)}: untranslated {untranslated}"
    assert fuzzy == [], f"{_name(path)}: fuzzy {fuzzy}"


def test_a_message_has_one_translation_across_catalogues():
    """Django keeps the first catalogue's translation; a second one would never show."""
    seen, conflicts = {}, []
    for path in CATALOGUES:
        for entry in _messages(path):
            key = (entry.get("msgctxt"), entry["msgid"])
            if key in seen and seen[key][1] != entry["msgstr"]:
                conflicts.append(
                    f"{entry['msgid']!r}: {seen[key][1][0]!r} in {seen[key][0]}, "
                    f"{entry['msgstr'][0]!r} in {_name(path)}"
                )
            seen.setdefault(key, (_name(path), entry["msgstr"]))
    assert conflicts == [], "\n".join(conflicts)


@pytest.mark.parametrize("path", CATALOGUES, ids=_name)
def test_the_compiled_catalogue_matches_its_source(path, tmp_path):
    msgfmt = shutil.which("msgfmt")
    if not msgfmt:
        if os.environ.get("CI"):
            pytest.fail("CI must check the compiled catalogues: msgfmt is missing")
        pytest.skip("msgfmt (gettext) is not installed")
    compiled = tmp_path / "django.mo"
    subprocess.run([msgfmt, "--check-format", "-o", str(compiled), str(path)], check=True)
    assert path.with_suffix(".mo").read_bytes() == compiled.read_bytes(), (
        f"{_name(path.with_suffix('.mo'))} is out of date: run make messages"
    )


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", "7\u00a0Mar\u00a02026"), ("ja", "2026/03/07")],
)
def test_dates_follow_the_language(lang, expected):
    template = engines["django"].from_string('{{ day|date:"DATE_FORMAT" }}')
    with translation.override(lang):
        assert template.render({"day": dt.date(2026, 3, 7)}) == expected


@pytest.mark.parametrize(
    ("lang", "expected"), [("en", "7\u00a0Mar\u00a02026"), ("ja", "2026/03/07")]
)
def test_short_dates_follow_the_language(lang, expected):
    template = engines["django"].from_string('{{ day|date:"SHORT_DATE_FORMAT" }}')
    with translation.override(lang):
        assert template.render({"day": dt.date(2026, 3, 7)}) == expected


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", "7\u00a0Mar\u00a02026,\u00a014:05"), ("ja", "2026/03/07\u00a014:05")],
)
@pytest.mark.parametrize("name", ["DATETIME_FORMAT", "SHORT_DATETIME_FORMAT"])
def test_a_date_and_time_has_one_format_that_does_not_wrap(lang, expected, name):
    """No "p.m." (a sentence ended "p.m.."), no space a line may break at."""
    template = engines["django"].from_string("{{ when|date:name }}")
    with translation.override(lang):
        assert template.render({"when": dt.datetime(2026, 3, 7, 14, 5), "name": name}) == expected


def test_numbers_are_grouped_per_language():
    template = engines["django"].from_string("{% load humanize %}{{ n|intcomma }}")
    with translation.override("ja"):
        assert template.render({"n": 1234567}) == "1,234,567"
