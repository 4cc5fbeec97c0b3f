"""Liveness and readiness for nameko services, in a form Kubernetes probes can call.

- `check_amqp` / `check_mongo`: really touch the broker (connection + channel) and the datastore.
- `readiness(service, checks)`: runs named checks and builds the `HealthReport` contract.
- `HealthCheck`: dependency provider that knows a container's checks (AMQP, each `Mongo`
  dependency, and any dependency offering `health_checks()`).
- `HealthEndpoints`: mixin giving a service `GET /health/live`, `GET /health/ready` (served on
  `WEB_SERVER_ADDRESS`) and the `<service>.health` RPC; the one base every service has, it also
  carries `TunedGc` (the garbage collector set for a server once the container starts).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping
from functools import partial
from importlib import metadata
from typing import Any, Protocol, runtime_checkable

import kombu
import pymongo
from nameko import config
from nameko.extensions import DependencyProvider
from nameko.rpc import rpc
from nameko.web.handlers import http
from pymongo.database import Database
from werkzeug.wrappers import Request

from presscenter.shared.events.envelope import utcnow
from presscenter.shared.plumbing.mongo import Mongo, ping
from presscenter.shared.plumbing.tuned_gc import TunedGc
from presscenter.shared.redaction import redact
from presscenter.shared.rpc.health import CheckResult, HealthReport
from presscenter.shared.settings import ServiceSettings

DEFAULT_TIMEOUT = 3.0
TIMEOUT_CONFIG_KEY = "HEALTH_CHECK_TIMEOUT"
JSON_HEADERS = {"Content-Type": "application/json"}

Check = Callable[[], object]
"""A readiness check: returns when the dependency is usable, raises when it is not."""

HttpResponse = tuple[int, dict[str, str], str]


def check_amqp(uri: str, timeout: float = DEFAULT_TIMEOUT) -> None:
    """Open a connection and a channel on the broker at `uri`, then close both; no retries."""
    transport_options = {"read_timeout": timeout, "write_timeout": timeout}
    with kombu.Connection(uri, connect_timeout=timeout, transport_options=transport_options) as connection:
        connection.ensure_connection(max_retries=0)
        channel = connection.channel()
        channel.close()


def check_mongo(db: Database[Any], timeout: float = DEFAULT_TIMEOUT) -> None:
    """Ping the datastore of `db`, giving up (server selection included) after `timeout` seconds."""
    with pymongo.timeout(timeout):
        ping(db)


def run_check(check: Check) -> CheckResult:
    """Run one check; its failure becomes a redacted `Type: message` error, never an exception."""
    start = time.perf_counter()
    try:
        check()
    except Exception as exc:
        return CheckResult(ok=False, latency_ms=_elapsed_ms(start), error=describe_error(exc))
    return CheckResult(ok=True, latency_ms=_elapsed_ms(start))


# pymongo appends its timeout settings and the whole topology to server-selection errors.
_PYMONGO_NOISE = re.compile(r" \(configured timeouts:[^)]*\)|, Timeout: .*$", re.DOTALL)


def describe_error(exc: BaseException, limit: int = 300) -> str:
    """`Type: message`, redacted, without pymongo's topology dump, at most `limit` characters."""
    message = _PYMONGO_NOISE.sub("", str(exc)).strip()
    text = redact(f"{type(exc).__name__}: {message}" if message else type(exc).__name__)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _elapsed_ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 3)


def readiness(service: str, checks: Mapping[str, Check], version: str | None = None) -> HealthReport:
    """Run every check in turn: status `ok` when all pass, `down` otherwise."""
    results = {name: run_check(check) for name, check in checks.items()}
    return HealthReport(
        service=service,
        status="ok" if all(r.ok for r in results.values()) else "down",
        version=version or service_version(service),
        checked_at=utcnow(),
        checks=results,
    )


def service_version(service: str) -> str:
    """Installed version of the `presscenter-<service>` distribution, `unknown` if not installed."""
    try:
        return metadata.version(f"presscenter-{service}")
    except metadata.PackageNotFoundError:
        return "unknown"


@runtime_checkable
class ProvidesHealthChecks(Protocol):
    """A dependency provider with readiness checks of its own (e.g. object storage)."""

    def health_checks(self) -> Mapping[str, Check]: ...


def _check_mongo_provider(provider: Mongo, timeout: float) -> None:
    if provider.db is None:
        raise RuntimeError("datastore not connected")
    check_mongo(provider.db, timeout)


class HealthCheck(DependencyProvider):
    """Injects a callable returning the container's `HealthReport`.

    Checks: `amqp` (the container's `AMQP_URI`), `mongo` for the container's `Mongo` dependency,
    and whatever other dependencies return from `health_checks()`. Each check gives up after
    `HEALTH_CHECK_TIMEOUT` seconds (nameko config; default 3).
    """

    def __init__(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.timeout = timeout
        self.amqp_uri = ""
        self.version = "unknown"

    def setup(self) -> None:
        self.timeout = float(config.get(TIMEOUT_CONFIG_KEY, self.timeout))
        self.amqp_uri = ServiceSettings.load().amqp_uri
        self.version = service_version(self.container.service_name)

    def checks(self) -> dict[str, Check]:
        checks: dict[str, Check] = {"amqp": partial(check_amqp, self.amqp_uri, self.timeout)}
        for dependency in sorted(self.container.dependencies, key=lambda d: d.attr_name):
            if isinstance(dependency, Mongo):
                name = "mongo" if "mongo" not in checks else f"mongo.{dependency.attr_name}"
                checks[name] = partial(_check_mongo_provider, dependency, self.timeout)
            elif isinstance(dependency, ProvidesHealthChecks):
                checks.update(dependency.health_checks())
        return checks

    def report(self) -> HealthReport:
        return readiness(self.container.service_name, self.checks(), self.version)

    def get_dependency(self, worker_ctx: Any) -> Callable[[], HealthReport]:
        return self.report


class HealthEndpoints:
    """Mixin for a nameko service class: liveness, readiness and the `health` RPC.

    The HTTP probes are served on the service's `WEB_SERVER_ADDRESS`; nameko finds entrypoints
    and dependencies declared on base classes, so inheriting is all a service does; that also
    gives it `TunedGc`.
    """

    health_check = HealthCheck()
    tuned_gc = TunedGc()

    @http("GET", "/health/live")
    def health_live(self, request: Request) -> HttpResponse:
        """Liveness: the process serves requests. No I/O."""
        return 200, JSON_HEADERS, json.dumps({"status": "ok"})

    @http("GET", "/health/ready")
    def health_ready(self, request: Request) -> HttpResponse:
        """Readiness: 200 with the report when every check passes, 503 with it otherwise."""
        report: HealthReport = self.health_check()
        return (200 if report.status == "ok" else 503), JSON_HEADERS, report.model_dump_json()

    @rpc
    def health(self) -> dict[str, Any]:
        """The `<service>.health` RPC: the readiness report as JSON-ready data."""
        report: HealthReport = self.health_check()
        return report.model_dump(mode="json")
