"""Assertions every backend service's own tests make about its health surface.

Each service package asserts, against the real broker and datastore, that `nameko run` finds
exactly its service class and that the started container answers `health` over RPC and the
two HTTP probes on its `WEB_SERVER_ADDRESS`.
"""

from __future__ import annotations

from typing import Any

import requests
from nameko.cli.utils.import_services import import_services
from nameko.testing.services import entrypoint_hook

from presscenter.shared.rpc.health import HealthReport

EXPECTED_CHECKS = frozenset({"amqp", "mongo"})


def assert_discoverable(module: str, service_cls: type) -> None:
    """`nameko run <module>` would run `service_cls` and nothing else (no mixin, no model)."""
    assert import_services(module) == [service_cls]


def assert_healthy(container: Any, web_port: int, checks: frozenset[str] = EXPECTED_CHECKS) -> HealthReport:
    """The started `container` is ready over RPC and HTTP with `checks` passing; returns the RPC report."""
    service = container.service_name
    with entrypoint_hook(container, "health") as health:
        report = HealthReport.model_validate(health())
    assert report.service == service and report.status == "ok", report
    assert set(report.checks) == checks and all(c.ok for c in report.checks.values()), report.checks
    assert report.version != "unknown", "the service's distribution is not installed"

    base = f"http://127.0.0.1:{web_port}"
    live = requests.get(f"{base}/health/live", timeout=10)
    assert (live.status_code, live.json()) == (200, {"status": "ok"})
    ready = requests.get(f"{base}/health/ready", timeout=10)
    assert ready.status_code == 200, ready.text
    over_http = HealthReport.model_validate_json(ready.text)
    assert over_http.service == service and over_http.status == "ok"
    assert set(over_http.checks) == checks
    return report
