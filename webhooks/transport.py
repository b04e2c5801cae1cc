"""Sending one delivery: the address checked before connecting, 5 s timeout, no redirects."""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

TIMEOUT_SECONDS = 5
EXCERPT_CHARS = 500
# Cloud metadata services answer on these even where they are not link-local.
METADATA_ADDRESSES = {
    ipaddress.ip_address("169.254.169.254"),
    ipaddress.ip_address("fd00:ec2::254"),
}


class RefusedAddress(Exception):
    """The endpoint resolves to an address the portal does not connect to."""


@dataclass
class Response:
    status_code: int | None
    duration_ms: int
    excerpt: str


def address_allowed(address: str) -> bool:
    """Whether a resolved address is a public one (or private ones are allowed for development)."""
    ip = ipaddress.ip_address(address)
    if ip in METADATA_ADDRESSES:
        return False
    if settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES:
        return True
    return not (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def resolve_checked(host: str, port: int) -> str:
    """The first address of ``host``, refused if any address it resolves to is not allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise RefusedAddress(f"cannot resolve {host}") from exc
    addresses = [info[4][0] for info in infos]
    for address in addresses:
        if not address_allowed(address):
            raise RefusedAddress(f"{host} resolves to {address}, which is not allowed")
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, address, **kwargs):
        super().__init__(host, port, **kwargs)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, address, **kwargs):
        super().__init__(host, port, context=ssl.create_default_context(), **kwargs)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        # The certificate is checked against the name, the connection made to the checked address.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(*, url: str, body: str, headers: dict[str, str]) -> Response:
    """POST ``body`` to ``url`` once; a redirect is an answer like any other (not followed)."""
    parts = urlsplit(url)
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    address = resolve_checked(parts.hostname or "", port)
    cls = _PinnedHTTPSConnection if https else _PinnedHTTPConnection
    connection = cls(parts.hostname, port, address, timeout=TIMEOUT_SECONDS)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    started = time.monotonic()
    try:
        connection.request("POST", path, body=body.encode(), headers=headers)
        answer = connection.getresponse()
        excerpt = answer.read(EXCERPT_CHARS).decode("utf-8", "replace")
        status = answer.status
    finally:
        connection.close()
    return Response(
        status_code=status,
        duration_ms=int((time.monotonic() - started) * 1000),
        excerpt=excerpt,
    )
