"""Tracing: one trace across an RPC and the event handler it triggers, and no credentials anywhere.

The nameko services run on a fresh vhost of the real broker; spans are collected in memory.
"""

from __future__ import annotations

import io
import logging
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from nameko.events import EventDispatcher, event_handler
from nameko.rpc import rpc
from nameko.standalone.rpc import ClusterRpcClient
from nameko.testing.services import entrypoint_waiter
from nameko.testing.utils import get_container
from nameko_opentelemetry import NamekoInstrumentor
from opentelemetry import propagate, trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Link, SpanKind, Status, StatusCode

from presscenter.shared.events import EventEnvelope, build_event
from presscenter.shared.logging_setup import RedactedStderrHandler, configure_logging
from presscenter.shared.plumbing.consuming import handle_event
from presscenter.shared.plumbing.mongo import Mongo
from presscenter.shared.plumbing.tracing import RedactingSpanExporter, Tracing, setup_tracing
from presscenter.shared.settings import ServiceSettings
from presscenter.shared.tracer_provider import build_tracer_provider, otlp_span_exporter

SECRET_URI = "amqp://u:s3cret@h/"


class OriginSettings(ServiceSettings):
    service_name = "releases"


class ListenerSettings(ServiceSettings):
    service_name = "listener"


class OriginService:
    """Named after a catalog channel, so that its dispatcher publishes on `releases.events`."""

    name = "releases"
    tracer = Tracing(OriginSettings)
    dispatch = EventDispatcher()

    @rpc
    def lift(self, release_id: str) -> str:
        with self.tracer.start_as_current_span("releases.build_event"):
            event = build_event(
                "embargo_lifted",
                {"release_id": release_id, "version": 1, "embargoed_until": "2030-01-01T08:00:00Z"},
                source="releases",
            )
            self.dispatch(event.type, event.to_message())
        return release_id


class ListenerService:
    name = "listener"
    db = Mongo(ListenerSettings)
    tracer = Tracing(ListenerSettings)

    @event_handler("releases", "embargo_lifted")
    def on_lifted_plain(self, message: dict[str, Any]) -> str:
        return str(message["payload"]["release_id"])

    @handle_event("releases", "embargo_lifted")
    def on_lifted(self, event: EventEnvelope[Any]) -> str:
        return str(event.payload.release_id)


@pytest.fixture(scope="module")
def exporter() -> Iterator[InMemorySpanExporter]:
    """The redacted in-memory exporter attached to this process's provider."""
    memory = InMemorySpanExporter()
    setup_tracing("presscenter-tests", ServiceSettings(), exporter=memory)
    yield memory
    memory.shutdown()


@pytest.fixture
def raw_exporter(exporter: InMemorySpanExporter) -> Iterator[InMemorySpanExporter]:
    """An exporter attached WITHOUT redaction: shows what the instrumentation itself records."""
    memory = InMemorySpanExporter()
    provider = trace.get_tracer_provider()
    assert isinstance(provider, TracerProvider)
    provider.add_span_processor(SimpleSpanProcessor(memory))
    yield memory
    memory.shutdown()


def every_string(span: ReadableSpan) -> list[str]:
    """Every string a span carries to a backend: name, status, attributes of span, events, links."""
    values: list[Any] = [span.name, span.status.description or ""]
    attribute_sets = [span.attributes, span.resource.attributes]
    attribute_sets += [event.attributes for event in span.events] + [link.attributes for link in span.links]
    for attributes in attribute_sets:
        for key, value in (attributes or {}).items():
            values += [key, *(value if isinstance(value, tuple | list) else [value])]
    return [str(v) for v in values]


def wait_for_spans(exporter: InMemorySpanExporter, names: set[str], timeout: float = 5.0) -> dict[str, ReadableSpan]:
    deadline = time.monotonic() + timeout
    while True:
        spans = {s.name: s for s in exporter.get_finished_spans()}
        if names <= spans.keys() or time.monotonic() > deadline:
            return spans
        time.sleep(0.02)


