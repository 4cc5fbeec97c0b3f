"""`/v1/monitoring`: the monitoring desk's claims, trends, alerts, stories and spread, over the monitoring RPC.

The monitoring service has no notion of callers, so access is decided here, from the verified
caller only: editors and admins everything (API tokens also need `monitoring:write` to change
claims); unit officers read the alerts and claims their unit answers for, filtered server-side
(another unit's claim is a 404, as if it did not exist); journalists, systems and the public are
refused. A claim's ETag is `"<revision>"`; a change names it (`If-Match`, or `expected_revision`).
"""

# No `from __future__ import annotations`: FastAPI resolves the dependencies' annotations.
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query
from fastapi.responses import JSONResponse, Response
from pydantic import AwareDatetime, ConfigDict, Field

from presscenter.gateway.auth import Principal, require_roles, require_writer
from presscenter.gateway.dependencies import RpcDep
from presscenter.gateway.problems import ApiProblem, problem_responses
from presscenter.gateway.routes.release_bodies import Body, json_example
from presscenter.gateway.routes.releases import rpc_request
from presscenter.gateway.routes.revisions import (
    IF_MATCH_EXAMPLE,
    expected_revision,
    revisioned,
    revisioned_read,
)
from presscenter.gateway.rpc_client import RpcClient
from presscenter.shared.events.common import UnitCode
from presscenter.shared.rpc import monitoring as contract
from presscenter.shared.rpc.monitoring import (
    CLAIM_ID_PATTERN,
    MAX_CLAIM_TEXT,
    AlertPage,
    Claim,
    ClaimPage,
    ClaimRating,
    ClaimStatus,
    Spread,
    Story,
    TrendPage,
)

SERVICE = "monitoring"
WRITE_SCOPE = "monitoring:write"
DESK = ("editor", "admin")
READERS = ("unit_officer", "editor", "admin")
READ_CACHE = "private, no-cache"
VARY = {"Cache-Control": READ_CACHE, "Vary": "Authorization"}

# -- examples (built through the contract models, so they cannot drift) ----------------------------

_ITEM = {"url": "https://www.facebook.com/groups/hanoi/posts/1029384756", "title": "", "source_name": "facebook"}
CLAIM_EXAMPLE: dict[str, Any] = Claim.model_validate(
    {
        "claim_id": "c-cau-long-bien",
        "text": "Cầu Long Biên sẽ bị phá dỡ vào cuối năm nay",
        "rating": "false",
        "topic": "di sản",
        "unit_code": "so-vhtt",
        "status": "active",
        "revision": 2,
        "created_at": "2026-03-02T01:00:00Z",
        "updated_at": "2026-03-02T02:00:00Z",
        "spread_items": 41,
        "refutation_items": 7,
        "first_seen_at": "2026-03-01T23:12:00Z",
        "last_seen_at": "2026-03-02T03:40:00Z",
        "variants": ["cuoi nam nay cau long bien se bi thao do"],
    }
).model_dump(mode="json")
ALERT_EXAMPLE: dict[str, Any] = AlertPage.model_validate(
    {
        "items": [
            {
                "alert_id": "al-3f9c2b1a7e6d5c4b",
                "kind": "known_claim",
                "claim_id": "c-cau-long-bien",
                "claim_text": CLAIM_EXAMPLE["text"],
                "responsible_unit_code": "so-vhtt",
                "topic": "di sản",
                "score": 0.83,
                "raised_at": "2026-03-02T03:41:00Z",
                "first_seen_at": "2026-03-02T03:20:00Z",
                "last_seen_at": "2026-03-02T03:40:00Z",
                "item_count": 3,
                "distinct_sources": 2,
                "items": [_ITEM],
            }
        ]
    }
).model_dump(mode="json")
TRENDS_EXAMPLE: dict[str, Any] = TrendPage.model_validate(
    {
        "items": [
            {
                "trend_id": "t-20260302T0330-ngap",
                "detected_at": "2026-03-02T03:31:00Z",
                "window_start": "2026-03-02T03:00:00Z",
                "terms": ["ngập", "mưa lớn"],
                "volume": 27,
                "expected": 1.5,
                "growth": 18.0,
                "distinct_sources": 9,
                "story_ids": ["s-5b2e"],
                "item_count": 27,
                "examples": [_ITEM],
            }
        ]
    }
).model_dump(mode="json")
STORY_EXAMPLE: dict[str, Any] = Story.model_validate(
    {
        "story_id": "s-5b2e",
        "first_seen_at": "2026-03-02T03:00:00Z",
        "last_seen_at": "2026-03-02T03:30:00Z",
        "first_item": _ITEM,
        "item_count": 1,
        "distinct_sources": 1,
        "sources": ["facebook"],
        "engagement": 120,
        "items": [
            {
                **_ITEM,
                "item_id": "i-1",
                "source_type": "social",
                "published_at": "2026-03-02T03:00:00Z",
                "engagement": 120,
            }
        ],
    }
).model_dump(mode="json")
SPREAD_EXAMPLE: dict[str, Any] = Spread.model_validate(
    {
        "claim_id": "c-cau-long-bien",
        "bucket_minutes": 60,
        "refuted_by_release": "r-5f0c2a9e1b7d4c3a",
        "first_rumour_at": "2026-03-01T23:12:00Z",
        "first_refutation_at": "2026-03-02T02:05:00Z",
        "rumour_items": 41,
        "refutation_items": 7,
        "rumour_sources": 12,
        "refutation_sources": 5,
        "rumour_velocity_per_hour": 5.5,
        "points": [
            {
                "start": "2026-03-02T02:00:00Z",
                "rumour_items": 9,
                "rumour_sources": 4,
                "rumour_engagement": 800,
                "refutation_items": 3,
                "refutation_sources": 2,
                "refutation_engagement": 1500,
            }
        ],
        "cascades": [{"root_url": _ITEM["url"], "items": 14, "depth": 3, "sources": 6}],
    }
).model_dump(mode="json")


