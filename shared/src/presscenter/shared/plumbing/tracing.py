"""OpenTelemetry tracing for nameko services, with credentials scrubbed before any export.

One SDK `TracerProvider` per process (OpenTelemetry allows the global provider to be set once).
It exports over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set and nowhere otherwise, and
records spans only while something exports them (`tracer_provider`).
`opentelemetry-instrumentation-nameko` creates the spans: RPC calls and entrypoints, event
dispatch and handling, HTTP entrypoints, with the trace context carried in `nameko.*` headers.
That instrumentation records `nameko.amqp.amqp_uri` (broker password included), so every
exporter is wrapped in `RedactingSpanExporter`, which rewrites every string the span carries
(name, attributes, event and link attributes, status) through `redaction.redact`.
"""

from __future__ import annotations

import threading
from typing import Any

from nameko.extensions import DependencyProvider
from nameko_opentelemetry import NamekoInstrumentor
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter

from presscenter.shared.settings import ServiceSettings
from presscenter.shared.span_redaction import RedactingSpanExporter
from presscenter.shared.tracer_provider import build_tracer_provider

_lock = threading.Lock()
_attached: list[SpanExporter] = []


def setup_tracing(service_name: str, settings: ServiceSettings, exporter: SpanExporter | None = None) -> TracerProvider:
    """Configure this process's tracing once and instrument nameko; safe to call again.

    The first call installs the global provider (resource `service.name` = `service_name`, OTLP
    export when configured). `exporter` (tests pass an `InMemorySpanExporter`) is attached,
    redacted and synchronous, to the process's provider, once per exporter object.
    """
    with _lock:
        current = trace.get_tracer_provider()
        if isinstance(current, TracerProvider):
            provider = current
        else:
            provider = build_tracer_provider(service_name, settings.otel_exporter_otlp_endpoint)
            trace.set_tracer_provider(provider)
        if exporter is not None and not any(e is exporter for e in _attached):
            provider.add_span_processor(SimpleSpanProcessor(RedactingSpanExporter(exporter)))
            _attached.append(exporter)
        instrumentor = NamekoInstrumentor()
        if not instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.instrument()
        return provider


class Tracing(DependencyProvider):
    """Declare on a service to trace it: sets up tracing once per process at container setup.

    Injects an OpenTelemetry `Tracer` named after the service, for spans of its own.
    """

    def __init__(self, settings_cls: type[ServiceSettings]) -> None:
        self.settings_cls = settings_cls
        self.tracer: trace.Tracer | None = None

    def setup(self) -> None:
        settings = self.settings_cls.load()
        provider = setup_tracing(settings.service_name, settings)
        self.tracer = provider.get_tracer(f"presscenter.{settings.service_name}")

    def get_dependency(self, worker_ctx: Any) -> trace.Tracer:
        assert self.tracer is not None, "Tracing dependency used before setup"
        return self.tracer
