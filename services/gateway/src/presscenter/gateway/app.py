"""The gateway's FastAPI application. Routes to the services arrive with their issues."""

from __future__ import annotations

from importlib import metadata

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from presscenter.gateway.readiness import readiness_report
from presscenter.gateway.settings import GatewaySettings


def gateway_version() -> str:
    try:
        return metadata.version("presscenter-gateway")
    except metadata.PackageNotFoundError:
        return "unknown"


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    version = gateway_version()
    app = FastAPI(title="Capital Press Center gateway", version=version)
    app.state.settings = settings
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
        )

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        """Liveness: the process serves requests. No I/O."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], responses={503: {"description": "The broker is unreachable."}})
    async def readyz() -> JSONResponse:
        """Readiness: really opens an AMQP connection and channel; 200 or 503 with the report."""
        report = await readiness_report(settings.broker_url, settings.readiness_timeout, version)
        return JSONResponse(report.model_dump(mode="json"), status_code=200 if report.status == "ok" else 503)

    return app
