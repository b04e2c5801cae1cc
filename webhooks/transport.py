"""Sending deliveries: the address checked before connecting, 5 s timeout, no redirects.

A batch of deliveries to one endpoint goes through one ``EndpointSession``: the name is
resolved and checked once, every connection of the batch is made to that checked address
(a name that starts resolving elsewhere mid-batch changes nothing), and one keep-alive
connection carries the batch's requests.
"""

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


def _open_socket(address: str, port: int, timeout: float) -> socket.socket:
    sock = socket.create_connection((address, port), timeout)
    # http.client writes a request's headers and body apart: without this the body waits
    # for the receiver's delayed ACK of the headers (Nagle), about 40 ms a request.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, address, **kwargs):
        super().__init__(host, port, **kwargs)
        self._address = address

    def connect(self):
        self.sock = _open_socket(self._address, self.port, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, address, **kwargs):
        super().__init__(host, port, context=ssl.create_default_context(), **kwargs)
        self._address = address

    def connect(self):
        sock = _open_socket(self._address, self.port, self.timeout)
        # The certificate is checked against the name, the connection made to the checked address.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


# Read at most this much of an answer to keep its connection for the next request;
# a longer body closes the connection instead.
DRAIN_LIMIT = 64 * 1024
# A reused connection that the receiver had closed fails before any answer: sent again
# once on a fresh connection (receivers dedupe on webhook-id, so a copy is harmless).
_STALE_CONNECTION_ERRORS = (
    http.client.RemoteDisconnected,
    BrokenPipeError,
    ConnectionResetError,
    http.client.CannotSendRequest,
)


class EndpointSession:
    """Requests to one endpoint URL over one pinned keep-alive connection.

    Building it resolves the host and checks every address it resolves to (raises
    ``RefusedAddress``); no connection is made before that check.
    """

    def __init__(self, url: str):
        parts = urlsplit(url)
        self.https = parts.scheme == "https"
        self.host = parts.hostname or ""
        self.port = parts.port or (443 if self.https else 80)
        self.path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.address = resolve_checked(self.host, self.port)
        self._connection = None
        self.connections_opened = 0

    def _connect(self):
        cls = _PinnedHTTPSConnection if self.https else _PinnedHTTPConnection
        self._connection = cls(self.host, self.port, self.address, timeout=TIMEOUT_SECONDS)
        self.connections_opened += 1
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _exchange(self, connection, body: bytes, headers: dict[str, str]):
        connection.request("POST", self.path, body=body, headers=headers)
        answer = connection.getresponse()
        excerpt = answer.read(EXCERPT_CHARS).decode("utf-8", "replace")
        # The rest of the body is read (up to a bound) so the connection can carry the next
        # request; a receiver that closes it, or a long body, ends the connection instead.
        if not answer.will_close:
            answer.read(DRAIN_LIMIT)
        if answer.will_close or not answer.isclosed():
            self.close()
        return answer.status, excerpt

    def post(self, *, body: str, headers: dict[str, str]) -> Response:
        """POST ``body`` once; a redirect is an answer like any other (not followed).

        Raises ``OSError`` (or ``http.client.HTTPException``) when no answer came; the
        connection is then dropped and the next request opens a fresh one.
        """
        data = body.encode()
        started = time.monotonic()
        reused = self._connection is not None
        connection = self._connection or self._connect()
        try:
            try:
                status, excerpt = self._exchange(connection, data, headers)
            except _STALE_CONNECTION_ERRORS:
                if not reused:
                    raise
                self.close()
                status, excerpt = self._exchange(self._connect(), data, headers)
        except BaseException:
            self.close()
            raise
        return Response(
            status_code=status,
            duration_ms=int((time.monotonic() - started) * 1000),
            excerpt=excerpt,
        )


def post(*, url: str, body: str, headers: dict[str, str]) -> Response:
    """POST ``body`` to ``url`` once, on a connection of its own."""
    with EndpointSession(url) as session:
        return session.post(body=body, headers=headers)
