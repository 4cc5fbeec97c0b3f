"""The gateway's API routers beyond identity and operations: releases, feeds, the live stream."""

from __future__ import annotations

from fastapi import APIRouter

from presscenter.gateway.routes import feeds, portal, recipients, releases
from presscenter.gateway.routes.blobs import router as blobs_router
from presscenter.gateway.routes.console import console_router
from presscenter.gateway.routes.directory import router as directory_router
from presscenter.gateway.routes.media import router as media_router
from presscenter.gateway.routes.monitoring import router as monitoring_router
from presscenter.gateway.routes.open311 import router as open311_router
from presscenter.gateway.routes.questions import router as questions_router
from presscenter.gateway.routes.stream import stream_router


def first_routers() -> list[APIRouter]:
    """The most read routes (releases), to include before identity and access's routers.

    FastAPI tries routes in order, one by one, through every included router: a read of a release
    used to try the twenty routes of `/v1/auth` and `/v1/admin` first (a tenth of the gateway's own
    CPU per read). No two routers share a path, so the order changes nothing else (but the order of
    the OpenAPI paths); these routers have no lifespan, so the lifespans nest as before."""
    return [releases.router]


def api_routers() -> list[APIRouter]:
    """Every other router to include, after identity and access; the live stream's carries its engine's lifespan."""
    return [
        recipients.router,
        monitoring_router,
        media_router,
        blobs_router,
        portal.router,
        feeds.router,
        questions_router,
        open311_router,
        directory_router,
        stream_router(),
        console_router(),
    ]
