"""`LeanServerSpan` makes the server span OpenTelemetry's ASGI middleware makes: the same requests
through a gateway with it and through one with the instrumentation's middleware as it is export
the same spans (name, kind, parent, attributes, status, events)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry import propagate, trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from presscenter.gateway.app import create_app
from presscenter.gateway.server_span import LeanServerSpan
from presscenter.gateway.settings import GatewaySettings
from presscenter.shared.tracer_provider import build_tracer_provider

PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
REQUESTS: list[tuple[str, str, dict[str, str]]] = [
    ("GET", "/v1/releases/r-1", {}),  # the service is not reachable: a 503 problem
    ("GET", "/v1/releases/r-1?access_token=secret&lang=vi", {"User-Agent": "curl/8.0"}),
    ("GET", "/span-test/ok", {"traceparent": PARENT, "X-Request-ID": "req-1"}),
    ("GET", "/span-test/boom", {"User-Agent": "Googlebot/2.1"}),
    ("POST", "/span-test/ok", {"Content-Length": "2"}),
    ("GET", "/no/such/route", {}),
    ("DELETE", "/span-test/ok", {}),
    ("GET", "/healthz", {}),  # not traced
]


def gateway(lean: bool) -> tuple[FastAPI, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    settings = GatewaySettings(amqp_uri="amqp://guest:guest@127.0.0.1:1/none", rate_limit_ip_per_second=0)
    app = create_app(settings, tracer_provider=provider)

    @app.api_route("/span-test/ok", methods=["GET", "POST"])
    async def ok() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/span-test/boom")
    async def boom() -> None:
        raise RuntimeError("boom")

    stack = app.build_middleware_stack()
    assert isinstance(stack.app, LeanServerSpan)  # type: ignore[attr-defined]
    if not lean:
        stack.app = stack.app.instrumented  # type: ignore[attr-defined]
    app.middleware_stack = stack
    return app, exporter


def described(span: ReadableSpan) -> dict[str, Any]:
    return {
        "name": span.name,
        "kind": span.kind,
        "parent": (span.parent.trace_id, span.parent.span_id) if span.parent else None,
        "attributes": dict(span.attributes or {}),
        "status": (span.status.status_code, span.status.description),
        "events": [(event.name, (event.attributes or {}).get("exception.type")) for event in span.events],
        "ended": span.end_time is not None,
    }


async def exported(lean: bool) -> list[dict[str, Any]]:
    app, exporter = gateway(lean)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=("10.0.0.7", 51000))
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as http:
        for method, path, headers in REQUESTS:
            await http.request(method, path, headers=headers, content=b"{}" if method == "POST" else None)
    return [described(span) for span in exporter.get_finished_spans() if span.kind.name == "SERVER"]


@pytest.mark.anyio
async def test_the_same_server_spans_as_the_instrumentation_makes() -> None:
    lean, instrumented = await exported(lean=True), await exported(lean=False)
    assert len(lean) == len(REQUESTS) - 1
    assert lean == instrumented
    by_name = {span["name"]: span for span in lean}
    assert by_name["GET /span-test/ok"]["parent"] == (0x0AF7651916CD43DD8448EB211C80319C, 0xB7AD6B7169203331)
    assert by_name["GET /span-test/boom"]["attributes"]["http.status_code"] == 500
    assert "secret" not in str(by_name["GET /v1/releases/{release_id}"])


class RecordedSizes:
    """Stands in for the response-size histogram (the test has no meter provider): what was recorded."""

    def __init__(self) -> None:
        self.sizes: list[int] = []

    def record(self, amount: int, attributes: Any = None, context: Any = None) -> None:
        self.sizes.append(amount)


@pytest.mark.anyio
async def test_a_response_without_content_length_records_no_size_of_another() -> None:
    app, _ = gateway(lean=True)

    @app.get("/span-test/stream")
    async def stream() -> Any:
        from starlette.responses import StreamingResponse

        async def chunks() -> Any:
            yield b"data: 1\n\n"

        return StreamingResponse(chunks(), media_type="text/event-stream")

    app.middleware_stack = None  # rebuilt with the new route
    stack = app.build_middleware_stack()
    app.middleware_stack = stack
    sizes = RecordedSizes()
    stack.app.instrumented.server_response_size_histogram = sizes  # type: ignore[attr-defined]
    transport = httpx.ASGITransport(app=app, client=("10.0.0.7", 51000))
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as http:
        ok = await http.get("/span-test/ok")
        streamed = await http.get("/span-test/stream")
    assert "content-length" not in streamed.headers and streamed.text == "data: 1\n\n"
    assert sizes.sizes == [int(ok.headers["content-length"])]


@pytest.mark.anyio
async def test_unrecorded_requests_still_carry_the_callers_trace_on() -> None:
    """With no span processor (no OTLP endpoint) nothing is recorded, yet each route runs in a span
    of the caller's trace, or of a new one, and what the RPC client injects carries it on; once a
    processor is added the same requests are recorded as server spans again."""
    provider = build_tracer_provider("gateway-span-test", None)
    settings = GatewaySettings(amqp_uri="amqp://guest:guest@127.0.0.1:1/none", rate_limit_ip_per_second=0)
    app = create_app(settings, tracer_provider=provider)

    @app.get("/span-test/context")
    async def current() -> dict[str, Any]:
        carrier: dict[str, str] = {}
        propagate.inject(carrier)  # what the RPC client puts in the call's headers
        span = trace.get_current_span()
        return {"traceparent": carrier.get("traceparent"), "recording": span.is_recording()}

    transport = httpx.ASGITransport(app=app, client=("10.0.0.7", 51000))
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as http:
        continued = (await http.get("/span-test/context", headers={"traceparent": PARENT})).json()
        fresh = [(await http.get("/span-test/context")).json() for _ in range(2)]
        exporter = InMemorySpanExporter()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        recorded = (await http.get("/span-test/context", headers={"traceparent": PARENT})).json()

    parent_trace, parent_span = PARENT.split("-")[1:3]
    _, trace_id, span_id, flags = continued["traceparent"].split("-")
    assert (trace_id, continued["recording"], flags) == (parent_trace, False, "00")
    assert span_id not in (parent_span, "0" * 16)  # a span of its own in the caller's trace
    fresh_traces = {f["traceparent"].split("-")[1] for f in fresh}
    assert len(fresh_traces) == 2 and parent_trace not in fresh_traces and "0" * 32 not in fresh_traces
    assert recorded["recording"] and recorded["traceparent"].split("-")[1] == parent_trace
    [server] = [s for s in exporter.get_finished_spans() if s.kind.name == "SERVER"]
    assert server.name == "GET /span-test/context" and server.context.trace_id == int(parent_trace, 16)
