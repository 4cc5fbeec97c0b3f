"""The HTTP server span of opentelemetry-instrumentation-asgi's `OpenTelemetryMiddleware`, made with
less work per request.

The instrumentation's middleware spends about a fifth of the gateway's own CPU per read on work
that does not change its span: it sets every request attribute a second time after starting the
span with them, activates the span through a generator-based context manager, builds a `send`
wrapper with `functools.wraps` per request, and per message looks for a response propagator,
decodes every response header and computes attributes for metrics it does not record.
`LeanServerSpan` wraps the instrumented middleware and, for HTTP requests in the configuration
the gateway runs (the default semantic conventions, no captured headers, no `send`/`receive`
spans, no response propagator), makes the same span (name, kind, parent, attributes, status,
exception event, end) and records the same metrics with the instrumentation's own helpers;
anything else goes to the instrumented middleware as it is. One difference, a fix: the response
size is this request's own Content-Length. The instrumentation keeps it on the middleware, which
every request shares, so a response without one (the live stream) recorded the size of whichever
response came before it, and concurrent requests recorded each other's.
"""

from __future__ import annotations

from collections.abc import Callable
from timeit import default_timer as otel_timer  # the instrumentation's clock

from opentelemetry import context, trace
from opentelemetry.instrumentation._semconv import _set_http_target as set_http_target
from opentelemetry.instrumentation._semconv import _StabilityMode
from opentelemetry.instrumentation.asgi import (
    OpenTelemetryMiddleware,
    _parse_active_request_count_attrs,
    _parse_duration_attrs,
    asgi_getter,
    collect_request_attributes,
    get_host_port_url_tuple,
    set_status_code,
)
from opentelemetry.instrumentation.asgi import _collect_target_attribute as collect_target_attribute
from opentelemetry.instrumentation.propagators import get_global_response_propagator
from opentelemetry.instrumentation.utils import _start_internal_or_server_span, is_http_instrumentation_enabled
from opentelemetry.propagate import extract
from opentelemetry.semconv._incubating.attributes.http_attributes import HTTP_TARGET
from opentelemetry.trace import SpanKind, Status, StatusCode, set_span_in_context
from opentelemetry.util.http import _parse_url_query
from starlette.types import Message, Receive, Scope, Send

DEFAULT_MODE = _StabilityMode.DEFAULT


def content_length(message: Message) -> int | None:
    """The response's Content-Length as the instrumentation reads it (the first such header), if any."""
    for name, value in message.get("headers") or ():
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class LeanServerSpan:
    """`instrumented`'s server span and metrics, for HTTP requests in the gateway's configuration."""

    def __init__(self, instrumented: OpenTelemetryMiddleware, records_spans: Callable[[], bool] = lambda: True) -> None:
        """`records_spans`: whether the tracer provider records spans now (see `_unrecorded`)."""
        self.instrumented = instrumented
        self.records_spans = records_spans
        self.app = instrumented.app
        self.lean = (
            instrumented._sem_conv_opt_in_mode is DEFAULT_MODE
            and not instrumented.http_capture_headers_server_request
            and not instrumented.http_capture_headers_server_response
            and instrumented.exclude_receive_span
            and instrumented.exclude_send_span
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.lean or scope["type"] != "http" or get_global_response_propagator() is not None:
            await self.instrumented(scope, receive, send)
            return
        otel = self.instrumented
        start = otel_timer()
        if not is_http_instrumentation_enabled():
            await self.app(scope, receive, send)
            return
        _, _, url = get_host_port_url_tuple(scope)
        if otel.excluded_urls and otel.excluded_urls.url_disabled(url):
            await self.app(scope, receive, send)
            return
        if not self.records_spans():
            await self._unrecorded(scope, receive, send)
            return
        span_name, additional_attributes = otel.default_span_details(scope)
        attributes = collect_request_attributes(scope, DEFAULT_MODE)
        attributes.update(additional_attributes)
        # Started with `attributes`: the instrumentation sets them all again, to the same values.
        span, token = _start_internal_or_server_span(
            tracer=otel.tracer,
            span_name=span_name,
            start_time=None,
            context_carrier=scope,
            context_getter=asgi_getter,
            attributes=attributes,
        )
        active_requests_attributes = _parse_active_request_count_attrs(attributes, DEFAULT_MODE)
        otel.active_requests_counter.add(1, active_requests_attributes)
        response_length: int | None = None

        async def span_send(message: Message) -> None:
            nonlocal response_length
            if message["type"] == "http.response.start" and message["status"]:
                # the status code also goes into `attributes`, the metrics' attributes
                set_status_code(span, message["status"], attributes, DEFAULT_MODE)
            length = content_length(message)
            if length is not None:
                response_length = length
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                span.end()

        try:
            span_token = context.attach(set_span_in_context(span))  # what `trace.use_span` does
            try:
                if otel.server_request_hook is not None:
                    otel.server_request_hook(span, scope)
                await self.app(scope, receive, span_send)
            except Exception as exc:  # recorded as `trace.use_span` records it
                if isinstance(span, trace.Span) and span.is_recording():
                    span.record_exception(exc)
                    span.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}"))
                raise
            finally:
                context.detach(span_token)
        finally:
            duration_s = otel_timer() - start
            self._record_metrics(scope, span, attributes, active_requests_attributes, duration_s, response_length)
            if token:
                context.detach(token)
            if span.is_recording():
                span.end()

    async def _unrecorded(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The request in a server span that is not recorded, made without the work of a recorded one.

        With no span processor the provider drops every span (`presscenter.shared.tracer_provider`),
        and the gateway sets no meter provider for the instrumentation's metrics (`telemetry`): the
        attributes, the status, the `send` wrapper and the metrics would all go nowhere. What counts
        is kept: the span continues the caller's trace (`traceparent`) or starts a new one, with ids,
        and is current while the route runs, so the RPC calls it makes carry the trace on."""
        parent = extract(scope, getter=asgi_getter)
        span = self.instrumented.tracer.start_span("HTTP", context=parent, kind=SpanKind.SERVER)
        token = context.attach(set_span_in_context(span, parent))
        try:
            await self.app(scope, receive, send)
        finally:
            context.detach(token)
            span.end()

    def _record_metrics(
        self,
        scope: Scope,
        span: trace.Span,
        attributes: dict[str, object],
        active_requests_attributes: dict[str, object],
        duration_s: float,
        response_length: int | None,
    ) -> None:
        """The instrumentation's metrics of a finished request, in the default semantic conventions."""
        otel = self.instrumented
        target = collect_target_attribute(scope)
        if target:
            path, query = _parse_url_query(target)
            set_http_target(attributes, target, path, query, DEFAULT_MODE)
        duration_attributes = _parse_duration_attrs(attributes, DEFAULT_MODE)
        if target:
            duration_attributes[HTTP_TARGET] = target
        span_context = set_span_in_context(span)
        if otel.duration_histogram_old:
            otel.duration_histogram_old.record(
                max(round(duration_s * 1000), 0), duration_attributes, context=span_context
            )
        otel.active_requests_counter.add(-1, active_requests_attributes)
        if response_length and otel.server_response_size_histogram:
            otel.server_response_size_histogram.record(response_length, duration_attributes, context=span_context)
        request_size = asgi_getter.get(scope, "content-length")
        if request_size and otel.server_request_size_histogram:
            try:
                amount = int(request_size[0])
            except ValueError:
                return
            otel.server_request_size_histogram.record(amount, duration_attributes, context=span_context)
