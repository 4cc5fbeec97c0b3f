"""`GET /v1/releases/{id}/recipients`: who downloaded which version of a release.

A signed-in caller who downloads a release's ninjs (`GET /v1/releases/{id}/ninjs`) is recorded by
the releases service, once per version; when the release is corrected or withdrawn each of them
gets a `correction_notice` on the live stream (`stream_topics.correction_notices`). Editors and admins see every
release's recipients, unit officers their own unit's; anyone else is answered 404 (as the releases
service does for portal deliveries).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from presscenter.gateway.auth import Principal, require_roles, viewer_for
from presscenter.gateway.dependencies import RpcDep
from presscenter.gateway.problems import problem_responses
from presscenter.gateway.routes.release_bodies import json_example
from presscenter.gateway.routes.releases import AUTHORS, READ_CACHE, SERVICE, ReleaseId, rpc_request
from presscenter.shared.rpc.releases import GetRecipients, ReleaseRecipients

RECIPIENTS_EXAMPLE = {
    "release_id": "r-5f0c2a9e1b7d4c3a",
    "version": 2,
    "items": [
        {
            "account_id": "a-2b7c9d",
            "role": "journalist",
            "unit_code": None,
            "latest_version": 1,
            "downloads": [{"version": 1, "first_at": "2026-03-02T08:05:11.200000Z"}],
        }
    ],
}

router = APIRouter(prefix="/v1/releases", tags=["releases"])


@router.get(
    "/{release_id}/recipients",
    response_model=ReleaseRecipients,
    summary="Who downloaded which version of a release",
    responses={
        200: json_example(RECIPIENTS_EXAMPLE, "One item per account, in order of first download."),
        **problem_responses(401, 403, 404, 503, 504),
    },
)
async def get_recipients(
    release_id: ReleaseId,
    principal: Annotated[Principal, Depends(require_roles(*AUTHORS))],
    rpc: RpcDep,
) -> JSONResponse:
    """Editors and admins, and the officers of the release's own unit."""
    request = rpc_request(GetRecipients, viewer=viewer_for(principal), release_id=release_id)
    recipients = await rpc.call(SERVICE, "recipients", request)
    return JSONResponse(recipients, headers={"Cache-Control": READ_CACHE})
