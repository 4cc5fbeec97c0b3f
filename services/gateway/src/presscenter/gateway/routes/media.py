"""`/v1/media`: uploads, assets, download links and the download audit, over the media RPC.

Who acts and who reads come only from the verified caller; the media service applies one access
rule to both (`presscenter.media.domain.access`): journalists and the public see public assets
once ready (embargoed ones only when entitled), officers their unit's in any state and other
units' internal ones, editors and admins everything. The gateway admits writes from unit officers
(for their own unit), editors and admins; API tokens also need the `media:write` scope.
Departments' systems (role `system`) are refused here: the service would treat them as internal.
An upload is three calls: `POST /uploads` (presigned PUT URL) → PUT the bytes → `POST .../complete`.
"""

# No `from __future__ import annotations`: FastAPI resolves the dependencies' annotations.
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query
from fastapi.responses import JSONResponse, Response

from presscenter.gateway.auth import Principal, current_principal, require_roles, require_writer, viewer_for
from presscenter.gateway.dependencies import RpcDep
from presscenter.gateway.problems import ApiProblem, problem_responses
from presscenter.gateway.routes import media_bodies as bodies
from presscenter.gateway.routes.release_bodies import json_example
from presscenter.gateway.routes.releases import rpc_request
from presscenter.gateway.routes.revisions import IF_MATCH_EXAMPLE, expected_revision, revisioned, revisioned_read
from presscenter.shared.events.media import AccessState
from presscenter.shared.rpc import media as contract
from presscenter.shared.rpc.media import ASSET_ID_PATTERN, AssetStatus, DownloadLink, DownloadPage, UploadGrant
from presscenter.shared.rpc.releases import Viewer

SERVICE = "media"
WRITE_SCOPE = "media:write"
AUTHORS = ("unit_officer", "editor", "admin")
READ_CACHE = "private, no-cache"
VARY = {"Cache-Control": READ_CACHE, "Vary": "Authorization"}


async def media_viewer(principal: Annotated[Principal | None, Depends(current_principal)]) -> Viewer:
    """The caller as the media service's viewer (the public when anonymous); systems are refused."""
    if principal is not None and principal.role == "system":
        raise ApiProblem(403, "forbidden", "departments' systems have no access to the media library")
    return viewer_for(principal)


Author = Annotated[Principal, Depends(require_writer(WRITE_SCOPE, *AUTHORS))]
Reader = Annotated[Viewer, Depends(media_viewer)]
Auditor = Annotated[Principal, Depends(require_roles(*AUTHORS))]
AssetId = Annotated[str, Path(pattern=ASSET_ID_PATTERN, examples=["a-5f0c2a9e1b7d4c3a2b1c"])]
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=40,
        description='The asset\'s ETag as read, e.g. `"3"` (or send `expected_revision` in the body).',
        examples=[IF_MATCH_EXAMPLE],
    ),
]
IfNoneMatch = Annotated[str | None, Header(alias="If-None-Match", max_length=200, include_in_schema=False)]

ETAG_HEADER = {"ETag": {"description": 'The revision, quoted: `"3"`.', "schema": {"type": "string"}}}
ASSET_OK = {**json_example(bodies.ASSET_EXAMPLE, "The asset; `ETag` is its revision."), "headers": ETAG_HEADER}
CHANGE_ERRORS = problem_responses(400, 401, 403, 404, 409, 422, 428, 503, 504)

router = APIRouter(prefix="/v1/media", tags=["media"])


# -- uploads --------------------------------------------------------------------------------------


@router.post(
    "/uploads",
    status_code=201,
    response_model=UploadGrant,
    summary="Ask to upload a file: presigned PUT URL(s)",
    responses={
        201: {
            **json_example(bodies.GRANT_EXAMPLE, "Where to PUT the bytes (one URL, or one per part), until when."),
            "headers": {"Location": {"description": "The asset to complete.", "schema": {"type": "string"}}},
        },
        **problem_responses(401, 403, 404, 422, 503, 504),
    },
)
async def request_upload(body: bodies.NewUpload, principal: Author, rpc: RpcDep) -> JSONResponse:
    """PUT the bytes to `upload.url` with `upload.headers` (or each of `parts`), then
    `POST /v1/media/assets/{asset_id}/complete`. Officers upload for their own unit."""
    request = rpc_request(contract.RequestUpload, actor=principal.as_actor(), **body.model_dump(mode="json"))
    grant = await rpc.call(SERVICE, "request_upload", request)
    return JSONResponse(grant, status_code=201, headers={"Location": f"/v1/media/assets/{grant['asset_id']}"})


@router.post(
    "/assets/{asset_id}/complete",
    response_model=bodies.MediaAsset,
    summary="Finish an upload: verify, clean and store the bytes",
    responses={
        200: {**json_example(bodies.ASSET_EXAMPLE, "The asset, `ready`."), "headers": ETAG_HEADER},
        **problem_responses(401, 403, 404, 409, 422, 503, 504),
    },
)
async def complete_upload(asset_id: AssetId, principal: Author, rpc: RpcDep) -> JSONResponse:
    """Checks size, real type, sha256 and pixel limits; strips location metadata; makes renditions.
    Bytes that fail a check are refused for good: 422 `asset-rejected` with `reason_code` (request a
    new upload). 409 when the bytes were not put yet (put them, then complete again)."""
    request = rpc_request(contract.CompleteUpload, actor=principal.as_actor(), asset_id=asset_id)
    asset = await rpc.call(SERVICE, "complete_upload", request)
    rejection = asset.get("rejection") if asset.get("status") == "rejected" else None
    if rejection:
        raise ApiProblem(
            422,
            "asset-rejected",
            f"the uploaded file was refused: {rejection['reason']}",
            title="Asset rejected",
            asset_id=asset_id,
            reason_code=rejection["reason_code"],
            revision=asset["revision"],
        )
    return revisioned(asset)


