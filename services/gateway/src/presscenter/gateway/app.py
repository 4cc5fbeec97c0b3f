"""The gateway's FastAPI application: `create_app(settings)` builds it whole.

Middleware, outermost first: OpenTelemetry server span → request id, metrics and the span's route
name (`RequestEdgeMiddleware`) → CORS → rate limits, body size limit and unhandled-error-to-500
(`RequestGuardMiddleware`) → FastAPI's exception handlers (problem+json) → routes. Routers reach
the services through the one `RpcClient` (`app.state.rpc`, or the `RpcDep` dependency of
`presscenter.gateway.dependencies`); it connects in the app's lifespan.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from importlib import metadata

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from opentelemetry.trace import TracerProvider

from presscenter.gateway.auth import AuthSettings, install_auth
from presscenter.gateway.edge import RequestEdgeMiddleware, RequestGuardMiddleware
from presscenter.gateway.metrics import GatewayMetrics
from presscenter.gateway.problems import install_problem_handlers
from presscenter.gateway.query_values import OneValueEach
from presscenter.gateway.rate_limit import RateLimiter
from presscenter.gateway.readiness import readiness_report
from presscenter.gateway.request_context import REQUEST_ID_HEADER
from presscenter.gateway.routes import api_routers, first_routers
from presscenter.gateway.routes.blobs import BLOB_ROUTE
from presscenter.gateway.rpc_client import RpcClient
from presscenter.gateway.settings import GatewaySettings
from presscenter.gateway.telemetry import instrument_app, process_tracer_provider
from presscenter.shared.gc_tuning import tune_gc_once
from presscenter.shared.rpc.health import HealthReport

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]
"""Extra start-up/shutdown work (e.g. a datastore), entered after the RPC client has started."""

CORS_EXPOSED_HEADERS = [REQUEST_ID_HEADER, "Retry-After", "Location", "ETag", "Last-Event-ID"]


def gateway_version() -> str:
    try:
        return metadata.version("presscenter-gateway")
    except metadata.PackageNotFoundError:
        return "unknown"


def build_rpc_client(settings: GatewaySettings, tracer_provider: TracerProvider, metrics: GatewayMetrics) -> RpcClient:
    return RpcClient(
        settings.broker_url,
        name="gateway",
        timeout=settings.rpc_timeout,
        connect_timeout=settings.rpc_connect_timeout,
        reconnect_interval=settings.amqp_reconnect_interval,
        consumer_check_interval=settings.rpc_consumer_check_interval,
        retry_after=settings.rpc_retry_after,
        tracer_provider=tracer_provider,
        observer=metrics.observe_rpc,
    )


def create_app(
    settings: GatewaySettings | None = None,
    *,
    tracer_provider: TracerProvider | None = None,
    lifespans: Sequence[Lifespan] = (),
    auth: AuthSettings | None = None,
) -> FastAPI:
    """The whole gateway app. `tracer_provider` defaults to the process's (tests pass their own).

    `auth` mounts identity and access (`/v1/auth/*`, `/v1/admin/*`, the accounts datastore);
    the served gateway always has it, tests of the core alone leave it out.
    """
    settings = settings or GatewaySettings()
    version = gateway_version()
    provider = tracer_provider or process_tracer_provider(settings)
    metrics = GatewayMetrics()
    rpc = build_rpc_client(settings, provider, metrics)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Serve once the broker is reached or known unreachable (then /readyz says so and the client retries).
        await rpc.start(wait=settings.rpc_connect_timeout)
        try:
            async with AsyncExitStack() as stack:
                for extra in lifespans:
                    await stack.enter_async_context(extra(app))
                tune_gc_once()  # what is alive now lives as long as the process
                yield
        finally:
            await rpc.stop()

    # FastAPI's native telemetry stays off: opentelemetry-instrumentation-fastapi makes the spans.
    app = FastAPI(
        title="Capital Press Center gateway",
        version=version,
        lifespan=lifespan,
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.rpc = rpc
    app.state.metrics = metrics
    install_problem_handlers(app)
    add_middleware(app, settings, metrics)
    instrument_app(app, provider)
    add_operational_routes(app, settings, version)
    for router in first_routers():
        app.include_router(router)
    if auth is not None:
        install_auth(app, auth)
    for router in api_routers():
        app.include_router(router)
    return app


def add_middleware(app: FastAPI, settings: GatewaySettings, metrics: GatewayMetrics) -> None:
    """Added innermost first (each `add_middleware` wraps what is already there)."""
    per_address = (
        RateLimiter(settings.rate_limit_ip_per_second, settings.rate_limit_ip_burst)
        if settings.rate_limit_ip_per_second > 0
        else None
    )
    per_credential = (
        RateLimiter(settings.rate_limit_token_per_second, settings.rate_limit_token_burst)
        if settings.rate_limit_token_per_second > 0
        else None
    )
    app.add_middleware(OneValueEach, openapi=app.openapi)
    app.add_middleware(
        RequestGuardMiddleware,
        max_bytes=settings.max_body_bytes,
        exempt_prefixes=(f"{BLOB_ROUTE}/",),
        per_address=per_address,
        per_credential=per_credential,
        on_limited=metrics.observe_rate_limited,
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=CORS_EXPOSED_HEADERS,
            max_age=600,
        )
    app.add_middleware(RequestEdgeMiddleware, metrics=metrics)


def add_operational_routes(app: FastAPI, settings: GatewaySettings, version: str) -> None:
    @app.get("/healthz", tags=["operations"])
    async def healthz() -> dict[str, str]:
        """Liveness: the process serves requests. No I/O."""
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["operations"],
        response_model=HealthReport,
        responses={503: {"model": HealthReport, "description": "The broker (or a required service) is not usable."}},
    )
    async def readyz(request: Request) -> JSONResponse:
        """Readiness: a round trip on the gateway's live broker connection, then the `health` RPC of each
        service in READINESS_SERVICES. 200 when `ok` or `degraded`, 503 when `down`."""
        report = await readiness_report(
            request.app.state.rpc,
            settings.readiness_timeout,
            version,
            settings.readiness_services,
            settings.readiness_require_services,
        )
        status = 503 if report.status == "down" else 200
        return JSONResponse(report.model_dump(mode="json"), status_code=status)

    @app.get("/metrics", tags=["operations"], include_in_schema=False)
    async def prometheus_metrics(request: Request) -> Response:
        """Prometheus text exposition."""
        body, content_type = request.app.state.metrics.exposition()
        return Response(body, media_type=content_type)