# -- bodies: the contract's fields, unknown members refused -------------------------------------------


class NewClaim(contract.AddClaim):
    """A claim to watch for (`AddClaim`); the caller is the editor who registers it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "text": CLAIM_EXAMPLE["text"],
                    "rating": "false",
                    "topic": "di sản",
                    "unit_code": "so-vhtt",
                    "source_url": "https://www.facebook.com/groups/hanoi/posts/1029384756",
                }
            ]
        },
    )


class ClaimChange(Body):
    """The fields to change (absent = unchanged), and the revision read unless sent as `If-Match`."""

    text: str | None = Field(default=None, min_length=3, max_length=MAX_CLAIM_TEXT)
    rating: ClaimRating | None = None
    topic: str | None = Field(default=None, max_length=200)
    unit_code: UnitCode | None = None
    refuted_by_release: str | None = Field(default=None, max_length=64, description="Release that refutes it.")
    status: ClaimStatus | None = Field(default=None, description="`retired` claims are no longer matched.")
    expected_revision: int | None = Field(
        default=None, ge=1, description='The `revision` read (the ETag unquoted); or send `If-Match: "<revision>"`.'
    )

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"status": "retired"}, {"refuted_by_release": "r-5f0c2a9e1b7d4c3a"}]},
    )


# -- access --------------------------------------------------------------------------------------------


Desk = Annotated[Principal, Depends(require_roles(*DESK))]
DeskWriter = Annotated[Principal, Depends(require_writer(WRITE_SCOPE, *DESK))]
Reader = Annotated[Principal, Depends(require_roles(*READERS))]
ClaimIdPath = Annotated[str, Path(pattern=CLAIM_ID_PATTERN, examples=["c-cau-long-bien"])]
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=40,
        description='The claim\'s ETag as read, e.g. `"2"`.',
        examples=[IF_MATCH_EXAMPLE],
    ),
]
IfNoneMatch = Annotated[str | None, Header(alias="If-None-Match", max_length=200, include_in_schema=False)]
UnitFilter = Annotated[
    str | None,
    Query(
        max_length=64, description="Responsible unit; unit officers get their own unit's only.", examples=["so-vhtt"]
    ),
]


def unit_scope(principal: Principal, unit_code: str | None) -> str | None:
    """The unit a read is confined to: any (or the one asked) for the desk, the officer's own for officers."""
    if principal.role != "unit_officer":
        return unit_code
    if unit_code is not None and unit_code != principal.unit_code:
        raise ApiProblem(
            403, "forbidden", "unit officers see their own unit's alerts and claims only", field="unit_code"
        )
    if not principal.unit_code:
        raise ApiProblem(403, "forbidden", "this officer account has no unit")
    return principal.unit_code