def test_one_trace_spans_the_rpc_and_the_event_handlers_it_triggers(
    exporter: InMemorySpanExporter,
    raw_exporter: InMemorySpanExporter,
    runner_factory: Any,
    service_config: dict[str, Any],
) -> None:
    amqp_uri = service_config["AMQP_URI"]
    assert ":guest@" in amqp_uri  # the vhost URI carries the password `guest`
    exporter.clear()
    runner = runner_factory(service_config, OriginService, ListenerService)
    runner.start()
    listener = get_container(runner, ListenerService)

    with (
        entrypoint_waiter(listener, "on_lifted_plain", timeout=10) as plain,
        entrypoint_waiter(listener, "on_lifted", timeout=10) as safe,
        ClusterRpcClient() as client,
    ):
        assert client.releases.lift("R-1") == "R-1"
    assert plain.get() == safe.get() == "R-1"

    names = {
        "RPC to releases.lift",
        "releases.lift",
        "releases.build_event",
        "Dispatch event releases.embargo_lifted",
        "listener.on_lifted_plain",
        "listener.on_lifted",
    }
    spans = wait_for_spans(exporter, names)
    assert names <= spans.keys(), sorted(spans)
    # instrumented once, although several callers set tracing up: one span per step
    assert sorted(s.name for s in exporter.get_finished_spans()) == sorted(names)

    client_span, server = spans["RPC to releases.lift"], spans["releases.lift"]
    custom, dispatch = spans["releases.build_event"], spans["Dispatch event releases.embargo_lifted"]
    handlers = [spans["listener.on_lifted_plain"], spans["listener.on_lifted"]]
    assert [s.kind for s in (client_span, server, dispatch, *handlers)] == [
        SpanKind.CLIENT,
        SpanKind.SERVER,
        SpanKind.PRODUCER,
        SpanKind.CONSUMER,
        SpanKind.CONSUMER,
    ]
    assert len({s.context.trace_id for s in spans.values()}) == 1
    assert client_span.parent is None
    assert server.parent.span_id == client_span.context.span_id
    assert custom.parent.span_id == server.context.span_id
    assert dispatch.parent.span_id == custom.context.span_id
    assert all(h.parent.span_id == dispatch.context.span_id for h in handlers)

    # the instrumentation records the broker URI with its password ...
    raw = [v for s in raw_exporter.get_finished_spans() for v in every_string(s)]
    assert any(":guest@" in v for v in raw), "expected nameko.amqp.amqp_uri with the password in raw spans"
    # ... and the redacting exporter is what keeps it out of every exported string
    exported = [v for s in exporter.get_finished_spans() for v in every_string(s)]
    assert not [v for v in exported if ":guest@" in v or "guest:guest" in v or amqp_uri in v]
    assert server.attributes["nameko.amqp.amqp_uri"].startswith("pyamqp://guest:***@")


def test_setup_is_idempotent_and_instruments_nameko_once(exporter: InMemorySpanExporter) -> None:
    first = setup_tracing("presscenter-tests", ServiceSettings(), exporter=exporter)
    assert setup_tracing("other", ServiceSettings()) is first is trace.get_tracer_provider()
    assert NamekoInstrumentor().is_instrumented_by_opentelemetry


def test_redacting_exporter_scrubs_attributes_events_links_and_status() -> None:
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(RedactingSpanExporter(memory)))
    tracer = provider.get_tracer("test")
    linked = tracer.start_span("linked")
    linked.end()
    with tracer.start_as_current_span(
        f"connect {SECRET_URI}",
        links=[Link(linked.get_span_context(), {"peer": SECRET_URI})],
        record_exception=False,
        set_status_on_exception=False,
    ) as span:
        span.set_attribute("nameko.amqp.amqp_uri", SECRET_URI)
        span.set_attribute("uris", [SECRET_URI, "plain"])
        span.set_attribute("count", 3)
        span.add_event("retry", {"uri": SECRET_URI, "note": "password=s3cret"})
        span.record_exception(ConnectionError(f"cannot reach {SECRET_URI}"))
        span.set_status(Status(StatusCode.ERROR, f"ConnectionError: {SECRET_URI}"))

    exported = memory.get_finished_spans()[-1]
    assert not [v for v in every_string(exported) if "s3cret" in v]
    assert exported.name == "connect amqp://u:***@h/"
    assert exported.attributes["nameko.amqp.amqp_uri"] == "amqp://u:***@h/"
    assert exported.attributes["uris"] == ("amqp://u:***@h/", "plain")
    assert exported.attributes["count"] == 3
    assert exported.events[0].attributes == {"uri": "amqp://u:***@h/", "note": "password=***"}
    assert "amqp://u:***@h/" in exported.events[1].attributes["exception.message"]
    assert exported.links[0].attributes == {"peer": "amqp://u:***@h/"}
    assert exported.status.description == "ConnectionError: amqp://u:***@h/"
    assert exported.context == span.get_span_context()


