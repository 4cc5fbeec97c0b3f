"""The bare FastAPI baseline of the gateway read benchmark: one route, one raw RPC to the trivial
service through the gateway's own asyncio nameko client (no auth, no middleware, no validation);
a second route makes the same raw call to the real releases service instead.

    AMQP_URI=amqp://... uvicorn bare_gateway:app --host 127.0.0.1 --port 8999    (cwd: bench/baseline)
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from presscenter.gateway.rpc_client import RpcClient
from presscenter.gateway.settings import aio_pika_url

rpc = RpcClient(aio_pika_url(os.environ["AMQP_URI"]), name="bare")


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    await rpc.start(wait=5)
    try:
        yield
    finally:
        await rpc.stop()


app = FastAPI(lifespan=lifespan)


@app.get("/v1/releases/{release_id}")
async def get_release(release_id: str) -> JSONResponse:
    return JSONResponse(await rpc.call("trivial", "get", {"release_id": release_id}))


@app.get("/v1/direct/releases/{release_id}")
async def get_release_directly(release_id: str) -> JSONResponse:
    """The real releases service behind the bare route (no gateway middleware or auth): splits the
    full stack's cost between the gateway and the service."""
    viewer = {"id": "bench-journalist", "role": "journalist"}
    return JSONResponse(await rpc.call("releases", "get", {"viewer": viewer, "release_id": release_id}))


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}