async def readable_claim(rpc: RpcClient, principal: Principal, claim_id: str) -> dict[str, Any]:
    """The claim, or 404 when it does not exist or another unit answers for it (officers)."""
    claim: dict[str, Any] = await rpc.call(SERVICE, "get_claim", rpc_request(contract.GetClaim, claim_id=claim_id))
    if principal.role == "unit_officer" and claim["unit_code"] != principal.unit_code:
        raise ApiProblem(404, "not-found", f"no claim {claim_id}", field="claim_id")
    return claim


router = APIRouter(prefix="/v1/monitoring", tags=["monitoring"])
READ_ERRORS = problem_responses(401, 403, 422, 503, 504)
CLAIM_HEADERS = {"ETag": {"description": 'The revision, quoted: `"2"`.', "schema": {"type": "string"}}}


# -- claims ----------------------------------------------------------------------------------------


@router.post(
    "/claims",
    status_code=201,
    response_model=Claim,
    summary="Register a false claim to watch for",
    responses={
        201: {
            **json_example(CLAIM_EXAMPLE, "The claim, at revision 1."),
            "headers": {"Location": {"schema": {"type": "string"}}, **CLAIM_HEADERS},
        },
        **problem_responses(401, 403, 409, 422, 503, 504),
    },
)
async def add_claim(body: NewClaim, principal: DeskWriter, rpc: RpcDep) -> JSONResponse:
    """Items spreading it raise `misinformation_alert` to `unit_code`; 409 when `claim_id` is taken."""
    claim = await rpc.call(SERVICE, "add_claim", rpc_request(contract.AddClaim, **body.model_dump(mode="json")))
    return revisioned(claim, 201, Location=f"/v1/monitoring/claims/{claim['claim_id']}")


