"""`make run`'s launcher brings the whole suite up as real processes and stops it cleanly.

Each backend service runs under `nameko run` in its own process, the gateway under uvicorn and
the embedded datastore as nx-27017; the test talks to them only over AMQP RPC and HTTP.
"""

from __future__ import annotations

import json
import signal
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from presscenter.shared.rpc.health import HealthReport
from presscenter.shared.testing.suite_process import SuiteProcess, alive, descendants, suite_process

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("releases", "feedback", "monitoring", "media")


@pytest.fixture
def suite(rabbit_config: None, tmp_path: Path) -> Iterator[SuiteProcess]:
    from nameko import config

    with suite_process(ROOT, config["AMQP_URI"], tmp_path / "run", wait=False, fast=False) as running:
        yield running


def _get_json(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_suite_comes_up_answers_rpc_and_http_and_stops_cleanly(suite: SuiteProcess) -> None:
    from nameko import config
    from nameko.standalone.rpc import ClusterRpcClient

    assert suite.up.wait(120), f"suite did not come up:\n{suite.output()}\n{suite.of('gateway')}"

    with ClusterRpcClient(timeout=15, uri=config["AMQP_URI"]) as rpc:
        for name in SERVICES:
            report = HealthReport.model_validate(getattr(rpc, name).health())
            assert report.service == name and report.status == "ok", report
            assert {"amqp", "mongo"} <= set(report.checks)

    for offset, name in enumerate(SERVICES, start=1):
        status, body = _get_json(f"http://127.0.0.1:{suite.service_port_base + offset}/health/ready")
        assert status == 200 and body["service"] == name and body["checks"]["mongo"]["ok"]
    status, body = _get_json(f"http://127.0.0.1:{suite.gateway_port}/readyz")
    assert status == 200, body
    login = urllib.request.Request(
        f"http://127.0.0.1:{suite.gateway_port}/v1/auth/token",
        data=b"grant_type=password&username=nobody&password=wrong-password",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:  # identity is mounted, with its datastore
        urllib.request.urlopen(login, timeout=10)
    assert refused.value.code == 400 and refused.value.headers["Content-Type"].startswith("application/problem+json")

    spawned = descendants(suite.process.pid)
    assert len(spawned) >= 6, spawned  # datastore, 4 services, gateway
    suite.process.send_signal(signal.SIGINT)
    assert suite.process.wait(60) == 0, suite.output()
    deadline = time.monotonic() + 10
    while alive(spawned) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert alive(spawned) == [], "processes left behind after Ctrl-C"
    assert "==> stopped" in suite.output()
