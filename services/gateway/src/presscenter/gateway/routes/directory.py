"""`/v1/units`: the unit directory (city office, departments, sectors, wards, communes) as the feedback
service keeps it: the tree questions are routed and escalated along.

Public: no credentials are read. Cacheable for a minute with a strong ETag over the body (304 for
a matching `If-None-Match`); a directory update shows within that minute.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query
from fastapi.responses import Response

from presscenter.gateway.dependencies import RpcDep
from presscenter.gateway.problems import problem_responses
from presscenter.gateway.routes import question_bodies as bodies
from presscenter.gateway.routes.questions import SERVICE
from presscenter.gateway.routes.release_bodies import json_example
from presscenter.gateway.routes.releases import rpc_request
from presscenter.gateway.routes.revisions import public_json
from presscenter.shared.rpc import feedback as contract
from presscenter.shared.rpc.feedback import UnitDetail, UnitPage

MAX_AGE = 60
HEADERS = {
    "ETag": {"description": "Strong validator of the body.", "schema": {"type": "string"}},
    "Cache-Control": {"schema": {"type": "string", "example": f"public, max-age={MAX_AGE}"}},
}
IfNoneMatch = Annotated[str | None, Header(alias="If-None-Match", max_length=200, include_in_schema=False)]

router = APIRouter(prefix="/v1/units", tags=["directory"])


@router.get(
    "",
    response_model=UnitPage,
    summary="Find units of the directory",
    responses={
        200: {**json_example(bodies.UNIT_PAGE_EXAMPLE, "A page of units in tree order."), "headers": HEADERS},
        304: {"description": "`If-None-Match` names the current body."},
        **problem_responses(422, 503, 504),
    },
)
async def find_units(
    rpc: RpcDep,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Words of the name (Vietnamese or English) or code, diacritics-insensitive; "
            "each may be the start of a word.",
            examples=["hoan kiem"],
        ),
    ] = None,
    parent: Annotated[
        str | None, Query(max_length=64, description="Only the units directly under it.", examples=["ca-hn"])
    ] = None,
    kind: Annotated[
        str | None,
        Query(max_length=32, description="city_office, department, sector, agency, ward, commune", examples=["ward"]),
    ] = None,
    include_inactive: Annotated[bool, Query(description="Also units that no longer take questions.")] = False,
    cursor: Annotated[str | None, Query(max_length=200, description="`next_cursor` of the previous page.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    if_none_match: IfNoneMatch = None,
) -> Response:
    """Root first, then level by level, siblings by code."""
    request = rpc_request(
        contract.UnitsQuery,
        q=q,
        parent=parent,
        kind=kind,
        include_inactive=include_inactive,
        cursor=cursor,
        limit=limit,
    )
    return public_json(await rpc.call(SERVICE, "units", request), MAX_AGE, if_none_match)


@router.get(
    "/{code}",
    response_model=UnitDetail,
    summary="One unit with the chain above it and the units under it",
    responses={
        200: {
            **json_example(bodies.UNIT_DETAIL_EXAMPLE, "Ancestors nearest first, ending with the root."),
            "headers": HEADERS,
        },
        304: {"description": "`If-None-Match` names the current body."},
        **problem_responses(404, 422, 503, 504),
    },
)
async def get_unit(
    code: Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_.-]*$", examples=["ca-hn"])],
    rpc: RpcDep,
    if_none_match: IfNoneMatch = None,
) -> Response:
    """The ancestors are the chain an overdue question escalates along."""
    request = rpc_request(contract.GetUnit, code=code)
    return public_json(await rpc.call(SERVICE, "unit", request), MAX_AGE, if_none_match)
