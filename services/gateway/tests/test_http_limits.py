"""Body size limit, rate limits, CORS, /metrics and /readyz of the gateway app (real broker)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Annotated, Any

import httpx
import pytest
from fastapi import Body, FastAPI, Request
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from presscenter.gateway.dependencies import RpcDep
from presscenter.gateway.problems import PROBLEM_MEDIA_TYPE
from presscenter.gateway.rate_limit import RateLimiter
from presscenter.gateway.testing.fake_service import FakeService
from presscenter.shared.rpc.health import HealthReport

pytestmark = pytest.mark.anyio


def add_test_routes(app: FastAPI) -> None:
    @app.post("/t/upload")
    async def upload(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    @app.get("/t/items/{item_id}")
    async def item(item_id: str, rpc: RpcDep) -> Any:
        return await rpc.call("items", "get", {"item_id": item_id})

    @app.post("/t/json")
    async def json_body(payload: Annotated[dict[str, Any], Body()]) -> dict[str, int]:
        return {"keys": len(payload)}


def health(status: str = "ok") -> Any:
    def method() -> dict[str, Any]:
        failing = status != "ok"
        return {
            "service": "items",
            "status": status,
            "version": "1.0",
            "checked_at": "2025-01-01T00:00:00+00:00",
            "checks": {"amqp": {"ok": True, "latency_ms": 1.0}, "mongo": {"ok": not failing, "latency_ms": 1.0}},
        }

    return method


@pytest.fixture
async def items(broker_url: str) -> AsyncIterator[FakeService]:
    methods = {"get": lambda payload: {"id": payload["item_id"]}, "health": health()}
    async with FakeService(broker_url, "items", methods) as service:
        yield service


async def test_body_size_limit(start_gateway: Any) -> None:
    _, http = await start_gateway(add_test_routes, max_body_bytes=1000)
    assert (await http.post("/t/upload", content=b"x" * 1000)).json() == {"size": 1000}
    response = await http.post("/t/upload", content=b"x" * 1001)
    assert response.status_code == 413 and response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.json()["max_body_bytes"] == 1000 and response.headers["x-request-id"]

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it streams
        for _ in range(5):
            yield b"y" * 300

    response = await http.post("/t/upload", content=chunks())
    assert response.status_code == 413 and response.json()["type"] == "urn:presscenter:problem:content-too-large"
    # a body FastAPI parses itself (JSON) is refused the same way, not as a parse error
    response = await http.post(
        "/t/json", content=b'{"a": "' + b"z" * 2000 + b'"}', headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


async def test_rate_limit_per_address_with_retry_after(start_gateway: Any) -> None:
    app, http = await start_gateway(add_test_routes, rate_limit_ip_per_second=0.5, rate_limit_ip_burst=3)
    statuses = [(await http.post("/t/json", json={})).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    response = await http.post("/t/json", json={})
    assert response.status_code == 429 and response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.headers["retry-after"] == "2"  # one token per 2 s
    assert response.json()["limited_by"] == "address" and response.json()["request_id"]
    # probes are never limited; another address has its own bucket
    assert (await http.get("/healthz")).status_code == 200
    other = httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=("10.0.0.2", 1)), base_url="http://g")
    async with other:
        assert (await other.post("/t/json", json={})).status_code == 200


async def test_rate_limit_per_token(start_gateway: Any) -> None:
    _, http = await start_gateway(
        add_test_routes, rate_limit_ip_per_second=100, rate_limit_token_per_second=1, rate_limit_token_burst=2
    )
    alice = {"Authorization": "Bearer alice-token"}
    assert [(await http.post("/t/json", json={}, headers=alice)).status_code for _ in range(3)] == [200, 200, 429]
    limited = await http.post("/t/json", json={}, headers=alice)
    assert limited.json()["limited_by"] == "token" and limited.headers["retry-after"] == "1"
    assert (await http.post("/t/json", json={}, headers={"Authorization": "Bearer bob-token"})).status_code == 200
    assert (await http.post("/t/json", json={})).status_code == 200


def test_token_bucket_refills_at_its_rate() -> None:
    now = [0.0]
    limiter = RateLimiter(rate=2.0, burst=2, clock=lambda: now[0])
    assert [limiter.take("k") for _ in range(3)] == [0.0, 0.0, 0.5]
    now[0] = 0.5
    assert limiter.take("k") == 0.0 and limiter.take("k") == pytest.approx(0.5)
    now[0] = 100.0
    assert limiter.take("k") == 0.0


def test_token_buckets_do_not_grow_without_bound() -> None:
    now = [0.0]
    limiter = RateLimiter(rate=1.0, burst=1, max_keys=100, clock=lambda: now[0])
    for i in range(1000):
        now[0] += 0.01
        limiter.take(f"client-{i}")
    assert len(limiter) <= 100


async def test_cors_preflight_and_exposed_headers(start_gateway: Any) -> None:
    _, http = await start_gateway(add_test_routes, cors_origins="https://press.example")
    preflight = {
        "Origin": "https://press.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    response = await http.options("/t/json", headers=preflight)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "https://press.example"
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "authorization" in response.headers["access-control-allow-headers"].lower()
    assert response.headers["x-request-id"]
    response = await http.post("/t/json", json={}, headers={"Origin": "https://press.example"})
    exposed = response.headers["access-control-expose-headers"].lower()
    assert "x-request-id" in exposed and "retry-after" in exposed
    response = await http.options("/t/json", headers={**preflight, "Origin": "https://evil.example"})
    assert response.status_code == 400 and "access-control-allow-origin" not in response.headers


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the Prometheus text exposition."""
    for line in text.splitlines():
        match = re.fullmatch(r"(\w+)(?:\{(.*)\})? (\S+)", line)
        if not match or match[1] != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match[2] or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(match[3])
    raise AssertionError(f"no sample {name}{labels}")


