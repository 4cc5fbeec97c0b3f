"""One trace from an HTTP request to the event handler it causes, across real processes.

`POST /v1/releases/{id}/publish` on a real gateway (uvicorn, spans kept in memory) calls the real
releases service (`nameko run` subprocess) over RPC; publishing writes `release_published` to the
outbox, and the service's own `portal_on_published` handler takes it. The service exports its
spans over OTLP/HTTP, configured by environment only (OTEL_EXPORTER_OTLP_ENDPOINT, as in
production), to a real HTTP server in this test that decodes them as a collector would. The
gateway's server span, the service's RPC span and the handler's span must share one trace id,
each a descendant of the one before.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.trace.v1.trace_pb2 import Span as OtlpSpan
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from presscenter.gateway.settings import GatewaySettings
from presscenter.gateway.testing.accounts import ADMIN, sign_in
from presscenter.gateway.testing.live_gateway import live_gateway
from presscenter.gateway.testing.nameko_services import releases_service
from presscenter.gateway.testing.stack import auth_settings_for_tests, service_config
from presscenter.shared.testing.vhosts import amqp_url, fresh_vhost

CONTENT = {"title": "Thông báo lịch tiếp công dân", "body": "Lịch tiếp công dân tháng 3.", "categories": ["admin"]}


@dataclass(frozen=True)
class ExportedSpan:
    service: str
    name: str
    trace_id: str
    span_id: str
    parent_id: str
    kind: int  # OTLP's enum: SPAN_KIND_SERVER = 2, ..._CONSUMER = 5


class OtlpReceiver:
    """An OTLP/HTTP (protobuf) trace endpoint on a free port: `POST /v1/traces`, spans kept in order."""

    def __init__(self) -> None:
        self.spans: list[ExportedSpan] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                request = ExportTraceServiceRequest()
                request.ParseFromString(body)
                receiver._take(request)
                reply = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200 if self.path == "/v1/traces" else 404)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="otlp-receiver", daemon=True)

    def _take(self, request: ExportTraceServiceRequest) -> None:
        found = []
        for resource_spans in request.resource_spans:
            attributes = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    found.append(
                        ExportedSpan(
                            attributes.get("service.name", ""),
                            span.name,
                            span.trace_id.hex(),
                            span.span_id.hex(),
                            span.parent_span_id.hex(),
                            span.kind,
                        )
                    )
        with self._lock:
            self.spans.extend(found)

    def of_trace(self, trace_id: str) -> list[ExportedSpan]:
        with self._lock:
            return [span for span in self.spans if span.trace_id == trace_id]

    def __enter__(self) -> OtlpReceiver:
        self.thread.start()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def collector() -> Iterator[OtlpReceiver]:
    with OtlpReceiver() as receiver:
        yield receiver


def ancestors(span_id: str, parents: dict[str, str]) -> set[str]:
    seen: set[str] = set()
    while span_id in parents and span_id not in seen:
        seen.add(span_id)
        span_id = parents[span_id]
    return seen | {span_id}


def test_one_trace_from_the_http_request_through_rpc_to_the_event_handler(
    tmp_path: Path, embedded_mongo: Any, collector: OtlpReceiver
) -> None:
    gateway_spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(gateway_spans))
    suffix = uuid.uuid4().hex[:10]
    service_environment = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": collector.url,
        "OTEL_BSP_SCHEDULE_DELAY": "100",  # ms: export soon after each span ends
        "OUTBOX_RELAY_INTERVAL": "0.05",
    }
    with fresh_vhost("gateway-trace") as vhost:
        url = amqp_url(vhost)
        settings = GatewaySettings(
            amqp_uri=url, rpc_timeout=5.0, rate_limit_ip_per_second=0, rate_limit_token_per_second=0
        )
        auth = auth_settings_for_tests(embedded_mongo.uri, f"gw_{suffix}")
        with (
            releases_service(
                service_config("releases"),
                url,
                embedded_mongo.uri,
                f"rel_{suffix}",
                tmp_path / "releases.log",
                service_environment,
            ),
            live_gateway(settings, auth, tracer_provider=provider, access_log=False) as gateway,
            httpx.Client(base_url=gateway.url, timeout=10) as http,
        ):
            editor = sign_in(http, ADMIN, {"editor": {"username": "editor.trace", "role": "editor"}})["editor"]
            release = http.post(
                "/v1/releases", json={"unit_code": "so-yte", "content": CONTENT}, headers=editor.headers
            )
            release = release.json()
            for action in ("submit", "approve", "publish"):
                headers = {**editor.headers, "If-Match": f'"{release["revision"]}"'}
                response = http.post(f"/v1/releases/{release['id']}/{action}", headers=headers)
                assert response.status_code == 200, response.text
                release = response.json()

            servers = [
                s for s in gateway_spans.get_finished_spans()
                if s.kind == SpanKind.SERVER and s.name == "POST /v1/releases/{release_id}/publish"
            ]  # fmt: skip
            assert len(servers) == 1, [s.name for s in gateway_spans.get_finished_spans()]
            server = servers[0]
            trace_id = format(server.context.trace_id, "032x")

            def handler_span() -> ExportedSpan | None:
                return next((s for s in collector.of_trace(trace_id) if s.name.endswith("portal_on_published")), None)

            deadline = time.monotonic() + 15
            while handler_span() is None and time.monotonic() < deadline:
                time.sleep(0.1)
            spans = collector.of_trace(trace_id)
            handler = handler_span()
            assert handler is not None, [(s.service, s.name) for s in collector.spans]

    rpc = [
        s
        for s in spans
        if s.service == "releases" and s.name.endswith("publish_now") and s.kind == OtlpSpan.SPAN_KIND_SERVER
    ]
    assert len(rpc) == 1, [(s.name, s.kind) for s in spans]
    assert handler.service == "releases" and handler.kind == OtlpSpan.SPAN_KIND_CONSUMER
    # one chain: gateway server span -> ... -> the service's RPC span -> ... -> the handler's span
    parents = {s.span_id: s.parent_id for s in spans}
    parents.update(
        {
            format(s.context.span_id, "016x"): format(s.parent.span_id, "016x") if s.parent else ""
            for s in gateway_spans.get_finished_spans()
        }
    )
    server_id = format(server.context.span_id, "016x")
    assert server_id in ancestors(rpc[0].span_id, parents)
    assert rpc[0].span_id in ancestors(handler.span_id, parents)
