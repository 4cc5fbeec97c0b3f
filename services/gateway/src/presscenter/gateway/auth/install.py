"""Mounting identity and access on the gateway's FastAPI app.

    app = FastAPI(lifespan=...)
    install_auth(app, AuthSettings())   # routes /v1/auth/*, /v1/admin/*; datastore opened with the app's lifespan

The datastore opens after the app's own lifespan has started and closes before it ends (FastAPI
merges router lifespans). The running `AuthService` is `app.state.auth_service`. Startup waits up to
MONGO_TIMEOUT_SECONDS for the datastore, then goes on without it: the auth endpoints answer 503 until
it is reached (indexes and bootstrap admin are retried in the background), while JWT bearers keep working.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial

from fastapi import APIRouter, FastAPI

from presscenter.gateway.auth.datastore import AuthDatastore
from presscenter.gateway.auth.router import router as endpoints
from presscenter.gateway.auth.service import AuthService
from presscenter.gateway.auth.settings import AuthSettings

log = logging.getLogger("presscenter.gateway.auth")


@asynccontextmanager
async def auth_lifespan(
    app: FastAPI, settings: AuthSettings, clock: Callable[[], float] = time.time
) -> AsyncIterator[None]:
    """Open the datastore, create indexes and the bootstrap admin, expose the service; close it all after."""
    datastore = AuthDatastore.connect(settings)
    service = AuthService(settings, datastore, clock)
    starting = asyncio.create_task(service.keep_starting(), name="auth-datastore-start")
    try:
        # the first attempt gives up after the datastore timeout; allow it that and a little more
        await asyncio.wait({starting}, timeout=settings.mongo_timeout_seconds + 1)
        if not starting.done():
            log.error("identity datastore not reached at startup: auth endpoints answer 503 until it is")
        elif starting.exception() is not None:
            raise starting.exception()  # type: ignore[misc]
        app.state.auth_service = service
        try:
            yield
        finally:
            app.state.auth_service = None
    finally:
        starting.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await starting
        await datastore.close()


def auth_router(settings: AuthSettings, clock: Callable[[], float] = time.time) -> APIRouter:
    """The auth and admin endpoints, carrying the datastore's lifespan: `app.include_router(auth_router(s))`."""
    router = APIRouter(lifespan=partial(auth_lifespan, settings=settings, clock=clock))
    router.include_router(endpoints)
    return router


def install_auth(app: FastAPI, settings: AuthSettings | None = None, clock: Callable[[], float] = time.time) -> None:
    """Mount `/v1/auth/*` and `/v1/admin/*` on `app` and tie the datastore to its lifespan."""
    app.include_router(auth_router(settings or AuthSettings(), clock))
