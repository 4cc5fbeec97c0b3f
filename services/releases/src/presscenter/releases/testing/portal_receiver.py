"""A stand-in for the national portal: a real HTTP server that verifies signatures as the portal would.

`PortalReceiver` is an `http.server` on 127.0.0.1 that checks every POST with
`presscenter.shared.signing.verify`, answers 401 to a bad signature, 409 (echoing the key) to an
Idempotency-Key it already stored, and otherwise plays a script of replies (status, headers,
delay) before answering 200.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from presscenter.releases.portal.client import IDEMPOTENCY_HEADER
from presscenter.shared.signing import NonceCache, SignatureError, verify

SECRET = "portal-shared-secret"


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    body: bytes = b""


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes
    status: int
    signature_error: str | None


class PortalReceiver:
    """A local portal: verifies signatures, stores delivered documents by Idempotency-Key, plays `script`."""

    def __init__(self, secrets: Sequence[str] = (SECRET,), script: Sequence[Reply] = ()):
        self.secrets = list(secrets)
        self.script = list(script)
        self.posts: list[Received] = []
        self.stored: dict[str, Any] = {}
        self.nonces = NonceCache()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02})

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/ninjs"

    def start(self) -> PortalReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> PortalReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def statuses(self) -> list[int]:
        return [p.status for p in self.posts]

    def _answer(self, headers: dict[str, str], body: bytes) -> tuple[Reply, str | None]:
        try:
            verify(body, headers, self.secrets, now=time.time(), seen_nonce=self.nonces)
        except SignatureError as exc:
            return Reply(401, body=json.dumps({"error": str(exc)}).encode()), f"{type(exc).__name__}: {exc}"
        key = headers.get(IDEMPOTENCY_HEADER.lower(), "")
        with self._lock:
            if key in self.stored:
                return Reply(409, {IDEMPOTENCY_HEADER: key}, body=b'{"error":"duplicate"}'), None
            reply = self.script.pop(0) if self.script else Reply(200)
            if 200 <= reply.status < 300:
                self.stored[key] = json.loads(body)
        return reply, None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {name.lower(): value for name, value in self.headers.items()}
                reply, error = receiver._answer(headers, body)
                with receiver._lock:
                    receiver.posts.append(Received(headers, body, reply.status, error))
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except OSError:
                    pass  # the client gave up (timeout test)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
