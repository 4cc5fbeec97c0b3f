"""Spans without credentials: one redacting exporter for every process that exports traces.

nameko's instrumentation records the broker URI (password included) and HTTP spans may carry
credentials in query strings; every exporter is wrapped in `RedactingSpanExporter`, which
rewrites every string a span carries (name, attributes, event and link attributes, status)
through `presscenter.shared.redaction.redact`. No nameko here: the gateway uses it too.
"""

from __future__ import annotations

from collections.abc import Sequence

from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.trace import Link, Status
from opentelemetry.util.types import Attributes, AttributeValue

from presscenter.shared.redaction import redact


def _redact_value(value: AttributeValue) -> AttributeValue:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Sequence) and not isinstance(value, bytes) and any(isinstance(v, str) for v in value):
        return tuple(redact(v) if isinstance(v, str) else v for v in value)  # type: ignore[return-value]
    return value


def redact_attributes(attributes: Attributes) -> dict[str, AttributeValue]:
    """A copy of `attributes` with every string value (and string in a sequence) redacted."""
    return {key: _redact_value(value) for key, value in (attributes or {}).items()}


def redact_span(span: ReadableSpan) -> ReadableSpan:
    """A copy of `span` whose name, attributes, events, links and status carry no credentials."""
    status = span.status
    if status.description:
        status = Status(status.status_code, redact(status.description))
    return ReadableSpan(
        name=redact(span.name),
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=redact_attributes(span.attributes),
        events=[
            Event(event.name, redact_attributes(event.attributes), timestamp=event.timestamp) for event in span.events
        ],
        links=[Link(link.context, redact_attributes(link.attributes)) for link in span.links],
        kind=span.kind,
        status=status,
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


class RedactingSpanExporter(SpanExporter):
    """Wraps an exporter: spans reach it only after `redact_span`."""

    def __init__(self, inner: SpanExporter) -> None:
        self.inner = inner

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return self.inner.export([redact_span(span) for span in spans])

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return self.inner.force_flush(timeout_millis)
