"""OpenTelemetry for the gateway: one SDK tracer provider per process, FastAPI instrumentation.

The server span of each HTTP request is the current span while the route runs, so the RPC client's
span is its child and the `nameko.traceparent` header it sends continues the same trace into the
service. Spans are exported over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set; otherwise they
are not recorded either, but still get real ids, so the context propagates
(`presscenter.shared.tracer_provider`). Query parameters
that look like credentials (`access_token=`, `api_key=`, `signature=` ...) are masked in the URL
attributes of server spans: browsers' EventSource can only send a token that way.

The server span is named `METHOD /route/{template}` with its `http.route` attribute, as
opentelemetry-instrumentation-fastapi names it, but after routing: the instrumentation finds the
route before the request by matching the path against every route of the app in turn (a tenth of
the gateway's own CPU per request with this many routes); the span starts as `METHOD` and
`edge.RequestEdgeMiddleware` renames it from the route Starlette matched (`scope["route"]`). The
instrumentation's middleware is wrapped in `server_span.LeanServerSpan`, which makes the same span
and metrics with less work per request, and only the span's context while spans are not recorded.
The instrumentation's HTTP metrics are not collected (a no-op meter provider): the gateway's
metrics are Prometheus, at `/metrics`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.util.http import sanitize_method
from starlette.types import ASGIApp, Scope

from presscenter.gateway.server_span import LeanServerSpan
from presscenter.gateway.settings import GatewaySettings
from presscenter.shared.redaction import REDACTED
from presscenter.shared.tracer_provider import ProcessTracerProvider, build_tracer_provider

UNTRACED_URLS = "/healthz,/readyz,/metrics"

_lock = threading.Lock()
# `access_token`, `api_key`, `X-Amz-Signature`, `code` (OAuth) ...; not `keyword`, `unit_code`.
_SECRET_PARAMETER = re.compile(
    r"(?i)(?:^|[_.-])(?:token|key|apikey|secret|password|passwd|signature|sig|auth|authorization|session)$|^code$"
)
_URL_ATTRIBUTES = ("http.url", "url.full")


def process_tracer_provider(settings: GatewaySettings) -> TracerProvider:
    """The process's SDK provider, installed globally on first use (OpenTelemetry allows one)."""
    with _lock:
        current = trace.get_tracer_provider()
        if isinstance(current, TracerProvider):
            return current
        provider = build_tracer_provider(settings.otel_service_name, settings.otel_exporter_otlp_endpoint)
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


def method_of(scope: Scope) -> str:
    method = sanitize_method(str(scope.get("method", "")).strip())
    return "HTTP" if method == "_OTHER" else method


def span_details_before_routing(scope: Scope) -> tuple[str, dict[str, str]]:
    """The server span's name when it starts: the method alone (the route is not known yet)."""
    return method_of(scope), {}


def matched_route(scope: Scope) -> str | None:
    """The path template of the route Starlette matched (`/v1/releases/{release_id}`), if any."""
    route = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return str(path) if path else None


def records_spans_of(provider: trace.TracerProvider) -> Callable[[], bool]:
    """Whether `provider` records spans now: a `ProcessTracerProvider` says so (it starts recording
    once a span processor is added); any other provider is taken to record."""
    if isinstance(provider, ProcessTracerProvider):
        return lambda: provider.records_spans
    return lambda: True


def instrument_app(app: FastAPI, tracer_provider: trace.TracerProvider) -> None:
    """Server spans for every request but the probes and /metrics; no per-chunk send/receive spans;
    each span named after its route once routed (by `edge.RequestEdgeMiddleware`, see the module's docstring)."""
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=tracer_provider,
        # The gateway's metrics are Prometheus (`/metrics`); the instrumentation's own go nowhere.
        meter_provider=NoOpMeterProvider(),
        excluded_urls=UNTRACED_URLS,
        exclude_spans=["receive", "send"],
        server_request_hook=scrub_query_attributes,
    )
    build_instrumented_stack = app.build_middleware_stack

    def build_middleware_stack() -> ASGIApp:
        stack = build_instrumented_stack()
        # ServerErrorMiddleware(OpenTelemetryMiddleware(...)); another shape (a new instrumentation
        # release) keeps the instrumentation's own route lookup: slower, the same spans.
        server_span = getattr(stack, "app", None)
        if isinstance(server_span, OpenTelemetryMiddleware):
            server_span.default_span_details = span_details_before_routing
            stack.app = LeanServerSpan(server_span, records_spans_of(tracer_provider))  # type: ignore[attr-defined]
        return stack

    app.build_middleware_stack = build_middleware_stack  # type: ignore[method-assign]
