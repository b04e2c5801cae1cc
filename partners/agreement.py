"""The partner agreement's versions: each a fixed text in English and Japanese.

A new version is a new entry and a new pair of templates; a published text is
never edited, so the version a reseller was shown stays readable at its URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import get_language


@dataclass(frozen=True)
class AgreementVersion:
    version: str
    effective: date

    def template(self, language: str | None = None) -> str:
        """The template of its text in ``language`` (the active one by default; English
        for any language but Japanese)."""
        language = (language or get_language() or "en").split("-")[0]
        return f"partners/agreement/{self.version}.{'ja' if language == 'ja' else 'en'}.html"


VERSIONS = {v.version: v for v in [AgreementVersion("2026-11", date(2026, 11, 1))]}
CURRENT = VERSIONS["2026-11"]


def version(name: str) -> AgreementVersion | None:
    """The published version ``name``, or None."""
    return VERSIONS.get(name)
