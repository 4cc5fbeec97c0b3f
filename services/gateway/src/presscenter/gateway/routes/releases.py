"""`/v1/releases`: the release workflow, search, ninjs and portal deliveries, over the releases RPC.

Who acts and who reads come only from the verified caller (`Principal.as_actor()`,
`viewer_for(principal)`); anonymous callers read as the public. The releases service enforces the
workflow (role, unit, status, revision); the gateway admits writes only from authenticated unit
officers, editors and admins (API tokens also need the `releases:write` scope), so journalists and
the public are refused here. Every change names the revision it was made from (see `revisions`).
"""

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import AwareDatetime, BaseModel, ValidationError

from presscenter.gateway.auth import (
    BEARER_SECURITY,
    Principal,
    caller_of,
    current_principal,
    require_roles,
    require_writer,
    viewer_for,
)
from presscenter.gateway.dependencies import RpcDep
from presscenter.gateway.problems import ApiProblem, problem_responses
from presscenter.gateway.routes import release_bodies as bodies
from presscenter.gateway.routes.revisions import (
    IF_MATCH_EXAMPLE,
    expected_revision,
    revisioned,
    revisioned_read,
)
from presscenter.gateway.rpc_client import RpcClient
from presscenter.shared.events.releases import ReleaseStatus
from presscenter.shared.rpc import releases as contract
from presscenter.shared.rpc.releases import NinjsDocument, PortalDeliveries, Release, ReleasePage

SERVICE = "releases"
WRITE_SCOPE = "releases:write"
AUTHORS = ("unit_officer", "editor", "admin")  # draft, edit, submit, embargo (the service checks the unit)
EDITORS = ("editor", "admin")  # review, schedule, publish, correct, withdraw
READ_CACHE = "private, no-cache"

M = TypeVar("M", bound=BaseModel)


Caller = Annotated[Principal | None, Depends(current_principal)]
# The same caller, one dependency instead of three (see `caller_of`): for the hot read.
ReadCaller = Annotated[Principal | None, Depends(caller_of)]
Author = Annotated[Principal, Depends(require_writer(WRITE_SCOPE, *AUTHORS))]
Editor = Annotated[Principal, Depends(require_writer(WRITE_SCOPE, *EDITORS))]
ReleaseId = Annotated[
    str,
    Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$", examples=["r-5f0c2a9e1b7d4c3a"]),
]
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=40,
        description='The ETag of the release as read, e.g. `"3"` (or send `expected_revision` in the body).',
        examples=[IF_MATCH_EXAMPLE],
    ),
]
MaybeRevision = bodies.RevisionBody | None
IfNoneMatch = Annotated[str | None, Header(alias="If-None-Match", max_length=200, include_in_schema=False)]

RELEASE_OK = {
    **bodies.json_example(bodies.RELEASE_EXAMPLE, "The release after the change; `ETag` is its new revision."),
    "headers": {"ETag": {"description": 'The revision, quoted: `"5"`.', "schema": {"type": "string"}}},
}
CHANGE_ERRORS = problem_responses(400, 401, 403, 404, 409, 422, 428, 503, 504)

router = APIRouter(prefix="/v1/releases", tags=["releases"])


def rpc_request(model: type[M], **fields: Any) -> dict[str, Any]:
    """The RPC request as JSON, validated by its contract model first (422 naming the field)."""
    try:
        return model(**fields).model_dump(mode="json")
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or "(root)"
        raise ApiProblem(422, "request-validation", f"{field}: {error['msg']}", field=field) from None


async def change(
    rpc: RpcClient,
    method: str,
    model: type[contract.ReleaseAction],
    release_id: str,
    principal: Principal,
    if_match: str | None,
    body: bodies.RevisionBody | None,
    **fields: Any,
) -> JSONResponse:
    """One workflow step: the caller as actor, the revision from If-Match or the body."""
    revision = expected_revision(if_match, body.expected_revision if body is not None else None)
    request = rpc_request(
        model, actor=principal.as_actor(), release_id=release_id, expected_revision=revision, **fields
    )
    return revisioned(await rpc.call(SERVICE, method, request))


# -- creating and reading ---------------------------------------------------------------------


@router.post(
    "",
    status_code=201,
    response_model=Release,
    summary="Start a draft",
    responses={
        201: {
            **bodies.json_example(bodies.RELEASE_EXAMPLE, "The new draft, at revision 1."),
            "headers": {"Location": {"schema": {"type": "string"}}, "ETag": {"schema": {"type": "string"}}},
        },
        **problem_responses(401, 403, 422, 503, 504),
    },
)
async def create_release(body: bodies.NewRelease, principal: Author, rpc: RpcDep) -> JSONResponse:
    """A unit officer drafts for their own unit; editors and admins for any unit."""
    request = rpc_request(
        contract.CreateDraft, actor=principal.as_actor(), unit_code=body.unit_code, content=body.content
    )
    release = await rpc.call(SERVICE, "create_draft", request)
    return revisioned(release, 201, Location=f"/v1/releases/{release['id']}")


