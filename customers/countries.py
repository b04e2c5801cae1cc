"""Countries: ISO 3166-1 alpha-2 codes stored, names shown in the viewer's language.

The names and their translations are django-countries'. Its own order compares
names as ASCII, which leaves Japanese names (katakana and kanji) in no order at
all; a Japanese list is sorted as a Japanese reader looks one up, by reading in
gojūon order (アイスランド, アイルランド, … 日本 under に, 中国 under ち), with the
few names written in kanji given their readings here.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from django import forms
from django.utils.translation import get_language, gettext, gettext_lazy
from django_countries import countries

# Readings (hiragana) of the kanji in django-countries' Japanese names; longest first
# when applied, so 北朝鮮 is read before 北 and 南方地域 before 南.
KANJI_READINGS = {
    "合衆国領有小離島": "がっしゅうこくりょうゆうしょうりとう",
    "民主共和国": "みんしゅきょうわこく",
    "南方地域": "なんぽうちいき",
    "北朝鮮": "きたちょうせん",
    "共和国": "きょうわこく",
    "合衆国": "がっしゅうこく",
    "自治州": "じちしゅう",
    "米領": "べいりょう",
    "英領": "えいりょう",
    "仏領": "ふつりょう",
    "南極": "なんきょく",
    "中央": "ちゅうおう",
    "中国": "ちゅうごく",
    "赤道": "せきどう",
    "香港": "ほんこん",
    "日本": "にほん",
    "韓国": "かんこく",
    "台湾": "たいわん",
    "諸島": "しょとう",
    "連邦": "れんぽう",
    "市国": "しこく",
    "地域": "ちいき",
    "洋": "よう",
    "領": "りょう",
    "国": "こく",
    "島": "とう",
    "北": "きた",
    "南": "みなみ",
    "東": "ひがし",
    "西": "にし",
}
_READINGS = sorted(KANJI_READINGS.items(), key=lambda item: -len(item[0]))
_SMALL_KANA = str.maketrans("ぁぃぅぇぉっゃゅょゎゕゖ", "あいうえおつやゆよわかけ")
_IGNORED = set("ー・･-‐ ()（）、,.")
_MARKS = {"\u3099", "\u309a"}  # the voiced and semi-voiced sound marks, once decomposed


def japanese_sort_key(name: str) -> tuple[str, str]:
    """A key that orders Japanese names by reading, in gojūon order.

    Kanji words become their readings, katakana hiragana; first compared without
    voicing marks, small kana as full ones, long-vowel marks and punctuation
    ignored (カナダ near ガーナ), then as read, so the order is whole and stable.
    """
    text = unicodedata.normalize("NFKC", name)
    for word, reading in _READINGS:
        text = text.replace(word, reading)
    text = "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)
    plain = "".join(
        c
        for c in unicodedata.normalize("NFD", text).translate(_SMALL_KANA)
        if c not in _MARKS and c not in _IGNORED
    )
    return plain, text


@lru_cache(maxsize=8)
def _choices(language: str | None) -> tuple[tuple[str, str], ...]:
    pairs = [(code, str(name)) for code, name in countries]
    if language and language.split("-")[0] == "ja":
        pairs.sort(key=lambda pair: japanese_sort_key(pair[1]))
    return tuple(pairs)


def country_choices() -> list[tuple[str, str]]:
    """Every country as (code, name), sorted by its name in the active language."""
    return list(_choices(get_language()))


def country_codes() -> frozenset[str]:
    """Every ISO 3166-1 alpha-2 code a country can be stored as."""
    return frozenset(code for code, _name in countries)


def country_name(code: str) -> str:
    """The name of a country code in the active language (the code itself when unknown)."""
    return str(countries.name(code)) or code


def country_choices_with_blank() -> list[tuple[str, str]]:
    """``country_choices()`` after an empty first option that asks for a choice."""
    return [("", gettext("Select a country")), *country_choices()]


class CountryChoiceField(forms.ChoiceField):
    """A country chosen by its name in the viewer's language and kept as its ISO code
    (a code sent in lower case, as an older form or a script sends it, is accepted)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", gettext_lazy("Country"))
        kwargs.setdefault("choices", country_choices_with_blank)
        kwargs.setdefault(
            "error_messages", {"invalid_choice": gettext_lazy("Select a country from the list.")}
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        return super().to_python(value).strip().upper()
