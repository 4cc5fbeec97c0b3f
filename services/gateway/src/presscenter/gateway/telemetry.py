"""OpenTelemetry for the gateway: one SDK tracer provider per process, FastAPI instrumentation.

The server span of each HTTP request is the current span while the route runs, so the RPC client's
span is its child and the `nameko.traceparent` header it sends continues the same trace into the
service. Spans are exported over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set, nowhere
otherwise (the SDK still gives every span real ids, so the context propagates). Query parameters
that look like credentials (`access_token=`, `api_key=`, `signature=` ...) are masked in the URL
attributes of server spans: browsers' EventSource can only send a token that way.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from presscenter.gateway.settings import GatewaySettings
from presscenter.shared.redaction import REDACTED
from presscenter.shared.span_redaction import RedactingSpanExporter

OTLP_TRACES_PATH = "/v1/traces"
UNTRACED_URLS = "/healthz,/readyz,/metrics"

_lock = threading.Lock()
# `access_token`, `api_key`, `X-Amz-Signature`, `code` (OAuth) ...; not `keyword`, `unit_code`.
_SECRET_PARAMETER = re.compile(
    r"(?i)(?:^|[_.-])(?:token|key|apikey|secret|password|passwd|signature|sig|auth|authorization|session)$|^code$"
)
_URL_ATTRIBUTES = ("http.url", "url.full")


def build_tracer_provider(settings: GatewaySettings) -> TracerProvider:
    """A provider with resource `service.name` and, when configured, a batching OTLP/HTTP export."""
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: settings.otel_service_name}))
    endpoint = (settings.otel_exporter_otlp_endpoint or "").strip()
    if endpoint:
        exporter = OTLPSpanExporter(endpoint=endpoint.rstrip("/") + OTLP_TRACES_PATH)
        provider.add_span_processor(BatchSpanProcessor(RedactingSpanExporter(exporter)))
    return provider


def process_tracer_provider(settings: GatewaySettings) -> TracerProvider:
    """The process's SDK provider, installed globally on first use (OpenTelemetry allows one)."""
    with _lock:
        current = trace.get_tracer_provider()
        if isinstance(current, TracerProvider):
            return current
        provider = build_tracer_provider(settings)
        trace.set_tracer_provider(provider)
        return provider


def mask_query(query: str) -> str:
    """`a=1&access_token=x` -> `a=1&access_token=***`: values of credential-like parameters hidden."""
    parts = []
    for part in query.split("&"):
        name, sep, _ = part.partition("=")
        parts.append(f"{name}={REDACTED}" if sep and _SECRET_PARAMETER.search(name) else part)
    return "&".join(parts)


def mask_url(url: str) -> str:
    base, mark, query = url.partition("?")
    return f"{base}?{mask_query(query)}" if mark else url


def scrub_query_attributes(span: Any, scope: dict[str, Any]) -> None:
    """Server request hook: rewrite the URL attributes of a request that has a query string."""
    if not scope.get("query_string") or not span.is_recording():
        return
    attributes = getattr(span, "attributes", None) or {}
    for key in _URL_ATTRIBUTES:
        if isinstance(value := attributes.get(key), str):
            span.set_attribute(key, mask_url(value))
    if isinstance(value := attributes.get("url.query"), str):
        span.set_attribute("url.query", mask_query(value))


def instrument_app(app: FastAPI, tracer_provider: trace.TracerProvider) -> None:
    """Server spans for every request but the probes and /metrics; no per-chunk send/receive spans."""
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=tracer_provider,
        excluded_urls=UNTRACED_URLS,
        exclude_spans=["receive", "send"],
        server_request_hook=scrub_query_attributes,
    )
