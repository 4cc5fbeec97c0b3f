"""`make run`'s launcher brings the whole suite up as real processes and stops it cleanly.

Each backend service runs under `nameko run` in its own process, the gateway under uvicorn and
the embedded datastore as nx-27017; the test talks to them only over AMQP RPC and HTTP.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from presscenter.shared.rpc.health import HealthReport
from presscenter.shared.testing.embedded_mongo import free_port

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("releases", "feedback", "monitoring", "media")


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
    raise RuntimeError("no block of free ports")


class Suite:
    def __init__(self, process: subprocess.Popen[str], base: int, gateway_port: int):
        self.process, self.base, self.gateway_port = process, base, gateway_port
        self.lines: list[str] = []
        self.up = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout
        for line in self.process.stdout:
            self.lines.append(line)
            if "Capital Press Center is up" in line:
                self.up.set()

    def output(self) -> str:
        return "".join(self.lines[-80:])

    def of(self, name: str) -> str:
        return "".join(line for line in self.lines if line.strip().startswith(f"{name} |"))


@pytest.fixture
def suite(rabbit_config: None, tmp_path: Path) -> Iterator[Suite]:
    from nameko import config

    base, gateway_port = _free_block(4), free_port()
    env = {
        **os.environ,
        "AMQP_URI": config["AMQP_URI"],
        "RUN_DIR": str(tmp_path / "run"),
        "EMBEDDED_MONGO_PORT": str(free_port()),
        "SERVICE_PORT_BASE": str(base),
        "GATEWAY_PORT": str(gateway_port),
    }
    env.pop("MONGO_URI", None)
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "run_suite.py")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    running = Suite(process, base, gateway_port)
    try:
        yield running
    finally:
        # children run in sessions of their own: kill every descendant, not just the launcher's group
        leftovers = _descendants(process.pid)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
        for pid in _alive(leftovers):
            os.kill(pid, signal.SIGKILL)


def _get_json(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _descendants(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    children = [int(p) for p in out.stdout.split()]
    return children + [d for child in children for d in _descendants(child)]


def _alive(pids: list[int]) -> list[int]:
    alive = []
    for pid in pids:
        try:
            os.kill(pid, 0)
            alive.append(pid)
        except ProcessLookupError:
            pass
    return alive


def test_suite_comes_up_answers_rpc_and_http_and_stops_cleanly(suite: Suite) -> None:
    from nameko import config
    from nameko.standalone.rpc import ClusterRpcClient

    assert suite.up.wait(120), f"suite did not come up:\n{suite.output()}\n{suite.of('gateway')}"

    with ClusterRpcClient(timeout=15, uri=config["AMQP_URI"]) as rpc:
        for name in SERVICES:
            report = HealthReport.model_validate(getattr(rpc, name).health())
            assert report.service == name and report.status == "ok", report
            assert {"amqp", "mongo"} <= set(report.checks)

    for offset, name in enumerate(SERVICES, start=1):
        status, body = _get_json(f"http://127.0.0.1:{suite.base + offset}/health/ready")
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

    spawned = _descendants(suite.process.pid)
    assert len(spawned) >= 6, spawned  # datastore, 4 services, gateway
    suite.process.send_signal(signal.SIGINT)
    assert suite.process.wait(60) == 0, suite.output()
    deadline = time.monotonic() + 10
    while _alive(spawned) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _alive(spawned) == [], "processes left behind after Ctrl-C"
    assert "==> stopped" in suite.output()
