"""The gateway's own middleware, as two pure ASGI layers (each layer costs a call and a `send`
wrapper per request; these used to be six).

- `RequestEdgeMiddleware`, outermost of the two: the request id (accepted or made, in
  `scope["state"]`, the context variable and the `X-Request-ID` response header), the Prometheus
  HTTP metrics (by method, route template and status) and the server span's name after routing.
- `RequestGuardMiddleware`, innermost, inside CORS (so its answers carry CORS headers): rate limits
  (429), the body size limit (413), and an exception no handler took as a logged 500 problem.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from opentelemetry import trace
from opentelemetry.semconv.attributes.http_attributes import HTTP_ROUTE
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from presscenter.gateway.body_limit import BodyTooLarge, refuse_body
from presscenter.gateway.metrics import GatewayMetrics, route_template
from presscenter.gateway.problems import log as problems_log
from presscenter.gateway.problems import problem_response, problem_type
from presscenter.gateway.rate_limit import EXEMPT_PATHS, RateLimiter, client_address, credential_key
from presscenter.gateway.request_context import (
    REQUEST_ID_HEADER,
    accept_request_id,
    request_id_of,
    reset_request_id,
    set_request_id,
)
from presscenter.gateway.telemetry import matched_route, method_of


def name_server_span(span: trace.Span, scope: Scope) -> None:
    """`GET /v1/releases/{release_id}` and `http.route`, from the route Starlette matched (if any)."""
    route = matched_route(scope)
    if route is not None and span.is_recording():
        span.update_name(f"{method_of(scope)} {route}")
        span.set_attribute(HTTP_ROUTE, route)


class RequestEdgeMiddleware:
    """Request id, HTTP metrics and the server span's route name, in one layer.

    The span is named when the response starts (it ends with the response's last chunk), or when
    an error leaves the app before any response (the 500 is sent further out)."""

    def __init__(self, app: ASGIApp, metrics: GatewayMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        span = trace.get_current_span()
        request_id = accept_request_id(Headers(scope=scope).get(REQUEST_ID_HEADER))
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500
        named = False

        async def edge_send(message: Message) -> None:
            nonlocal status, named
            if message["type"] == "http.response.start":
                if not named:
                    named = True
                    name_server_span(span, scope)
                status = int(message["status"])
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        in_flight = self.metrics.http_in_flight
        in_flight.inc()
        token = set_request_id(request_id)
        try:
            await self.app(scope, receive, edge_send)
        finally:
            reset_request_id(token)
            in_flight.dec()
            self.metrics.observe_http(scope["method"], route_template(scope), status, time.perf_counter() - start)
            if not named:
                name_server_span(span, scope)


class RequestGuardMiddleware:
    """Rate limits, the body size limit and the last-resort 500, in one layer.

    Rate limits: 429 problem with Retry-After when the address's or the credential's bucket is
    empty (probes and /metrics exempt). Bodies over `max_bytes` are refused with a 413 problem: a
    declared Content-Length before the body is read, a streamed body as it arrives (paths under
    `exempt_prefixes` stream bodies with their own cap). An exception no handler took becomes a
    logged 500 problem, unless the response had started."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        exempt_prefixes: tuple[str, ...] = (),
        per_address: RateLimiter | None = None,
        per_credential: RateLimiter | None = None,
        exempt_paths: frozenset[str] = EXEMPT_PATHS,
        on_limited: Callable[[str], None] | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.exempt_prefixes = exempt_prefixes
        self.per_address = per_address
        self.per_credential = per_credential
        self.exempt_paths = exempt_paths
        self.on_limited = on_limited

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limited = self.per_address is not None or self.per_credential is not None
        if (
            limited
            and scope["path"] not in self.exempt_paths
            and await self._refused_by_rate_limit(scope, receive, send)
        ):
            return
        if not scope["path"].startswith(self.exempt_prefixes):
            declared = Headers(scope=scope).get("content-length")
            if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
                await refuse_body(self.max_bytes, scope, receive, send)
                return
            receive = self._counting(receive)
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except BodyTooLarge:  # raised where no exception handler runs (FastAPI's answer the routes' own)
            if started:
                raise
            await refuse_body(self.max_bytes, scope, receive, send)
        except Exception:
            problems_log.exception("request %s: unhandled error", request_id_of(scope))
            if started:
                raise
            response = problem_response(
                scope,
                500,
                title="Internal server error",
                detail="The gateway failed to handle the request.",
                type_=problem_type("internal-error"),
            )
            await response(scope, receive, send)

    def _counting(self, receive: Receive) -> Receive:
        received = 0
        limit = self.max_bytes

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        return counting_receive

    async def _refused_by_rate_limit(self, scope: Scope, receive: Receive, send: Send) -> bool:
        waits: list[tuple[float, str]] = []
        if self.per_address is not None:
            waits.append((self.per_address.take(client_address(scope)), "address"))
        if self.per_credential is not None:
            key = credential_key(Headers(scope=scope))
            if key is not None:
                waits.append((self.per_credential.take(key), "token"))
        wait, limited_by = max(waits, default=(0.0, ""))
        if wait <= 0:
            return False
        if self.on_limited is not None:
            self.on_limited(limited_by)
        retry_after = max(1, math.ceil(wait))
        response = problem_response(
            scope,
            429,
            detail=f"Too many requests for this {limited_by}; retry in {retry_after} s.",
            type_=problem_type("rate-limited"),
            headers={"Retry-After": str(retry_after)},
            limited_by=limited_by,
        )
        await response(scope, receive, send)
        return True