@router.get(
    "",
    response_model=ReleasePage,
    summary="Search and filter releases",
    responses={200: bodies.json_example(bodies.PAGE_EXAMPLE, "A page of summaries."), **problem_responses(401, 422)},
)
async def search_releases(
    principal: Caller,
    rpc: RpcDep,
    q: Annotated[
        str | None,
        Query(max_length=200, description="Words of title, lead or body; diacritics-insensitive.", examples=["ha noi"]),
    ] = None,
    unit_code: Annotated[str | None, Query(max_length=64, examples=["so-yte"])] = None,
    category: Annotated[str | None, Query(max_length=64, examples=["health"])] = None,
    place: Annotated[str | None, Query(max_length=64, examples=["phuong-hoan-kiem"])] = None,
    status: Annotated[list[ReleaseStatus] | None, Query(description="Repeat for several.")] = None,
    published_from: Annotated[AwareDatetime | None, Query(examples=["2026-03-01T00:00:00+07:00"])] = None,
    published_to: Annotated[AwareDatetime | None, Query(examples=["2026-03-31T23:59:59+07:00"])] = None,
    cursor: Annotated[str | None, Query(max_length=200, description="`next_cursor` of the previous page.")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> JSONResponse:
    """What the caller may read, newest first: the public and journalists see published releases
    (embargoed ones only when entitled), officers also their unit's, editors everything."""
    request = rpc_request(
        contract.SearchReleases,
        viewer=viewer_for(principal),
        q=q,
        unit_code=unit_code,
        category=category,
        place=place,
        status=status or [],
        published_from=published_from,
        published_to=published_to,
        cursor=cursor,
        limit=limit,
    )
    page = await rpc.call(SERVICE, "search", request)
    return JSONResponse(page, headers={"Cache-Control": READ_CACHE, "Vary": "Authorization"})


@router.get(
    "/{release_id}",
    response_model=Release,
    summary="One release",
    responses={
        200: {
            **bodies.json_example(bodies.RELEASE_EXAMPLE, "The release; `ETag` is its revision."),
            "headers": {"ETag": {"schema": {"type": "string"}}},
        },
        304: {"description": "`If-None-Match` names the current revision."},
        **problem_responses(401, 404, 503, 504),
    },
    openapi_extra={"security": BEARER_SECURITY},
)
async def get_release(
    release_id: ReleaseId, http: Request, principal: ReadCaller, if_none_match: IfNoneMatch = None
) -> Response:
    """404 for a release that does not exist and for one the caller may not read alike."""
    # The RPC client as `RpcDep` gives it, without a dependency to solve on the most frequent request.
    rpc: RpcClient = http.app.state.rpc
    request = rpc_request(contract.GetRelease, viewer=viewer_for(principal), release_id=release_id)
    # The service validated the release against the contract: its JSON is answered as it came.
    release = await rpc.call_json(SERVICE, "get", request)
    headers = {"Cache-Control": READ_CACHE, "Vary": "Authorization"}
    return revisioned_read(release.value, if_none_match, body=release.json, **headers)


@router.get(
    "/{release_id}/ninjs",
    response_model=NinjsDocument,
    summary="A published version as IPTC ninjs 3.1",
    responses={
        200: bodies.json_example(bodies.NINJS_EXAMPLE, "The ninjs document."),
        **problem_responses(401, 404, 422, 503, 504),
    },
)
async def get_ninjs(
    release_id: ReleaseId,
    principal: Caller,
    rpc: RpcDep,
    version: Annotated[int | None, Query(ge=1, description="A published version; the latest when omitted.")] = None,
) -> JSONResponse:
    """A signed-in caller is recorded as a recipient of the version served (see `/recipients`) and is
    sent a `correction_notice` on the live stream when it is corrected or withdrawn."""
    request = rpc_request(
        contract.GetNinjs,
        viewer=viewer_for(principal),
        release_id=release_id,
        version=version,
        record_download=principal is not None,
    )
    document = await rpc.call(SERVICE, "ninjs", request)
    return JSONResponse(document, headers={"Cache-Control": READ_CACHE, "Vary": "Authorization"})


@router.get(
    "/{release_id}/deliveries",
    response_model=PortalDeliveries,
    summary="Pushes of the release to the national portal",
    responses={
        200: bodies.json_example(bodies.DELIVERIES_EXAMPLE, "Every push and its attempts."),
        **problem_responses(401, 403, 404, 503, 504),
    },
)
async def get_deliveries(
    release_id: ReleaseId,
    principal: Annotated[Principal, Depends(require_roles(*AUTHORS))],
    rpc: RpcDep,
) -> JSONResponse:
    """Editors and admins, and the officers of the release's own unit."""
    request = rpc_request(contract.GetDeliveries, viewer=viewer_for(principal), release_id=release_id)
    deliveries = await rpc.call(SERVICE, "portal_deliveries", request)
    return JSONResponse(deliveries, headers={"Cache-Control": READ_CACHE})


# -- the workflow ---------------------------------------------------------------------------------


def workflow_route(path: str, summary: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return router.post(
        f"/{{release_id}}/{path}", response_model=Release, summary=summary, responses={200: RELEASE_OK, **CHANGE_ERRORS}
    )


@router.put(
    "/{release_id}/content",
    response_model=Release,
    summary="Edit a draft or a rejected release",
    responses={200: RELEASE_OK, **CHANGE_ERRORS},
)
async def edit_content(
    release_id: ReleaseId, body: bodies.ContentChange, principal: Author, rpc: RpcDep, if_match: IfMatch = None
) -> JSONResponse:
    """A rejected release goes back to draft."""
    return await change(rpc, "edit", contract.EditDraft, release_id, principal, if_match, body, content=body.content)


@workflow_route("submit", "Send for review")
async def submit(
    release_id: ReleaseId, principal: Author, rpc: RpcDep, if_match: IfMatch = None, body: MaybeRevision = None
) -> JSONResponse:
    return await change(rpc, "submit", contract.ReleaseAction, release_id, principal, if_match, body)


@workflow_route("approve", "Approve a submitted release")
async def approve(
    release_id: ReleaseId, principal: Editor, rpc: RpcDep, if_match: IfMatch = None, body: MaybeRevision = None
) -> JSONResponse:
    return await change(rpc, "approve", contract.ReleaseAction, release_id, principal, if_match, body)


@workflow_route("reject", "Reject a submitted release, with the reason")
async def reject(
    release_id: ReleaseId, body: bodies.Rejection, principal: Editor, rpc: RpcDep, if_match: IfMatch = None
) -> JSONResponse:
    return await change(rpc, "reject", contract.Reject, release_id, principal, if_match, body, reason=body.reason)


@workflow_route("schedule", "Publish an approved release at a set time")
async def schedule(
    release_id: ReleaseId, body: bodies.Scheduling, principal: Editor, rpc: RpcDep, if_match: IfMatch = None
) -> JSONResponse:
    return await change(rpc, "schedule", contract.Schedule, release_id, principal, if_match, body, at=body.at)


@workflow_route("unschedule", "Take a scheduled release back to approved")
async def unschedule(
    release_id: ReleaseId, principal: Editor, rpc: RpcDep, if_match: IfMatch = None, body: MaybeRevision = None
) -> JSONResponse:
    return await change(rpc, "unschedule", contract.ReleaseAction, release_id, principal, if_match, body)


@workflow_route("publish", "Publish an approved or scheduled release now")
async def publish(
    release_id: ReleaseId, principal: Editor, rpc: RpcDep, if_match: IfMatch = None, body: MaybeRevision = None
) -> JSONResponse:
    """Everyone who may read it gets `release_published` on the live stream."""
    return await change(rpc, "publish_now", contract.ReleaseAction, release_id, principal, if_match, body)


@workflow_route("force-publish", "Publish now whatever the status, with a logged reason")
async def force_publish(
    release_id: ReleaseId, body: bodies.ForcedPublication, principal: Editor, rpc: RpcDep, if_match: IfMatch = None
) -> JSONResponse:
    return await change(
        rpc, "force_publish", contract.ForcePublish, release_id, principal, if_match, body, reason=body.reason
    )


@workflow_route("embargo", "Set or clear the embargo (before publication)")
async def embargo(
    release_id: ReleaseId, body: bodies.Embargo, principal: Author, rpc: RpcDep, if_match: IfMatch = None
) -> JSONResponse:
    """Officers only while their release is a draft or submitted; editors until publication."""
    return await change(
        rpc, "set_embargo", contract.SetEmbargo, release_id, principal, if_match, body, until=body.until
    )


@workflow_route("correct", "Publish a corrected version with a note")
async def correct(
    release_id: ReleaseId, body: bodies.Correction, principal: Editor, rpc: RpcDep, if_match: IfMatch = None
) -> JSONResponse:
    return await change(
        rpc, "correct", contract.Correct, release_id, principal, if_match, body, content=body.content, note=body.note
    )


@workflow_route("withdraw", "Withdraw a published release")
async def withdraw(
    release_id: ReleaseId, body: bodies.WithdrawalRequest, principal: Editor, rpc: RpcDep, if_match: IfMatch = None
) -> JSONResponse:
    """The release stays readable with the notice; `superseded` points readers to the new one."""
    return await change(
        rpc,
        "withdraw",
        contract.Withdraw,
        release_id,
        principal,
        if_match,
        body,
        reason=body.reason,
        note=body.note,
        superseded_by=body.superseded_by,
    )
