"""Secrets the portal must read back later, encrypted at rest with a key derived from SECRET_KEY.

Fernet (AES-128-CBC with HMAC-SHA256, from ``cryptography``): the stored token
is unreadable and tamper-evident without the key, and carries its creation
time, so an old token is refused. Each purpose derives its own key; the keys
of SECRET_KEY_FALLBACKS still open what was sealed before a key rotation.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.utils.crypto import salted_hmac


def _fernet(purpose: str) -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet(
        [
            Fernet(
                base64.urlsafe_b64encode(
                    salted_hmac(
                        f"portal.sealing.{purpose}", "key", secret=key, algorithm="sha256"
                    ).digest()
                )
            )
            for key in keys
        ]
    )


def seal(text: str, *, purpose: str) -> str:
    """``text`` encrypted for ``purpose``."""
    return _fernet(purpose).encrypt(text.encode()).decode()


def unseal(token: str, *, purpose: str, max_age_seconds: int) -> str | None:
    """The text sealed for ``purpose``, or None when it is older than ``max_age_seconds``,
    altered, or sealed with another key."""
    try:
        return _fernet(purpose).decrypt(token.encode(), ttl=max_age_seconds).decode()
    except InvalidToken:
        return None
