"""`/v1/questions`, `/v1/public-answers`, `/v1/scorecards`, `/v1/question-categories`: journalists'
questions over the feedback RPC.

Who acts and who reads come only from the verified caller (`Principal.as_actor()`,
`feedback_viewer(principal)`). The feedback service enforces the workflow (role, own question,
acting unit, status, revision); the gateway admits each action only from the roles that may ever
do it (API tokens also need the `questions:write` scope). Journalists and unit officers act only
on questions they may read: anything else is the same 404 as reading it, so ids do not leak.
Changes may name the revision they were made from (`If-Match: "<revision>"` or `expected_revision`
in the body; a stale one is 409); without one the service applies the action to the question as
it is then, which the workflow's status rules keep safe.
"""

# No `from __future__ import annotations`: `writer` annotates with a closure FastAPI must resolve.
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query
from fastapi.responses import JSONResponse, Response
from pydantic import AwareDatetime

from presscenter.gateway.auth import Principal, require_roles, require_writer
from presscenter.gateway.auth.principal import ANONYMOUS_VIEWER_ID
from presscenter.gateway.dependencies import RpcDep
from presscenter.gateway.problems import ApiProblem, problem_responses
from presscenter.gateway.routes import question_bodies as bodies
from presscenter.gateway.routes.release_bodies import RevisionBody, json_example
from presscenter.gateway.routes.releases import rpc_request
from presscenter.gateway.routes.revisions import (
    IF_MATCH_EXAMPLE,
    named_revision,
    public_json,
    revisioned,
    revisioned_read,
)
from presscenter.gateway.rpc_client import RpcClient
from presscenter.shared.events.common import Language
from presscenter.shared.events.feedback import QuestionStatus
from presscenter.shared.rpc import feedback as contract
from presscenter.shared.rpc.feedback import (
    CategoryList,
    PublicAnswerPage,
    Question,
    QuestionPage,
    Scorecards,
    Stage,
)

SERVICE = "feedback"
WRITE_SCOPE = "questions:write"
ASKERS = ("journalist",)
READERS = ("journalist", "unit_officer", "editor", "admin")
UNIT_SIDE = ("unit_officer", "editor", "admin")  # start, ask for clarification, answer
ASKER_SIDE = ("journalist", "editor", "admin")  # clarify, close, reopen
EDITORS = ("editor", "admin")  # reroute, escalate, every scorecard
FULL_ACCESS = frozenset(EDITORS)
READ_CACHE = "private, no-cache"
PUBLIC_ANSWERS_MAX_AGE = 30
CATEGORIES_MAX_AGE = 300


def feedback_viewer(principal: Principal | None) -> dict[str, Any]:
    """The caller as the feedback service's `Viewer`; the public when anonymous."""
    if principal is None:
        return contract.Viewer(id=ANONYMOUS_VIEWER_ID, role="public").model_dump(mode="json")
    return contract.Viewer(id=principal.id, role=principal.role, unit_code=principal.unit_code).model_dump(mode="json")


def optional_revision(if_match: str | None, body_revision: int | None) -> int | None:
    """The revision a change names (`If-Match` or `expected_revision`), None for any (`*` or neither)."""
    return named_revision(None if if_match is not None and if_match.strip() == "*" else if_match, body_revision)


Reader = Annotated[Principal, Depends(require_roles(*READERS))]
Asker = Annotated[Principal, Depends(require_writer(WRITE_SCOPE, *ASKERS))]
UnitSide = Annotated[Principal, Depends(require_writer(WRITE_SCOPE, *UNIT_SIDE))]
AskerSide = Annotated[Principal, Depends(require_writer(WRITE_SCOPE, *ASKER_SIDE))]
Editor = Annotated[Principal, Depends(require_writer(WRITE_SCOPE, *EDITORS))]
QuestionId = Annotated[
    str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$", examples=["q-3f9a6b0c2d4e6f8a"])
]
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=40,
        description='The ETag of the question as read, e.g. `"3"`; a stale one is 409. Optional.',
        examples=[IF_MATCH_EXAMPLE],
    ),
]
IfNoneMatch = Annotated[str | None, Header(alias="If-None-Match", max_length=200, include_in_schema=False)]
MaybeRevision = RevisionBody | None
Cursor = Annotated[str | None, Query(max_length=200, description="`next_cursor` of the previous page.")]

