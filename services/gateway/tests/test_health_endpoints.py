"""The gateway's liveness and readiness over real HTTP (uvicorn) against the real broker.

Runs without eventlet: `.venv/bin/pytest services/gateway --no-eventlet -p no:pytest_nameko`.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import uvicorn

from presscenter.gateway.app import create_app
from presscenter.gateway.settings import GatewaySettings, aio_pika_url
from presscenter.shared.gc_tuning import GC_THRESHOLDS
from presscenter.shared.rpc.health import HealthReport
from presscenter.shared.testing.embedded_mongo import free_port
from presscenter.shared.testing.untuned_gc import untuned_gc

BROKER = "pyamqp://guest:guest@127.0.0.1:5672/"


def fetch(url: str, method: str = "GET", headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], Any]:
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            status, head, body = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        status, head, body = error.code, dict(error.headers), error.read()
    is_json = head.get("content-type", "").startswith("application/json")
    return status, head, json.loads(body) if is_json else body


def wait_listening(port: int, timeout: float = 15.0, alive: Callable[[], bool] = lambda: True) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on port {port}")


@pytest.fixture
def serve() -> Iterator[Callable[..., str]]:
    """Start the app under a real uvicorn server in a thread; returns its base URL."""
    servers: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(**overrides: Any) -> str:
        port = free_port()
        settings = GatewaySettings(host="127.0.0.1", port=port, **overrides)
        server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        servers.append((server, thread))
        wait_listening(port)
        return f"http://127.0.0.1:{port}"

    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(10)


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts TCP connections and never answers: a hung broker."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    yield int(listener.getsockname()[1])
    listener.close()


def test_live_and_ready_against_the_real_broker(serve: Callable[..., str]) -> None:
    base = serve(amqp_uri=BROKER)
    assert fetch(f"{base}/healthz")[::2] == (200, {"status": "ok"})
    status, headers, body = fetch(f"{base}/readyz")
    assert status == 200, body
    assert headers["content-type"] == "application/json"
    report = HealthReport.model_validate(body)
    assert report.service == "gateway" and report.status == "ok"
    assert report.checks["amqp"].ok and report.checks["amqp"].error is None
    assert report.version == "0.1.0"


def test_the_served_app_tunes_the_collector_once_started(serve: Callable[..., str]) -> None:
    """As if this process were a fresh gateway: nothing tuned yet."""
    with untuned_gc():
        base = serve(amqp_uri=BROKER)
        assert fetch(f"{base}/readyz")[0] == 200  # the lifespan has run: the app serves
        assert gc.get_threshold() == GC_THRESHOLDS
        assert gc.get_freeze_count() > 0


def test_ready_is_503_when_the_broker_is_unreachable_and_the_error_is_redacted(serve: Callable[..., str]) -> None:
    base = serve(amqp_uri=f"pyamqp://guest:s3cret@127.0.0.1:{free_port()}/")
    status, _, body = fetch(f"{base}/readyz")
    assert status == 503
    report = HealthReport.model_validate(body)
    assert report.status == "down" and not report.checks["amqp"].ok
    assert report.checks["amqp"].error
    assert "s3cret" not in json.dumps(body)
    assert fetch(f"{base}/healthz")[0] == 200


def test_ready_gives_up_on_a_hung_broker_within_its_timeout(serve: Callable[..., str], silent_port: int) -> None:
    base = serve(amqp_uri=f"amqp://guest:guest@127.0.0.1:{silent_port}/", readiness_timeout=0.5, rpc_connect_timeout=1)
    for _ in range(2):  # the first attempt timed out during start-up; later ones hang again
        start = time.monotonic()
        status, _, body = fetch(f"{base}/readyz")
        assert status == 503
        assert time.monotonic() - start < 3
        assert "TimeoutError" in body["checks"]["amqp"]["error"]


def test_wrong_credentials_are_not_ready(serve: Callable[..., str]) -> None:
    status, _, body = fetch(f"{serve(amqp_uri='amqp://guest:wrong@127.0.0.1:5672/')}/readyz")
    assert status == 503 and "wrong" not in json.dumps(body), body


def test_cors_origins_are_allowed_only_when_configured(serve: Callable[..., str]) -> None:
    preflight = {"Origin": "https://portal.example", "Access-Control-Request-Method": "GET"}
    with_cors = serve(cors_origins="https://portal.example, https://other.example")
    _, headers, _ = fetch(f"{with_cors}/healthz", method="OPTIONS", headers=preflight)
    assert headers.get("access-control-allow-origin") == "https://portal.example"
    without = serve()
    _, headers, _ = fetch(f"{without}/healthz", headers={"Origin": "https://portal.example"})
    assert "access-control-allow-origin" not in headers


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AMQP_URI", "pyamqp://u:p@rabbit:5672/press")
    monkeypatch.setenv("GATEWAY_PORT", "8080")
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example,https://b.example")
    monkeypatch.setenv("READINESS_SERVICES", "releases, feedback")
    monkeypatch.setenv("RPC_TIMEOUT", "2.5")
    monkeypatch.setenv("MAX_BODY_BYTES", "4096")
    monkeypatch.setenv("RATE_LIMIT_TOKEN_PER_SECOND", "0")
    settings = GatewaySettings()
    assert settings.readiness_services == ["releases", "feedback"] and settings.rpc_timeout == 2.5
    assert settings.max_body_bytes == 4096 and settings.rate_limit_token_per_second == 0
    assert settings.port == 8080 and settings.host == "0.0.0.0"
    assert settings.cors_origins == ["https://a.example", "https://b.example"]
    assert settings.broker_url == "amqp://u:p@rabbit:5672/press"
    assert aio_pika_url("amqps://u:p@h/") == "amqps://u:p@h/"


def test_python_dash_m_serves_the_gateway() -> None:
    port = free_port()
    env = {**os.environ, "GATEWAY_HOST": "127.0.0.1", "GATEWAY_PORT": str(port), "AMQP_URI": BROKER}
    process = subprocess.Popen(
        [sys.executable, "-m", "presscenter.gateway"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        wait_listening(port, alive=lambda: process.poll() is None)
        assert fetch(f"http://127.0.0.1:{port}/healthz")[0] == 200
        assert fetch(f"http://127.0.0.1:{port}/readyz")[0] == 200
    finally:
        process.terminate()
        output = process.communicate(timeout=15)[0].decode()
    # uvicorn shuts down gracefully, then re-raises the signal it caught
    assert process.returncode in (0, -signal.SIGTERM), output
    assert "Application shutdown complete" in output, output
