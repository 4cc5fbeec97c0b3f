"""Health checks and probes against the real broker and the embedded nx-27017 server."""

from __future__ import annotations

import gc
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import mongoengine
import pytest
import requests
from kombu.exceptions import OperationalError
from nameko.testing.services import entrypoint_hook

from presscenter.shared.gc_tuning import GC_THRESHOLDS
from presscenter.shared.plumbing.health import (
    HealthEndpoints,
    check_amqp,
    check_mongo,
    readiness,
    run_check,
)
from presscenter.shared.plumbing.mongo import Mongo, connect
from presscenter.shared.rpc.health import HealthReport
from presscenter.shared.settings import ServiceSettings
from presscenter.shared.testing.embedded_mongo import free_port
from presscenter.shared.testing.untuned_gc import untuned_gc


class ProbeSettings(ServiceSettings):
    service_name = "probe"


class ProbeService(HealthEndpoints):
    """A service that declares nothing but Mongo: the probes come from the mixin."""

    name = "probe"
    db = Mongo(ProbeSettings)


@pytest.fixture
def silent_listener() -> Iterator[int]:
    """A port that accepts TCP connections and never answers: a hung broker."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield int(server.getsockname()[1])
    stop.set()
    thread.join(2)
    for conn in accepted:
        conn.close()
    server.close()


def get(port: int, path: str) -> requests.Response:
    return requests.get(f"http://127.0.0.1:{port}{path}", timeout=10)


def test_amqp_check_opens_a_real_connection_and_channel(rabbit_config: None) -> None:
    from nameko import config

    check_amqp(config["AMQP_URI"], timeout=2)


def test_amqp_check_fails_fast_on_closed_port_and_hung_broker(silent_listener: int) -> None:
    start = time.monotonic()
    with pytest.raises(OperationalError, match=r"ECONNREFUSED|refused"):
        check_amqp(f"pyamqp://guest:guest@127.0.0.1:{free_port()}/", timeout=1)
    assert time.monotonic() - start < 1
    start = time.monotonic()
    result = run_check(lambda: check_amqp(f"pyamqp://guest:guest@127.0.0.1:{silent_listener}/", timeout=0.5))
    assert not result.ok and result.error
    assert time.monotonic() - start < 3


def test_mongo_check_pings_and_times_out(mongo_uri: str) -> None:
    up = connect(ProbeSettings(mongo_uri=mongo_uri), alias="probe-up")
    down = connect(ProbeSettings(mongo_uri=f"mongodb://127.0.0.1:{free_port()}"), alias="probe-down")
    try:
        check_mongo(up, timeout=2)
        start = time.monotonic()
        result = run_check(lambda: check_mongo(down, timeout=0.5))
        assert not result.ok and result.error
        assert time.monotonic() - start < 2
    finally:
        mongoengine.disconnect("probe-up")
        mongoengine.disconnect("probe-down")


def test_readiness_report_is_down_when_one_check_fails_and_errors_are_redacted() -> None:
    def broken() -> None:
        raise ConnectionError("cannot reach amqp://admin:s3cret@broker:5672/")

    report = readiness("probe", {"fine": lambda: None, "broken": broken}, version="1.2.3")
    assert report.status == "down"
    assert report.checks["fine"].ok and report.checks["fine"].error is None
    assert report.checks["broken"].error == "ConnectionError: cannot reach amqp://admin:***@broker:5672/"
    assert "s3cret" not in report.model_dump_json()
    assert readiness("probe", {"fine": lambda: None}, version="1").status == "ok"


def test_probes_and_rpc_of_a_healthy_service(
    container_factory: Any, service_config: dict[str, Any], probe_port: int
) -> None:
    container = container_factory(ProbeService, service_config)
    container.start()

    live = get(probe_port, "/health/live")
    assert (live.status_code, live.json()) == (200, {"status": "ok"})

    ready = get(probe_port, "/health/ready")
    assert ready.status_code == 200
    assert ready.headers["Content-Type"] == "application/json"
    report = HealthReport.model_validate_json(ready.text)
    assert report.service == "probe" and report.status == "ok"
    assert set(report.checks) == {"amqp", "mongo"}
    assert all(check.ok for check in report.checks.values())

    with entrypoint_hook(container, "health") as health:
        via_rpc = HealthReport.model_validate(health())
    assert via_rpc.status == "ok" and set(via_rpc.checks) == {"amqp", "mongo"}


def test_ready_is_503_when_the_datastore_is_down_and_live_stays_200(
    container_factory: Any, service_config: dict[str, Any], probe_port: int
) -> None:
    config = {**service_config, "MONGO_URI": f"mongodb://127.0.0.1:{free_port()}", "HEALTH_CHECK_TIMEOUT": 0.5}
    container = container_factory(ProbeService, config)
    container.start()

    ready = get(probe_port, "/health/ready")
    assert ready.status_code == 503
    report = HealthReport.model_validate_json(ready.text)
    assert report.status == "down"
    assert report.checks["amqp"].ok
    mongo = report.checks["mongo"]
    assert not mongo.ok and mongo.error
    assert mongo.error.startswith("ServerSelectionTimeoutError: 127.0.0.1:"), mongo.error
    assert "[Errno 111]" in mongo.error and "Topology" not in mongo.error, mongo.error

    assert get(probe_port, "/health/live").status_code == 200
    with entrypoint_hook(container, "health") as health:
        assert health()["status"] == "down"


def test_the_mixin_tunes_the_collector_when_the_container_starts(
    container_factory: Any, service_config: dict[str, Any]
) -> None:
    with untuned_gc():
        container = container_factory(ProbeService, service_config)
        assert gc.get_freeze_count() == 0
        container.start()
        assert gc.get_threshold() == GC_THRESHOLDS
        assert gc.get_freeze_count() > 0