QUESTION_OK = {
    **json_example(bodies.QUESTION_EXAMPLE, "The question after the change; `ETag` is its new revision."),
    "headers": {"ETag": {"description": 'The revision, quoted: `"5"`.', "schema": {"type": "string"}}},
}
CHANGE_ERRORS = problem_responses(400, 401, 403, 404, 409, 422, 503, 504)
PUBLIC_HEADERS = {"ETag": {"schema": {"type": "string"}}, "Cache-Control": {"schema": {"type": "string"}}}

router = APIRouter(tags=["questions"])


async def act(
    rpc: RpcClient,
    method: str,
    model: type[contract.QuestionAction],
    question_id: str,
    principal: Principal,
    if_match: str | None,
    body: RevisionBody | None,
    **fields: Any,
) -> JSONResponse:
    """One workflow step by the caller, on a question the caller may read (404 otherwise)."""
    revision = optional_revision(if_match, body.expected_revision if body is not None else None)
    request = rpc_request(
        model, actor=principal.as_actor(), question_id=question_id, expected_revision=revision, **fields
    )
    if principal.role not in FULL_ACCESS:
        visible = rpc_request(contract.GetQuestion, viewer=feedback_viewer(principal), question_id=question_id)
        await rpc.call(SERVICE, "get", visible)
    return revisioned(await rpc.call(SERVICE, method, request))


# -- asking and reading ---------------------------------------------------------------------------


@router.post(
    "/v1/questions",
    status_code=201,
    response_model=Question,
    summary="Ask a question",
    responses={
        201: {
            **json_example(bodies.QUESTION_EXAMPLE, "The question, already routed to the unit that must answer."),
            "headers": {"Location": {"schema": {"type": "string"}}, "ETag": {"schema": {"type": "string"}}},
        },
        **problem_responses(401, 403, 422, 503, 504),
    },
)
async def ask(body: bodies.NewQuestion, principal: Asker, rpc: RpcDep) -> JSONResponse:
    """A journalist asks; feedback routes it at once by category, place and keywords, with a
    working-time deadline. The answer, and every step on the way, show in GET /v1/questions/{id}."""
    fields = body.model_dump()
    fields["outlet"] = body.outlet or principal.outlet
    request = rpc_request(contract.Ask, actor=principal.as_actor(), origin="journalist", **fields)
    question = await rpc.call(SERVICE, "ask", request)
    return revisioned(question, 201, Location=f"/v1/questions/{question['id']}")


