"""FastAPI dependencies for routers: the RPC client, the settings and the request id. Usage:

from presscenter.gateway.dependencies import RpcDep

@router.get("/v1/releases/{release_id}")
async def get_release(release_id: str, rpc: RpcDep) -> dict[str, Any]:
    return await rpc.call("releases", "get", {"release_id": release_id})
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from presscenter.gateway.request_context import request_id_of
from presscenter.gateway.rpc_client import RpcClient
from presscenter.gateway.settings import GatewaySettings

# `async def`, though none awaits: FastAPI runs a plain `def` dependency in its thread pool, a thread
# hop per request (about a quarter of the gateway's own CPU per read, docs/performance.md).


async def get_rpc(request: Request) -> RpcClient:
    """The app's one RPC client (`request.app.state.rpc`)."""
    rpc: RpcClient = request.app.state.rpc
    return rpc


async def get_settings(request: Request) -> GatewaySettings:
    settings: GatewaySettings = request.app.state.settings
    return settings


async def get_request_id(request: Request) -> str:
    return request_id_of(request.scope)


RpcDep = Annotated[RpcClient, Depends(get_rpc)]
SettingsDep = Annotated[GatewaySettings, Depends(get_settings)]
RequestIdDep = Annotated[str, Depends(get_request_id)]
