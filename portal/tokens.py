"""One-time link tokens (partnership invites, staff invitations): only their hash is stored."""

import hashlib


def hash_token(token: str) -> str:
    """The stored form of a one-time link token (SHA-256, hex)."""
    return hashlib.sha256(token.encode()).hexdigest()
