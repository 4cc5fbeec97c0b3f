"""End-to-end tests: the product brief's four flows (`test_flow_*.py`, over HTTP and the SDK only)
and smoke checks of the compose stack (`test_stack.py`).

The flows run on a `Target` (`e2e_targets`) chosen by `E2E_TARGET`:
- `compose` (default): deploy/compose.yaml with pytest-docker: the five service images, real
  RabbitMQ (quorum queues), real MongoDB (a user per service) and real MinIO. `stack` first checks
  that a Docker engine and Compose v2 answer and skips with the reason when they do not
  (pytest-docker's bare `docker_services` errors instead). The stack is built and started once per
  session on free loopback ports, and removed with its volumes afterwards (PRESSCENTER_E2E_KEEP=1
  keeps it running).
- `local`: scripts/run_suite.py as a subprocess on free ports and a fresh vhost (embedded
  datastore, media's local store); the compose-only smoke checks skip.
Run: `make e2e` (compose) or `make test-e2e-local`; by hand
`E2E_TARGET=local .venv/bin/pytest tests/e2e -q -rs --no-eventlet -p no:nameko`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from presscenter.gateway.testing.accounts import SignedIn
from presscenter.shared.testing.embedded_mongo import free_port

sys.path.insert(0, str(Path(__file__).resolve().parent))

from e2e_press import Press, ThrottleAwareClient, press_cast
from e2e_targets import Target, chosen_target, compose_admin, local_target

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
DEV_ENV = DEPLOY / "dev.env"
NAMEKO_SERVICES = {"releases": 8101, "feedback": 8102, "monitoring": 8103, "media": 8104}
PORT_VARIABLES = (
    "PC_AMQP_PORT", "PC_RABBITMQ_UI_PORT", "PC_MONGO_PORT", "PC_MINIO_PORT", "PC_MINIO_CONSOLE_PORT",
    "PC_RELEASES_PORT", "PC_FEEDBACK_PORT", "PC_MONITORING_PORT", "PC_MEDIA_PORT", "PC_GATEWAY_PORT",
)  # fmt: skip
STARTUP_TIMEOUT = float(os.environ.get("PRESSCENTER_E2E_STARTUP_TIMEOUT", "600"))


def docker_unavailable_reason() -> str | None:
    """Why the compose stack cannot run here, or None when it can."""
    if shutil.which("docker") is None:
        return "no docker client on PATH"
    try:
        info = subprocess.run(["docker", "info", "--format", "{{.ServerVersion}}"], capture_output=True, timeout=20)
    except subprocess.TimeoutExpired:
        return "the Docker engine did not answer `docker info` within 20 s"
    if info.returncode != 0:
        detail = (info.stderr.decode(errors="replace").strip().splitlines() or ["docker info failed"])[-1]
        return f"no Docker engine reachable ({detail})"
    compose = subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=20)
    if compose.returncode != 0:
        return "the Docker Compose v2 plugin (`docker compose`) is not installed"
    return None


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def get_json(url: str, auth: tuple[str, str] | None = None, timeout: float = 10) -> tuple[int, Any]:
    """GET `url`; (status, decoded JSON body or None). Connection errors give status 0."""
    request = urllib.request.Request(url)
    if auth:
        import base64

        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        request.add_header("authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        body = error.read()
        try:
            return error.code, json.loads(body or b"null")
        except ValueError:
            return error.code, None
    except (OSError, ValueError):
        return 0, None


@dataclass(frozen=True)
class Stack:
    """Addresses and development credentials of the running compose stack (all on 127.0.0.1)."""

    credentials: dict[str, str]
    ports: dict[str, int]

    def health_url(self, service: str) -> str:
        if service == "gateway":
            return f"http://127.0.0.1:{self.ports['PC_GATEWAY_PORT']}/readyz"
        return f"http://127.0.0.1:{self.ports[f'PC_{service.upper()}_PORT']}/health/ready"

    def amqp_uri(self, user: str) -> str:
        if user == "admin":
            user, password = self.credentials["RABBITMQ_ADMIN_USER"], self.credentials["RABBITMQ_ADMIN_PASSWORD"]
        else:
            password = self.credentials[f"{user.upper()}_AMQP_PASSWORD"]
        return f"pyamqp://{user}:{password}@127.0.0.1:{self.ports['PC_AMQP_PORT']}/presscenter"

    def mongo_uri(self, service: str) -> str:
        password = self.credentials[f"{service.upper()}_DB_PASSWORD"]
        database = f"presscenter_{service}"
        return (
            f"mongodb://{service}:{password}@127.0.0.1:{self.ports['PC_MONGO_PORT']}/{database}"
            f"?authSource={database}&serverSelectionTimeoutMS=5000"
        )

    @property
    def management_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['PC_RABBITMQ_UI_PORT']}"

    @property
    def admin(self) -> tuple[str, str]:
        return self.credentials["RABBITMQ_ADMIN_USER"], self.credentials["RABBITMQ_ADMIN_PASSWORD"]

    def all_ready(self) -> bool:
        return all(get_json(self.health_url(s), timeout=5)[0] == 200 for s in (*NAMEKO_SERVICES, "gateway"))

    @staticmethod
    def get_json(url: str, auth: tuple[str, str] | None = None, timeout: float = 10) -> tuple[int, Any]:
        return get_json(url, auth, timeout)


# -- pytest-docker configuration --------------------------------------------------------------


@pytest.fixture(scope="session")
def docker_compose_file() -> str:
    return str(DEPLOY / "compose.yaml")


@pytest.fixture(scope="session")
def docker_compose_project_name() -> str:
    return f"presscenter-e2e-{os.getpid()}"


@pytest.fixture(scope="session")
def docker_compose_command() -> str:
    return f'docker compose --env-file "{DEV_ENV}"'


@pytest.fixture(scope="session")
def docker_setup() -> list[str]:
    # Not `up --wait`: the one-shot minio-setup container exits by design.
    return ["up --build --detach"]


@pytest.fixture(scope="session")
def docker_cleanup() -> list[str]:
    if os.environ.get("PRESSCENTER_E2E_KEEP") == "1":
        return []
    return ["down --volumes --remove-orphans --timeout 30"]


@pytest.fixture(scope="session")
def stack(request: pytest.FixtureRequest) -> Iterator[Stack]:
    if chosen_target() != "compose":
        pytest.skip("the compose stack's own checks: E2E_TARGET=local runs the flows on the local suite instead")
    reason = docker_unavailable_reason()
    if reason is not None:
        pytest.skip(f"end-to-end tests need the compose stack: {reason}")
    ports = {name: free_port() for name in PORT_VARIABLES}
    saved = {name: os.environ.get(name) for name in PORT_VARIABLES}
    os.environ.update({name: str(port) for name, port in ports.items()})
    try:
        services = request.getfixturevalue("docker_services")
        running = Stack(credentials=read_env_file(DEV_ENV), ports=ports)
        services.wait_until_responsive(check=running.all_ready, timeout=STARTUP_TIMEOUT, pause=3)
        yield running
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# -- the flows' target -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """The compose stack, or the local suite (E2E_TARGET=local), started once per session."""
    if chosen_target() == "local":
        with local_target(tmp_path_factory.mktemp("e2e-local")) as local:
            yield local
        return
    running: Stack = request.getfixturevalue("stack")
    admin = compose_admin(
        request.getfixturevalue("docker_compose_command"),
        request.getfixturevalue("docker_compose_file"),
        request.getfixturevalue("docker_compose_project_name"),
    )
    yield Target(
        "compose",
        f"http://127.0.0.1:{running.ports['PC_GATEWAY_PORT']}",
        running.amqp_uri("departments"),  # publish-only, as a department's system
        admin,  # the stack keeps its rate limits: the flows' client waits out 429s
    )


@pytest.fixture(scope="session")
def cast(target: Target) -> dict[str, SignedIn]:
    return press_cast(target.gateway_url, target.admin)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def press(target: Target, cast: dict[str, SignedIn]) -> AsyncIterator[Press]:
    async with ThrottleAwareClient(base_url=target.gateway_url, timeout=30) as http:
        yield Press(target.gateway_url, target.departments_amqp_uri, cast, http, target.portal)
