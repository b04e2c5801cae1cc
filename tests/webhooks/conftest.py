"""A real HTTP receiver on loopback that checks each delivery with the standardwebhooks library."""

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks import Webhook


@dataclass
class Receiver:
    url: str = ""
    secret: str = ""
    # Answer with these statuses first, then 200.
    failures: list[int] = field(default_factory=list)
    received: list[dict] = field(default_factory=list)
    bad_signatures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def receiver(settings):
    settings.WEBHOOKS_ALLOW_HTTP = True
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            headers = {k.lower(): v for k, v in self.headers.items()}
            with state.lock:
                try:
                    payload = Webhook(state.secret).verify(body, headers)
                except Exception:
                    state.bad_signatures += 1
                    payload = None
                state.received.append(
                    {"id": headers.get("webhook-id"), "payload": payload, "raw": json.loads(body)}
                )
                status = state.failures.pop(0) if state.failures else 200
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    yield state
    server.shutdown()
    server.server_close()
