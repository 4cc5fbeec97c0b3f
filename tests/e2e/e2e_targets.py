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
import random
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from presscenter.gateway.testing.accounts import ADMIN
from presscenter.shared.testing.embedded_mongo import free_port
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


@dataclass
class LocalSuite:
    """The launcher's process and what it printed (shown when something goes wrong)."""

    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    up: threading.Event = field(default_factory=threading.Event)

    def output(self, last: int = 120) -> str:
        return "".join(self.lines[-last:])

    def read(self) -> None:
        assert self.process.stdout
        for line in self.process.stdout:
            self.lines.append(line)
            if "Capital Press Center is up" in line:
                self.up.set()


def _free_block(size: int) -> int:
    """A base port such that base+1 .. base+size are free now."""
    for _ in range(100):
        base = random.randint(20_000, 40_000)
        try:
            for port in range(base + 1, base + size + 1):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
    raise RuntimeError("no block of four free loopback ports")


def _descendants(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    children = [int(p) for p in out.stdout.split()]
    return children + [d for child in children for d in _descendants(child)]


def _stop(process: subprocess.Popen[str]) -> None:
    """SIGTERM the launcher (it stops its children in order), then kill whatever is left."""
    leftovers = _descendants(process.pid)
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
    for pid in leftovers:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@contextmanager
def local_target(workdir: Path) -> Iterator[Target]:
    """scripts/run_suite.py on free ports and a fresh vhost; yields once every service is ready."""
    with fresh_vhost("e2e") as vhost, PortalReceiver() as portal:
        base, gateway_port = _free_block(4), free_port()
        gateway = f"http://127.0.0.1:{gateway_port}"
        env = {
            **os.environ,
            "AMQP_URI": amqp_url(vhost),
            "RUN_DIR": str(workdir / "run"),
            "EMBEDDED_MONGO_PORT": str(free_port()),
            "SERVICE_PORT_BASE": str(base),
            "GATEWAY_PORT": str(gateway_port),
            "GATEWAY_ADMIN_USERNAME": ADMIN[0],
            "GATEWAY_ADMIN_PASSWORD": ADMIN[1],
            "PASSWORD_HASH_TIME_COST": "1",  # fast argon2 for the cast's logins
            "PASSWORD_HASH_MEMORY_KIB": "1024",
            "PASSWORD_HASH_PARALLELISM": "1",
            "RATE_LIMIT_IP_PER_SECOND": "0",  # every client of the test comes from 127.0.0.1
            "RATE_LIMIT_TOKEN_PER_SECOND": "0",
            "PUBLIC_BASE_URL": gateway,
            "MEDIA_PUBLIC_URL": f"{gateway}/v1/media/blobs",  # as make run: blobs through the gateway
            "MEDIA_HTTP_URL": f"http://127.0.0.1:{base + 4}",
            "PORTAL_ENDPOINT": portal.url,
            "PORTAL_SECRETS": portal.secret,
            "LOG_LEVEL": "WARNING",
            "PYTHONWARNINGS": "ignore::DeprecationWarning",
        }
        env.pop("MONGO_URI", None)
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts" / "run_suite.py")],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        suite = LocalSuite(process)
        threading.Thread(target=suite.read, daemon=True).start()
        try:
            deadline = time.monotonic() + LOCAL_STARTUP_TIMEOUT
            while not suite.up.wait(0.5):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the local suite did not come up:\n{suite.output()}")
            # The local broker has one user: the departments' SDK publishes as it, on the suite's vhost.
            yield Target("local", gateway, env["AMQP_URI"], ADMIN, portal=portal)
        finally:
            _stop(process)


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
