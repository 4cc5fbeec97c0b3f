"""The OpenTelemetry SDK tracer provider of every process (services and gateway), free of nameko.

Spans are exported over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, redacted on the way
out (`span_redaction`). A process that exports nowhere does not *record* spans either: recording
a span (attributes, events, timing) costs CPU on every RPC, event and request, and an SDK provider
with no span processor throws each one away when it ends. Such a process still gives every span
real ids and propagates the trace context (its new traces are marked not sampled, W3C
`traceparent` flag 00), as OpenTelemetry's no-op API does. The moment a span processor is added —
an OTLP export, or a test's in-memory exporter — spans are recorded by the configured sampler.

An operator's explicit `OTEL_TRACES_SAMPLER` is obeyed as the SDK reads it, exporter or not.
Set the endpoint on every process of a deployment or on none: a process that exports nothing
marks the traces it starts as not sampled, and the next process respects that.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.environment_variables import OTEL_TRACES_SAMPLER
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import (
    DEFAULT_ON,
    Decision,
    Sampler,
    SamplingResult,
)
from opentelemetry.trace import Link, SpanKind, get_current_span
from opentelemetry.trace.span import TraceState
from opentelemetry.util.types import Attributes

from presscenter.shared.span_redaction import RedactingSpanExporter

OTLP_TRACES_PATH = "/v1/traces"


def otlp_span_exporter(endpoint: str | None) -> OTLPSpanExporter | None:
    """The OTLP/HTTP exporter for a generic OTLP endpoint, or None when it is unset or blank.

    As the OpenTelemetry spec says for the generic endpoint variable, `/v1/traces` is appended.
    """
    endpoint = (endpoint or "").strip()
    if not endpoint:
        return None
    return OTLPSpanExporter(endpoint=endpoint.rstrip("/") + OTLP_TRACES_PATH)


class RecordWhileExporting(Sampler):
    """`inner`'s decisions once `exporting` is set; until then DROP (ids kept, nothing recorded)."""

    def __init__(self, inner: Sampler) -> None:
        self.inner = inner
        self.exporting = False

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        if self.exporting:
            return self.inner.should_sample(parent_context, trace_id, name, kind, attributes, links, trace_state)
        parent = get_current_span(parent_context).get_span_context()
        return SamplingResult(Decision.DROP, None, parent.trace_state if parent.is_valid else None)

    def get_description(self) -> str:
        return f"RecordWhileExporting{{{self.inner.get_description()}}}"


class ProcessTracerProvider(TracerProvider):
    """An SDK provider that records spans only once it has a span processor to hand them to."""

    def __init__(self, service_name: str, **kwargs: Any) -> None:
        self._gate: RecordWhileExporting | None = None
        if not os.environ.get(OTEL_TRACES_SAMPLER, "").strip():
            self._gate = RecordWhileExporting(DEFAULT_ON)
            kwargs["sampler"] = self._gate
        super().__init__(resource=Resource.create({SERVICE_NAME: service_name}), **kwargs)

    @property
    def records_spans(self) -> bool:
        """Whether spans are recorded now (by the sampler's decision) rather than dropped."""
        return self._gate is None or self._gate.exporting

    def add_span_processor(self, span_processor: SpanProcessor) -> None:
        super().add_span_processor(span_processor)
        if self._gate is not None:
            self._gate.exporting = True


def build_tracer_provider(service_name: str, otlp_endpoint: str | None) -> ProcessTracerProvider:
    """A provider with resource `service.name`; when an endpoint is set, a batching redacted OTLP export."""
    provider = ProcessTracerProvider(service_name)
    exporter = otlp_span_exporter(otlp_endpoint)
    if exporter is not None:
        provider.add_span_processor(BatchSpanProcessor(RedactingSpanExporter(exporter)))
    return provider