# -- assets ---------------------------------------------------------------------------------------


@router.get(
    "/assets",
    response_model=bodies.MediaAssetPage,
    summary="Assets the caller may see, filtered",
    responses={200: json_example(bodies.ASSET_PAGE_EXAMPLE, "A page of assets."), **problem_responses(401, 403, 422)},
)
async def list_assets(
    viewer: Reader,
    rpc: RpcDep,
    owner_unit_code: Annotated[str | None, Query(max_length=64, examples=["so-yte"])] = None,
    release_id: Annotated[str | None, Query(max_length=64, examples=["r-5f0c2a9e1b7d4c3a"])] = None,
    tag: Annotated[str | None, Query(max_length=100, examples=["hop-bao"])] = None,
    status: AssetStatus | None = None,
    access: AccessState | None = None,
    cursor: Annotated[str | None, Query(max_length=200, description="`next_cursor` of the previous page.")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> JSONResponse:
    request = rpc_request(
        contract.ListAssets,
        viewer=viewer,
        owner_unit_code=owner_unit_code,
        release_id=release_id,
        tag=tag,
        status=status,
        access=access,
        cursor=cursor,
        limit=limit,
    )
    return JSONResponse(await rpc.call(SERVICE, "list_assets", request), headers=VARY)


@router.get(
    "/assets/{asset_id}",
    response_model=bodies.MediaAsset,
    summary="One asset",
    responses={
        200: ASSET_OK,
        304: {"description": "`If-None-Match` names the current revision."},
        **problem_responses(401, 403, 404, 422, 503, 504),
    },
)
async def get_asset(asset_id: AssetId, viewer: Reader, rpc: RpcDep, if_none_match: IfNoneMatch = None) -> Response:
    """404 for an asset that does not exist and for one the caller may not see alike."""
    asset = await rpc.call(SERVICE, "get_asset", rpc_request(contract.GetAsset, viewer=viewer, asset_id=asset_id))
    return revisioned_read(asset, if_none_match, **VARY)


@router.put(
    "/assets/{asset_id}/metadata",
    response_model=bodies.MediaAsset,
    summary="Replace the IPTC-style metadata",
    responses={200: ASSET_OK, **CHANGE_ERRORS},
)
async def update_metadata(
    asset_id: AssetId, body: bodies.MetadataChange, principal: Author, rpc: RpcDep, if_match: IfMatch = None
) -> JSONResponse:
    request = rpc_request(
        contract.UpdateMetadata,
        actor=principal.as_actor(),
        asset_id=asset_id,
        expected_revision=expected_revision(if_match, body.expected_revision, "GET /v1/media/assets/{id}"),
        metadata=body.metadata.model_dump(mode="json"),
    )
    return revisioned(await rpc.call(SERVICE, "update_metadata", request))


@router.put(
    "/assets/{asset_id}/access",
    response_model=bodies.MediaAsset,
    summary="Move an asset between draft, internal and public",
    responses={200: ASSET_OK, **CHANGE_ERRORS},
)
async def set_access(
    asset_id: AssetId, body: bodies.AccessChange, principal: Author, rpc: RpcDep, if_match: IfMatch = None
) -> JSONResponse:
    """Media of a release under embargo stay hidden from the press until it lifts, whatever the access."""
    request = rpc_request(
        contract.SetAccess,
        actor=principal.as_actor(),
        asset_id=asset_id,
        expected_revision=expected_revision(if_match, body.expected_revision, "GET /v1/media/assets/{id}"),
        access=body.access,
    )
    return revisioned(await rpc.call(SERVICE, "set_access", request))


# -- downloads ------------------------------------------------------------------------------------


@router.post(
    "/assets/{asset_id}/download-url",
    response_model=DownloadLink,
    summary="A short-lived download URL (recorded in the audit)",
    responses={
        200: json_example(bodies.LINK_EXAMPLE, "GET `url` before `expires_at`."),
        **problem_responses(401, 403, 404, 409, 422, 503, 504),
    },
)
async def download_url(
    asset_id: AssetId, viewer: Reader, rpc: RpcDep, body: bodies.DownloadRequest | None = None
) -> JSONResponse:
    """404 for an asset the caller may not see; 409 while it is not ready."""
    rendition = body.rendition if body is not None else "original"
    request = rpc_request(contract.GetDownloadUrl, viewer=viewer, asset_id=asset_id, rendition=rendition)
    link = await rpc.call(SERVICE, "download_url", request)
    return JSONResponse(link, headers={"Cache-Control": "no-store"})


@router.get(
    "/assets/{asset_id}/downloads",
    response_model=DownloadPage,
    summary="Who downloaded the asset",
    responses={
        200: json_example(bodies.DOWNLOADS_EXAMPLE, "The download audit, newest first."),
        **problem_responses(401, 403, 404, 422, 503, 504),
    },
)
async def list_downloads(
    asset_id: AssetId,
    principal: Auditor,
    rpc: RpcDep,
    limit: Annotated[int, Query(ge=1, le=1_000)] = 100,
) -> JSONResponse:
    """Editors and admins, and the officers of the owning unit (403 for other units)."""
    request = rpc_request(contract.ListDownloads, viewer=viewer_for(principal), asset_id=asset_id, limit=limit)
    return JSONResponse(await rpc.call(SERVICE, "list_downloads", request), headers={"Cache-Control": READ_CACHE})
