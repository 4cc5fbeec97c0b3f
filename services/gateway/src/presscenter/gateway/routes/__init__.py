"""The gateway's API routers beyond identity and operations: releases, feeds, the live stream."""

from __future__ import annotations

from fastapi import APIRouter

from presscenter.gateway.routes import feeds, releases
from presscenter.gateway.routes.stream import stream_router


def api_routers() -> list[APIRouter]:
    """Every router to include, the live stream's carrying its engine's lifespan."""
    return [releases.router, feeds.router, stream_router()]
