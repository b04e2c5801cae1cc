"""Standard Webhooks signatures: ``v1,`` base64 HMAC-SHA256 over ``id.timestamp.body``."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    """A signing secret as receivers' libraries take it: ``whsec_`` and 32 random bytes, base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def sign(*, secret: str, message_id: str, timestamp: int, body: str) -> str:
    """One ``v1,<signature>`` entry of the webhook-signature header."""
    signed = f"{message_id}.{timestamp}.{body}".encode()
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_header(*, secrets_: list[str], message_id: str, timestamp: int, body: str) -> str:
    """The header value: one signature per live secret (two during a rotation's overlap)."""
    return " ".join(
        sign(secret=s, message_id=message_id, timestamp=timestamp, body=body) for s in secrets_
    )