async def test_metrics_count_requests_by_route_template_and_rpc_outcome(start_gateway: Any, items: FakeService) -> None:
    _, http = await start_gateway(add_test_routes, rpc_timeout=1.0)
    for item_id in ("a", "b", "c"):
        assert (await http.get(f"/t/items/{item_id}")).status_code == 200
    await http.get("/nowhere")
    items.methods["get"] = lambda payload: 1 / 0
    assert (await http.get("/t/items/d")).status_code == 502
    response = await http.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    text = response.text
    route = "/t/items/{item_id}"
    assert metric(text, "gateway_http_requests_total", method="GET", route=route, status="200") == 3
    assert metric(text, "gateway_http_requests_total", method="GET", route=route, status="502") == 1
    assert metric(text, "gateway_http_requests_total", route="<unmatched>", status="404") == 1
    assert metric(text, "gateway_http_request_duration_seconds_count", route=route, status="200") == 3
    assert metric(text, "gateway_rpc_calls_total", rpc="items.get", outcome="ok") == 3
    assert metric(text, "gateway_rpc_calls_total", rpc="items.get", outcome="remote_error") == 1
    assert metric(text, "gateway_rpc_call_duration_seconds_count", rpc="items.get", outcome="ok") == 3
    assert "/t/items/a" not in text  # raw paths never become labels


async def test_ready_checks_the_broker_and_each_listed_service(start_gateway: Any, items: FakeService) -> None:
    _, http = await start_gateway(readiness_services="items,ghost", readiness_timeout=1.0)
    response = await http.get("/readyz")
    report = HealthReport.model_validate(response.json())
    assert response.status_code == 200 and report.status == "degraded"
    assert report.checks["amqp"].ok and report.checks["service:items"].ok
    ghost = report.checks["service:ghost"]
    assert not ghost.ok and ghost.error and "ServiceUnavailable" in ghost.error and ghost.latency_ms < 500

    items.methods["health"] = health("down")
    report = HealthReport.model_validate((await http.get("/readyz")).json())
    error = report.checks["service:items"].error
    assert error is not None and "items reports down (failing: mongo)" in error


async def test_ready_requires_services_when_configured(start_gateway: Any, items: FakeService) -> None:
    _, http = await start_gateway(readiness_services="items", readiness_require_services=True, readiness_timeout=0.5)
    assert (await http.get("/readyz")).json()["status"] == "ok"
    await items.stop()
    response = await http.get("/readyz")
    assert response.status_code == 503 and response.json()["status"] == "down"


async def test_ready_reports_a_broker_that_cannot_be_reached(start_gateway: Any) -> None:
    _, http = await start_gateway(connect=False, amqp_uri="amqp://guest:s3cret@127.0.0.1:1/")
    await asyncio.sleep(0.2)
    response = await http.get("/readyz")
    assert response.status_code == 503 and "s3cret" not in response.text
    report = HealthReport.model_validate(response.json())
    assert report.status == "down" and "not connected" in (report.checks["amqp"].error or "")


async def test_http_request_trace_continues_into_the_rpc(
    start_gateway: Any, items: FakeService, tracing: tuple[TracerProvider, InMemorySpanExporter]
) -> None:
    _, http = await start_gateway(add_test_routes)
    incoming = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    assert (await http.get("/t/items/a", headers={"traceparent": incoming})).status_code == 200
    spans = tracing[1].get_finished_spans()
    server = next(s for s in spans if s.kind is SpanKind.SERVER)
    client = next(s for s in spans if s.name == "RPC to items.get")
    assert server.context.trace_id == int("0af7651916cd43dd8448eb211c80319c", 16)
    assert server.attributes is not None and server.attributes.get("http.route") == "/t/items/{item_id}"
    assert client.parent is not None and client.parent.span_id == server.context.span_id
    _, trace_id, span_id, _ = items.calls[-1].headers["nameko.traceparent"].split("-")
    assert (trace_id, span_id) == (f"{client.context.trace_id:032x}", f"{client.context.span_id:016x}")
    assert not [s for s in spans if s.name.startswith("GET /metrics")]  # probes and /metrics untraced


async def test_credential_like_query_parameters_are_masked_in_spans(
    start_gateway: Any, items: FakeService, tracing: tuple[TracerProvider, InMemorySpanExporter]
) -> None:
    _, http = await start_gateway(add_test_routes)
    await http.get("/t/items/a?q=hanoi&access_token=s3cret&api_key=k3y&keyword=budget&unit_code=SO-XD")
    server = next(s for s in tracing[1].get_finished_spans() if s.kind is SpanKind.SERVER)
    url = str((server.attributes or {})["http.url"])
    assert url.endswith("/t/items/a?q=hanoi&access_token=***&api_key=***&keyword=budget&unit_code=SO-XD"), url
    assert "s3cret" not in str(server.attributes) and "k3y" not in str(server.attributes)