class _Collector(BaseHTTPRequestHandler):
    received: list[tuple[str, bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, body))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def collector() -> Iterator[str]:
    """A local HTTP server standing in for an OTLP collector."""
    _Collector.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_otlp_export_only_when_an_endpoint_is_set_and_redacted(collector: str) -> None:
    assert otlp_span_exporter(ServiceSettings().otel_exporter_otlp_endpoint) is None
    assert otlp_span_exporter("  ") is None

    provider = build_tracer_provider("releases", collector + "/")
    assert provider.records_spans
    assert provider.resource.attributes["service.name"] == "releases"
    with provider.get_tracer("test").start_as_current_span("publish") as span:
        span.set_attribute("nameko.amqp.amqp_uri", SECRET_URI)
    assert provider.force_flush(10_000)
    provider.shutdown()

    assert [path for path, _ in _Collector.received] == ["/v1/traces"]
    body = _Collector.received[0][1]
    assert b"releases" in body and b"amqp://u:***@h/" in body
    assert b"s3cret" not in body


def test_a_process_exporting_nowhere_records_nothing_but_still_propagates_the_context(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OTEL_TRACES_SAMPLER", raising=False)
    provider = build_tracer_provider("releases", None)
    assert not provider.records_spans
    tracer = provider.get_tracer("test")
    incoming = {"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}
    with tracer.start_as_current_span("handle", context=propagate.extract(incoming)) as span:
        assert not span.is_recording()
        assert span.get_span_context().trace_id == 0x4BF92F3577B34DA6A3CE929D0E0E4736
        assert span.get_span_context().span_id != 0x00F067AA0BA902B7  # a span of its own
        outgoing: dict[str, str] = {}
        propagate.inject(outgoing)
    assert outgoing["traceparent"].startswith("00-4bf92f3577b34da6a3ce929d0e0e4736-")
    with tracer.start_as_current_span("root") as root:  # a new trace still gets real ids
        assert root.get_span_context().is_valid and not root.is_recording()

    # a processor to hand spans to (a test's, or an export added later): recorded from then on
    memory = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    assert provider.records_spans
    with tracer.start_as_current_span("handle", context=propagate.extract(incoming)) as span:
        assert span.is_recording()
    [finished] = memory.get_finished_spans()
    assert finished.context.trace_id == 0x4BF92F3577B34DA6A3CE929D0E0E4736
    assert finished.parent is not None and finished.parent.span_id == 0x00F067AA0BA902B7


def test_an_explicit_sampler_setting_is_obeyed_exporter_or_not(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "always_on")
    provider = build_tracer_provider("releases", None)
    assert provider.records_spans
    with provider.get_tracer("test").start_as_current_span("root") as span:
        assert span.is_recording()


def test_configure_logging_redacts_messages_and_tracebacks() -> None:
    configure_logging("INFO")
    configure_logging("INFO")
    root = logging.getLogger()
    handlers = [h for h in root.handlers if isinstance(h, RedactedStderrHandler)]
    assert len(handlers) == 1
    stream = io.StringIO()
    handler = handlers[0]
    previous = handler.setStream(stream)
    try:
        log = logging.getLogger("presscenter.test")
        log.info("connecting to %s", SECRET_URI)
        try:
            raise ConnectionError(f"refused by {SECRET_URI}")
        except ConnectionError:
            log.exception("broker down")
    finally:
        handler.setStream(previous)
        root.removeHandler(handler)
    output = stream.getvalue()
    assert "connecting to amqp://u:***@h/" in output
    assert "ConnectionError: refused by amqp://u:***@h/" in output
    assert "s3cret" not in output