@router.get(
    "/v1/questions",
    response_model=QuestionPage,
    summary="A queue of questions, most urgent first",
    responses={
        200: json_example(bodies.QUEUE_EXAMPLE, "A page of summaries with deadlines."),
        **problem_responses(401, 403, 422, 503, 504),
    },
)
async def queue(
    principal: Reader,
    rpc: RpcDep,
    unit_code: Annotated[
        str | None, Query(max_length=64, description="Officers: their unit by default.", examples=["csgt-ca-hn"])
    ] = None,
    include_subunits: Annotated[bool, Query(description="Also the questions of the units below.")] = False,
    status: Annotated[list[QuestionStatus] | None, Query(description="Repeat for several.")] = None,
    stage: Annotated[list[Stage] | None, Query(description="Deadline stages; repeat for several.")] = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> JSONResponse:
    """Journalists get the questions they asked; unit officers their unit's queue (or a unit below
    it); editors and admins any unit's, or every question."""
    request = rpc_request(
        contract.QueueQuery,
        viewer=feedback_viewer(principal),
        unit_code=unit_code,
        include_subunits=include_subunits,
        status=status or [],
        stage=stage or [],
        cursor=cursor,
        limit=limit,
    )
    page = await rpc.call(SERVICE, "queue", request)
    return JSONResponse(page, headers={"Cache-Control": READ_CACHE, "Vary": "Authorization"})


@router.get(
    "/v1/questions/{question_id}",
    response_model=Question,
    summary="One question with its routing, escalations and history",
    responses={
        200: {
            **json_example(bodies.QUESTION_EXAMPLE, "The question; `ETag` is its revision."),
            "headers": {"ETag": {"schema": {"type": "string"}}},
        },
        304: {"description": "`If-None-Match` names the current revision."},
        **problem_responses(401, 403, 404, 422, 503, 504),
    },
)
async def get_question(
    question_id: QuestionId, principal: Reader, rpc: RpcDep, if_none_match: IfNoneMatch = None
) -> Response:
    """The journalist who asked, the units it reached (and the units above them), editors and admins;
    404 for everyone else as for a question that does not exist."""
    request = rpc_request(contract.GetQuestion, viewer=feedback_viewer(principal), question_id=question_id)
    question = await rpc.call(SERVICE, "get", request)
    headers = {"Cache-Control": READ_CACHE, "Vary": "Authorization"}
    return revisioned_read(question, if_none_match, **headers)


# -- the workflow ---------------------------------------------------------------------------------


def workflow_route(path: str, summary: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return router.post(
        f"/v1/questions/{{question_id}}/{path}",
        response_model=Question,
        summary=summary,
        responses={200: QUESTION_OK, **CHANGE_ERRORS},
    )


@workflow_route("start", "The unit starts working on the question")
async def start(
    question_id: QuestionId, principal: UnitSide, rpc: RpcDep, if_match: IfMatch = None, body: MaybeRevision = None
) -> JSONResponse:
    return await act(rpc, "start", contract.QuestionAction, question_id, principal, if_match, body)


@workflow_route("clarification-request", "The unit asks the journalist to clarify; the clocks pause")
async def request_clarification(
    question_id: QuestionId,
    body: bodies.ClarificationRequest,
    principal: UnitSide,
    rpc: RpcDep,
    if_match: IfMatch = None,
) -> JSONResponse:
    return await act(
        rpc,
        "request_clarification",
        contract.RequestClarification,
        question_id,
        principal,
        if_match,
        body,
        request=body.request,
    )


@workflow_route("clarification", "The journalist clarifies; the clocks run again")
async def clarify(
    question_id: QuestionId,
    body: bodies.ClarificationReply,
    principal: AskerSide,
    rpc: RpcDep,
    if_match: IfMatch = None,
) -> JSONResponse:
    return await act(rpc, "clarify", contract.Clarify, question_id, principal, if_match, body, text=body.text)


@workflow_route("answer", "The responsible unit answers, optionally for the public Q&A")
async def answer(
    question_id: QuestionId, body: bodies.AnswerBody, principal: UnitSide, rpc: RpcDep, if_match: IfMatch = None
) -> JSONResponse:
    return await act(
        rpc,
        "answer",
        contract.AnswerQuestion,
        question_id,
        principal,
        if_match,
        body,
        text=body.text,
        public=body.public,
    )


@workflow_route("close", "Close: the journalist accepts or withdraws, an editor closes")
async def close(
    question_id: QuestionId,
    principal: AskerSide,
    rpc: RpcDep,
    if_match: IfMatch = None,
    body: bodies.Closing | None = None,
) -> JSONResponse:
    reason = body.reason if body is not None else ""
    return await act(rpc, "close", contract.CloseQuestion, question_id, principal, if_match, body, reason=reason)


@workflow_route("reopen", "Reopen an answered question within the window: a new round")
async def reopen(
    question_id: QuestionId, body: bodies.Reopening, principal: AskerSide, rpc: RpcDep, if_match: IfMatch = None
) -> JSONResponse:
    return await act(rpc, "reopen", contract.ReopenQuestion, question_id, principal, if_match, body, reason=body.reason)


@workflow_route("reroute", "An editor sends the question to another unit, with the reason")
async def reroute(
    question_id: QuestionId, body: bodies.Rerouting, principal: Editor, rpc: RpcDep, if_match: IfMatch = None
) -> JSONResponse:
    return await act(
        rpc,
        "reroute",
        contract.Reroute,
        question_id,
        principal,
        if_match,
        body,
        unit_code=body.unit_code,
        reason=body.reason,
    )


@workflow_route("escalate", "An editor escalates the question up the unit tree, with the reason")
async def escalate(
    question_id: QuestionId, body: bodies.Escalation, principal: Editor, rpc: RpcDep, if_match: IfMatch = None
) -> JSONResponse:
    return await act(
        rpc,
        "escalate",
        contract.Escalate,
        question_id,
        principal,
        if_match,
        body,
        reason=body.reason,
        to_unit_code=body.to_unit_code,
    )


# -- public answers, scorecards, categories ------------------------------------------------------


@router.get(
    "/v1/public-answers",
    response_model=PublicAnswerPage,
    summary="The public Q&A: answered questions marked public",
    responses={
        200: {**json_example(bodies.PUBLIC_ANSWERS_EXAMPLE, "Newest answer first."), "headers": PUBLIC_HEADERS},
        304: {"description": "`If-None-Match` names the current body."},
        **problem_responses(422, 503, 504),
    },
)
async def public_answers(
    rpc: RpcDep,
    q: Annotated[
        str | None, Query(max_length=200, description="Words; diacritics-insensitive.", examples=["phat nguoi"])
    ] = None,
    category: Annotated[str | None, Query(max_length=64, examples=["traffic"])] = None,
    unit_code: Annotated[str | None, Query(max_length=64, examples=["csgt-ca-hn"])] = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    if_none_match: IfNoneMatch = None,
) -> Response:
    """Anyone may read it; no journalist's identity is shown. Cacheable for 30 seconds."""
    request = rpc_request(
        contract.PublicAnswersQuery, q=q, category=category, unit_code=unit_code, cursor=cursor, limit=limit
    )
    page = await rpc.call(SERVICE, "public_answers", request)
    return public_json(page, PUBLIC_ANSWERS_MAX_AGE, if_none_match)


@router.get(
    "/v1/scorecards",
    response_model=Scorecards,
    summary="How each unit answers the press",
    responses={
        200: json_example(bodies.SCORECARDS_EXAMPLE, "One scorecard per unit."),
        **problem_responses(401, 403, 422, 503, 504),
    },
)
async def scorecards(
    principal: Annotated[Principal, Depends(require_roles(*UNIT_SIDE))],
    rpc: RpcDep,
    unit_code: Annotated[list[str] | None, Query(description="Repeat for several; every unit when omitted.")] = None,
    since: Annotated[AwareDatetime | None, Query(examples=["2026-11-01T00:00:00+07:00"])] = None,
    until: Annotated[AwareDatetime | None, Query(examples=["2026-12-01T00:00:00+07:00"])] = None,
) -> JSONResponse:
    """Editors and admins: any units (every unit by default). Unit officers: their own unit only."""
    units = list(unit_code or [])
    if principal.role == "unit_officer":
        own = principal.unit_code
        others = sorted(set(units) - {own})
        if own is None or others:
            raise ApiProblem(
                403,
                "forbidden",
                f"a unit officer reads the scorecard of their own unit ({own or 'none'}), not {', '.join(others)}",
                field="unit_code",
            )
        units = [own]
    request = rpc_request(contract.ScorecardQuery, unit_codes=units, since=since, until=until)
    cards = await rpc.call(SERVICE, "scorecards", request)
    return JSONResponse(cards, headers={"Cache-Control": READ_CACHE, "Vary": "Authorization"})


@router.get(
    "/v1/question-categories",
    response_model=CategoryList,
    summary="Question categories with their answer deadlines",
    responses={
        200: {**json_example(bodies.CATEGORIES_EXAMPLE, "Deadlines in working hours."), "headers": PUBLIC_HEADERS},
        304: {"description": "`If-None-Match` names the current body."},
        **problem_responses(422, 503, 504),
    },
)
async def categories(
    rpc: RpcDep, language: Annotated[Language, Query()] = "vi", if_none_match: IfNoneMatch = None
) -> Response:
    """Anyone may read them. Cacheable for 5 minutes."""
    request = rpc_request(contract.CategoriesQuery, language=language)
    found = await rpc.call(SERVICE, "categories", request)
    return public_json(found, CATEGORIES_MAX_AGE, if_none_match)
