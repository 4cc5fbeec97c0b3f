"""Wire compatibility with a REAL nameko service: `nameko run` of `nameko_wire_service` in a subprocess
(eventlet lives there, not in this asyncio process), called through the gateway over HTTP."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from presscenter.gateway.dependencies import RpcDep
from presscenter.gateway.testing.nameko_services import stop, wait_answering
from presscenter.shared.rpc.health import HealthReport
from presscenter.shared.testing.embedded_mongo import free_port
from presscenter.shared.testing.vhosts import amqp_url, fresh_vhost

pytestmark = pytest.mark.anyio

HERE = Path(__file__).parent
NAMEKO = Path(sys.executable).parent / "nameko"


def start_wire_service(vhost: str, workdir: Path) -> subprocess.Popen[bytes]:
    """`nameko run` the wire service on `vhost` (`wait_answering` waits until it answers)."""
    config = {
        "AMQP_URI": f"pyamqp://guest:guest@127.0.0.1:5672/{vhost}",
        "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}",
    }
    config_file = workdir / f"{vhost}.yaml"
    config_file.write_text(json.dumps(config))  # JSON is YAML
    process = subprocess.Popen(
        [str(NAMEKO), "run", "--config", str(config_file), "nameko_wire_service:WireService"],
        cwd=HERE,
        stdout=(workdir / f"{vhost}.log").open("wb"),
        stderr=subprocess.STDOUT,
        env={"PATH": str(NAMEKO.parent), "PYTHONPATH": str(HERE)},
    )
    return process


@pytest.fixture(scope="module")
def vhost(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One vhost for the module, with the real nameko service running on it."""
    with fresh_vhost("gateway-wire") as name:
        process = start_wire_service(name, tmp_path_factory.mktemp("wire"))
        try:
            asyncio.run(wait_answering(amqp_url(name), process, service="wire"))
            yield name
        finally:
            stop(process)


def add_wire_routes(app: FastAPI) -> None:
    @app.get("/t/wire/{method}")
    async def call(method: str, rpc: RpcDep) -> Any:
        if method == "echo":
            return await rpc.call("wire", "echo", {"text": "xin chào"}, twice=True)
        if method == "bad-signature":
            return await rpc.call("wire", "echo", 1, 2, 3)
        if method == "stale":
            return await rpc.call("wire", "stale", "r1")
        return await rpc.call("wire", method)


async def test_round_trip_through_the_gateway(start_gateway: Any) -> None:
    _, http = await start_gateway(add_wire_routes)
    response = await http.get("/t/wire/echo")
    assert response.status_code == 200
    assert response.json() == [{"text": "xin chào"}, {"text": "xin chào"}]


async def test_headers_become_the_worker_context(start_gateway: Any, tracing: Any) -> None:
    _, http = await start_gateway(add_wire_routes)
    response = await http.get("/t/wire/context", headers={"X-Request-ID": "req-77"})
    context = response.json()
    gateway_id, worker_id = context["call_id_stack"]
    assert gateway_id == "gateway.http.req-77" and worker_id.startswith("wire.context.")
    client_span = next(s for s in tracing[1].get_finished_spans() if s.name == "RPC to wire.context")
    _, trace_id, span_id, _ = context["context_data"]["traceparent"].split("-")
    assert (trace_id, span_id) == (f"{client_span.context.trace_id:032x}", f"{client_span.context.span_id:016x}")


async def test_nameko_errors_become_problems(start_gateway: Any) -> None:
    _, http = await start_gateway(add_wire_routes)
    stale = await http.get("/t/wire/stale")
    assert stale.status_code == 409 and stale.headers["content-type"] == "application/problem+json"
    body = stale.json()
    assert body["current_revision"] == 5 and body["field"] == "revision"
    assert body["detail"] == "release r1 is at revision 5, you sent 4"
    for method in ("crash", "no_such_method", "bad-signature"):  # KeyError, MethodNotFound, IncorrectSignature
        response = await http.get(f"/t/wire/{method}")
        assert response.status_code == 502, (method, response.text)
        assert response.json()["detail"] == "The wire service could not handle the request."


async def test_readiness_calls_the_real_health_rpc(start_gateway: Any) -> None:
    _, http = await start_gateway(readiness_services="wire", readiness_require_services=True)
    response = await http.get("/readyz")
    report = HealthReport.model_validate(response.json())
    assert response.status_code == 200 and report.status == "ok", response.text
    assert report.checks["service:wire"].ok


@pytest.fixture
def own_vhost() -> Iterator[str]:
    with fresh_vhost("gateway-wire-stop") as name:
        yield name


async def test_a_stopped_nameko_service_is_503_at_once(own_vhost: str, tmp_path: Path, start_gateway: Any) -> None:
    """nameko's durable `rpc-wire` queue outlives the process: the consumer count catches it."""
    process = start_wire_service(own_vhost, tmp_path)
    try:
        await wait_answering(amqp_url(own_vhost), process, service="wire")
        _, http = await start_gateway(add_wire_routes, amqp_uri=amqp_url(own_vhost), rpc_consumer_check_interval=0.2)
        assert (await http.get("/t/wire/echo")).status_code == 200
    finally:
        stop(process)
    await asyncio.sleep(0.3)  # the cached consumer count expires
    start = time.perf_counter()
    response = await http.get("/t/wire/echo")
    assert time.perf_counter() - start < 1.0
    assert response.status_code == 503 and response.headers["retry-after"]
    assert "wire" in response.json()["detail"]
