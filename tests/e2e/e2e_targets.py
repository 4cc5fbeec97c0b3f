"""Where the end-to-end flows run: a `Target` is a gateway base URL, the AMQP URL a department's
system uses with the event SDK, and the credentials of an admin who can make accounts.

- `compose`: the compose stack (deploy/compose.yaml: real RabbitMQ, MongoDB and MinIO) brought up by
  the `stack` fixture through pytest-docker; the admin is made inside the gateway's container with
  `presscenter-gateway-admin create-user`.
- `local`: `make run`'s launcher (scripts/run_suite.py) as a subprocess on free ports and a fresh
  vhost of the local RabbitMQ, with the embedded datastore and media's local store.

The flows talk to a target over HTTP and the SDK only, so the same test runs on either.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from presscenter.gateway.testing.accounts import ADMIN
from presscenter.shared.testing.suite_process import suite_process
from presscenter.shared.testing.vhosts import amqp_url, fresh_vhost

ROOT = Path(__file__).resolve().parents[2]
TARGETS = ("compose", "local")
LOCAL_STARTUP_TIMEOUT = 120.0


def chosen_target() -> str:
    """`E2E_TARGET` (compose by default); anything else is a usage error, said plainly."""
    name = os.environ.get("E2E_TARGET", "compose").strip() or "compose"
    if name not in TARGETS:
        raise ValueError(f"E2E_TARGET={name!r}: use one of {', '.join(TARGETS)}")
    return name


PORTAL_SECRET = "e2e-portal-hmac-secret"


@dataclass(frozen=True)
class PortalPush:
    headers: dict[str, str]
    body: bytes


class PortalReceiver:
    """The national portal's push endpoint, as a loopback HTTP server recording every push (200s)."""

    def __init__(self) -> None:
        self.pushes: list[PortalPush] = []
        pushes = self.pushes

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                pushes.append(PortalPush({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/portal/releases"
        self.secret = PORTAL_SECRET
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> PortalReceiver:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass(frozen=True)
class Target:
    name: str
    gateway_url: str
    departments_amqp_uri: str
    admin: tuple[str, str]
    # Where releases pushes to the national portal, when the test can see it (the local suite).
    portal: PortalReceiver | None = None


@contextmanager
def local_target(workdir: Path) -> Iterator[Target]:
    """scripts/run_suite.py on free ports and a fresh vhost; yields once every service is ready."""
    environment = {
        "GATEWAY_ADMIN_USERNAME": ADMIN[0],
        "GATEWAY_ADMIN_PASSWORD": ADMIN[1],
        "PUBLIC_BASE_URL": "{gateway_url}",
        "LOG_LEVEL": "WARNING",
        "PYTHONWARNINGS": "ignore::DeprecationWarning",
    }
    with fresh_vhost("e2e") as vhost, PortalReceiver() as portal:
        environment |= {"PORTAL_ENDPOINT": portal.url, "PORTAL_SECRETS": portal.secret}
        run_dir = workdir / "run"
        with suite_process(ROOT, amqp_url(vhost), run_dir, environment, timeout=LOCAL_STARTUP_TIMEOUT) as suite:
            # The local broker has one user: the departments' SDK publishes as it, on the suite's vhost.
            yield Target("local", suite.gateway_url, suite.amqp_uri, ADMIN, portal=portal)


def compose_admin(compose_command: str, compose_file: str, project: str) -> tuple[str, str]:
    """A fresh admin account made inside the running gateway container (the compose stack has no
    bootstrap admin): `presscenter-gateway-admin create-user --password-stdin`."""
    username, password = f"e2e.admin.{uuid.uuid4().hex[:8]}", f"e2e admin {uuid.uuid4().hex}"
    command = [*shlex.split(compose_command), "-f", compose_file, "-p", project, "exec", "-T", "gateway"]
    made = subprocess.run(
        [
            *command,
            "presscenter-gateway-admin",
            "create-user",
            "--role",
            "admin",
            "--password-stdin",
            "--username",
            username,
        ],
        input=f"{password}\n",
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    if made.returncode != 0:
        raise RuntimeError(f"could not create the e2e admin in the gateway container: {made.stderr or made.stdout}")
    return username, password
