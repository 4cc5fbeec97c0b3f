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


def get_rpc(request: Request) -> RpcClient:
    """The app's one RPC client (`request.app.state.rpc`)."""
    rpc: RpcClient = request.app.state.rpc
    return rpc


def get_settings(request: Request) -> GatewaySettings:
    settings: GatewaySettings = request.app.state.settings
    return settings


def get_request_id(request: Request) -> str:
    return request_id_of(request.scope)


RpcDep = Annotated[RpcClient, Depends(get_rpc)]
SettingsDep = Annotated[GatewaySettings, Depends(get_settings)]
RequestIdDep = Annotated[str, Depends(get_request_id)]
