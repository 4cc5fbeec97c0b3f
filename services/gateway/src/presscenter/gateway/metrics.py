"""Prometheus metrics of the gateway: HTTP requests by route template and status, RPC calls by
`service.method` and outcome, rate-limit refusals. One registry per app (tests build many apps)."""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from starlette.types import Scope

UNMATCHED_ROUTE = "<unmatched>"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class GatewayMetrics:
    """The gateway's metrics, in their own registry."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        self.http_requests = Counter(
            "gateway_http_requests", "HTTP requests answered.", ["method", "route", "status"], registry=self.registry
        )
        self.http_duration = Histogram(
            "gateway_http_request_duration_seconds",
            "Time to answer an HTTP request.",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.http_in_flight = Gauge(
            "gateway_http_requests_in_flight", "HTTP requests being served.", registry=self.registry
        )
        self.rpc_calls = Counter(
            "gateway_rpc_calls", "RPC calls to the services.", ["rpc", "outcome"], registry=self.registry
        )
        self.rpc_duration = Histogram(
            "gateway_rpc_call_duration_seconds",
            "Time from sending an RPC call to its outcome.",
            ["rpc", "outcome"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "gateway_rate_limited", "Requests refused with 429.", ["limited_by"], registry=self.registry
        )

        # Labelled children by label values: `labels()` validates and locks on every call.
        self._http_children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}
        self._rpc_children: dict[tuple[str, str, str], tuple[Counter, Histogram]] = {}

    def observe_http(self, method: str, route: str, status: int, seconds: float) -> None:
        """One answered HTTP request (`route` is the route template)."""
        key = (method, route, status)
        children = self._http_children.get(key)
        if children is None:
            labels = (method, route, str(status))
            children = self._http_children[key] = (
                self.http_requests.labels(*labels),
                self.http_duration.labels(*labels),
            )
        children[0].inc()
        children[1].observe(seconds)

    def observe_rpc(self, service: str, method: str, outcome: str, seconds: float) -> None:
        """`RpcClient` observer."""
        key = (service, method, outcome)
        children = self._rpc_children.get(key)
        if children is None:
            rpc = f"{service}.{method}"
            children = self._rpc_children[key] = (
                self.rpc_calls.labels(rpc, outcome),
                self.rpc_duration.labels(rpc, outcome),
            )
        children[0].inc()
        children[1].observe(seconds)

    def observe_rate_limited(self, limited_by: str) -> None:
        self.rate_limited.labels(limited_by).inc()

    def exposition(self) -> tuple[bytes, str]:
        """The Prometheus text format and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


def route_template(scope: Scope) -> str:
    """The matched route's path template (`/v1/releases/{release_id}`), never the raw path."""
    route = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return str(path) if path else UNMATCHED_ROUTE