@router.get(
    "/claims",
    response_model=ClaimPage,
    summary="Claims by status, topic, unit or refutation",
    responses={200: json_example({"items": [CLAIM_EXAMPLE], "total": 1}, "A page of claims."), **READ_ERRORS},
)
async def list_claims(
    principal: Reader,
    rpc: RpcDep,
    unit_code: UnitFilter = None,
    status: ClaimStatus | None = None,
    topic: Annotated[str | None, Query(max_length=200, examples=["di sản"])] = None,
    refuted: Annotated[
        bool | None, Query(description="Only claims with (true) or without (false) a refutation.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> JSONResponse:
    """Newest first; `total` counts every match."""
    request = rpc_request(
        contract.ListClaims,
        unit_code=unit_scope(principal, unit_code),
        status=status,
        topic=topic,
        refuted=refuted,
        limit=limit,
        offset=offset,
    )
    return JSONResponse(await rpc.call(SERVICE, "list_claims", request), headers=VARY)


@router.get(
    "/claims/{claim_id}",
    response_model=Claim,
    summary="One claim with its spread counts and learned variants",
    responses={
        200: {**json_example(CLAIM_EXAMPLE, "The claim; `ETag` is its revision."), "headers": CLAIM_HEADERS},
        304: {"description": "`If-None-Match` names the current revision."},
        **problem_responses(401, 403, 404, 422, 503, 504),
    },
)
async def get_claim(
    claim_id: ClaimIdPath, principal: Reader, rpc: RpcDep, if_none_match: IfNoneMatch = None
) -> Response:
    """404 for a claim that does not exist and, for unit officers, for another unit's claim alike."""
    claim = await readable_claim(rpc, principal, claim_id)
    return revisioned_read(claim, if_none_match, **VARY)


@router.patch(
    "/claims/{claim_id}",
    response_model=Claim,
    summary="Change or retire a claim",
    responses={
        200: {
            **json_example(CLAIM_EXAMPLE, "The claim after the change; `ETag` is its new revision."),
            "headers": CLAIM_HEADERS,
        },
        **problem_responses(400, 401, 403, 404, 409, 422, 428, 503, 504),
    },
)
async def update_claim(
    claim_id: ClaimIdPath, body: ClaimChange, principal: DeskWriter, rpc: RpcDep, if_match: IfMatch = None
) -> JSONResponse:
    """Names the revision read (`If-Match: "2"` or `expected_revision`): none 428, stale 409 with `current_revision`.
    `status: retired` stops matching it."""
    changes = body.model_dump(exclude={"expected_revision"}, exclude_none=True)
    if not changes:
        fields = ", ".join(name for name in ClaimChange.model_fields if name != "expected_revision")
        raise ApiProblem(422, "request-validation", f"name at least one field to change: {fields}", field="body")
    revision = expected_revision(if_match, body.expected_revision, "GET /v1/monitoring/claims/{id}")
    request = rpc_request(contract.UpdateClaim, claim_id=claim_id, expected_revision=revision, **changes)
    return revisioned(await rpc.call(SERVICE, "update_claim", request))


@router.get(
    "/claims/{claim_id}/spread",
    response_model=Spread,
    summary="Rumour and refutation side by side, per time bucket",
    responses={
        200: json_example(SPREAD_EXAMPLE, "The spread series."),
        **problem_responses(401, 403, 404, 422, 503, 504),
    },
)
async def claim_spread(
    claim_id: ClaimIdPath,
    principal: Desk,
    rpc: RpcDep,
    bucket_minutes: Annotated[int, Query(ge=1, le=24 * 60)] = 60,
    since: Annotated[AwareDatetime | None, Query(examples=["2026-03-01T00:00:00+07:00"])] = None,
    until: Annotated[AwareDatetime | None, Query(examples=["2026-03-03T00:00:00+07:00"])] = None,
) -> JSONResponse:
    request = rpc_request(
        contract.GetSpread, claim_id=claim_id, bucket_minutes=bucket_minutes, since=since, until=until
    )
    return JSONResponse(await rpc.call(SERVICE, "spread", request), headers=VARY)


# -- what the desk found -------------------------------------------------------------------------------


@router.get(
    "/alerts",
    response_model=AlertPage,
    summary="Misinformation alerts, newest first",
    responses={200: json_example(ALERT_EXAMPLE, "A page of alerts."), **READ_ERRORS},
)
async def list_alerts(
    principal: Reader,
    rpc: RpcDep,
    unit_code: UnitFilter = None,
    claim_id: Annotated[str | None, Query(pattern=CLAIM_ID_PATTERN)] = None,
    since: Annotated[AwareDatetime | None, Query(examples=["2026-03-01T00:00:00+07:00"])] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> JSONResponse:
    """Unit officers get the alerts their unit must answer (`responsible_unit_code`)."""
    request = rpc_request(
        contract.ListAlerts, unit_code=unit_scope(principal, unit_code), claim_id=claim_id, since=since, limit=limit
    )
    page = await rpc.call(SERVICE, "list_alerts", request)
    if principal.role == "unit_officer":  # the service filters by unit; never let another unit's alert through
        page["items"] = [a for a in page["items"] if a.get("responsible_unit_code") == principal.unit_code]
    return JSONResponse(page, headers=VARY)


@router.get(
    "/trends",
    response_model=TrendPage,
    summary="Detected trends, newest first",
    responses={200: json_example(TRENDS_EXAMPLE, "A page of trends."), **READ_ERRORS},
)
async def list_trends(
    principal: Desk,
    rpc: RpcDep,
    since: Annotated[AwareDatetime | None, Query(examples=["2026-03-01T00:00:00+07:00"])] = None,
    until: Annotated[AwareDatetime | None, Query(examples=["2026-03-03T00:00:00+07:00"])] = None,
    term: Annotated[str | None, Query(max_length=100, description="Any diacritics.", examples=["ngap"])] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> JSONResponse:
    request = rpc_request(contract.ListTrends, since=since, until=until, term=term, limit=limit)
    return JSONResponse(await rpc.call(SERVICE, "list_trends", request), headers=VARY)


@router.get(
    "/stories/{story_id}",
    response_model=Story,
    summary="A story: first appearance, sources, items",
    responses={200: json_example(STORY_EXAMPLE, "The story."), **problem_responses(401, 403, 404, 422, 503, 504)},
)
async def get_story(
    story_id: Annotated[str, Path(min_length=1, max_length=80, examples=["s-5b2e"])],
    principal: Desk,
    rpc: RpcDep,
    limit: Annotated[int, Query(ge=1, le=200, description="How many of its items, newest first.")] = 50,
) -> JSONResponse:
    request = rpc_request(contract.GetStory, story_id=story_id, limit=limit)
    return JSONResponse(await rpc.call(SERVICE, "get_story", request), headers=VARY)
