"""RFC 9457 problem details for every error the gateway answers, and the one error table.

Remote errors are mapped by nameko's `exc_type` through `presscenter.shared.rpc.errors.ERRORS`:
a known `ServiceError` below 500 keeps its status, title, detail and `field` (and `errors`,
`current_revision` and the other extras it was raised with); anything else a service raises is a
502 whose detail stays in the log. Unreachable services are 503 with Retry-After, timeouts 504,
request validation 422 naming every field, unknown routes 404/405, oversized bodies 413, rate
limits 429 with Retry-After. Every problem carries the request id as `request_id` and, as a URN,
as `instance`.
"""

from __future__ import annotations

import importlib
import json
import logging
import re
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response
from starlette.types import Scope

from presscenter.gateway.request_context import request_id_of
from presscenter.gateway.rpc_errors import BadReply, RemoteServiceError, RpcTimeout, ServiceUnavailable
from presscenter.shared.redaction import redact
from presscenter.shared.rpc.errors import ERRORS, ServiceError

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:presscenter:problem:"
# Members a service's extras may not override.
_RESERVED = frozenset({"type", "title", "status", "detail", "instance", "request_id"})
# Extras nameko stringified on the way (it sends every non-string scalar as text) that are integers.
_INTEGER_EXTRAS = frozenset({"current_revision", "revision", "expected_revision"})


class Problem(BaseModel):
    """The problem+json body (RFC 9457), for the OpenAPI document; extension members are allowed."""

    model_config = ConfigDict(extra="allow")

    type: str = Field("about:blank", examples=["urn:presscenter:problem:conflict"])
    title: str = Field(examples=["Conflict"])
    status: int = Field(examples=[409])
    detail: str | None = Field(None, examples=["release 42 is at revision 5, you sent 4"])
    instance: str | None = Field(None, examples=["urn:presscenter:request:4f1c0e9a7d2b4b8e9d0a1c2b3e4f5a6b"])
    request_id: str | None = Field(None, examples=["4f1c0e9a7d2b4b8e9d0a1c2b3e4f5a6b"])


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: each status documented as a problem+json `Problem`."""
    return {
        status: {
            "model": Problem,
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }


def problem_type(slug: str) -> str:
    return f"{PROBLEM_TYPE_PREFIX}{slug}"


def slug_of(name: str) -> str:
    """`InvalidTransition` -> `invalid-transition`."""
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def problem_body(
    request_id: str,
    status: int,
    *,
    title: str | None = None,
    detail: str | None = None,
    type_: str = "about:blank",
    extensions: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": type_,
        "title": title or HTTPStatus(status).phrase,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    body["instance"] = f"urn:presscenter:request:{request_id}"
    body["request_id"] = request_id
    for key, value in (extensions or {}).items():
        if key not in _RESERVED and value is not None:
            body[key] = value
    return body


def problem_response(
    scope: Scope,
    status: int,
    *,
    title: str | None = None,
    detail: str | None = None,
    type_: str = "about:blank",
    headers: Mapping[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    """A problem+json response for the request of `scope` (usable from plain ASGI middleware)."""
    body = problem_body(request_id_of(scope), status, title=title, detail=detail, type_=type_, extensions=extensions)
    return JSONResponse(body, status_code=status, headers=dict(headers or {}), media_type=PROBLEM_MEDIA_TYPE)


class ApiProblem(StarletteHTTPException):
    """Raise from a route (or a body reader) to answer a problem:
    `raise ApiProblem(409, "conflict", "...", current_revision=3)`.

    An `HTTPException`, so FastAPI lets it through body parsing like its own.
    """

    def __init__(
        self,
        status: int,
        slug: str | None = None,
        detail: str | None = None,
        *,
        title: str | None = None,
        headers: Mapping[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(status, detail, dict(headers or {}))
        self.type = problem_type(slug) if slug else "about:blank"
        self.title = title
        self.extensions = extensions


# -- the error table ------------------------------------------------------------------------


def service_error_class(exc_type: str, exc_path: str | None) -> type[ServiceError] | None:
    """The shared `ServiceError` subclass nameko named, importing its module if it is ours and not loaded.

    Only modules under `presscenter.shared.` are imported: the contracts every service shares.
    """
    cls = ERRORS.get(exc_type)
    if cls is None and exc_path and exc_path.startswith("presscenter.shared."):
        module = exc_path.rpartition(".")[0]
        try:
            importlib.import_module(module)
        except ImportError:
            return None
        cls = ERRORS.get(exc_type)
    return cls


def _coerce(key: str, value: Any) -> Any:
    if key in _INTEGER_EXTRAS and isinstance(value, str) and re.fullmatch(r"-?\d+", value):
        return int(value)
    return value


def remote_error_problem(exc: RemoteServiceError, request_id: str) -> tuple[int, dict[str, Any]]:
    """HTTP status and problem body for a service's error (the table: `ERRORS` by `exc_type`)."""
    cls = service_error_class(exc.exc_type, exc.exc_path)
    if cls is None or cls.status >= 500:
        log.error(
            "request %s: %s.%s failed with %s: %s",
            request_id,
            exc.service,
            exc.method,
            exc.exc_type,
            redact(exc.value)[:2000],
        )
        return 502, problem_body(
            request_id,
            502,
            title="Bad gateway",
            detail=f"The {exc.service} service could not handle the request.",
            type_=problem_type("upstream-error"),
        )
    args = exc.exc_args
    detail = args[0] if args and isinstance(args[0], str) else exc.value
    field = args[1] if len(args) > 1 and isinstance(args[1], str) else None
    extra = args[2] if len(args) > 2 and isinstance(args[2], dict) else {}
    extensions = {key: _coerce(key, value) for key, value in extra.items()}
    extensions["field"] = field
    type_ = problem_type(slug_of(cls.__name__))
    return cls.status, problem_body(
        request_id, cls.status, title=cls.title, detail=detail, type_=type_, extensions=extensions
    )


def validation_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    """`{field, message}` per error, the field as its location (`body.title`, `query.limit`); no input echoed."""
    errors = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error.get("loc", ())) or "(root)"
        errors.append({"field": field, "message": str(error.get("msg", "invalid"))})
    return errors


# -- handlers -------------------------------------------------------------------------------


async def _remote_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RemoteServiceError)
    status, body = remote_error_problem(exc, request_id_of(request.scope))
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE)


async def _unavailable(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ServiceUnavailable)
    log.warning("request %s: %s", request_id_of(request.scope), exc)
    whole = exc.service in ("*", "broker")
    detail = f"Unavailable: {exc.reason}." if whole else f"The {exc.service} service is unavailable: {exc.reason}."
    return problem_response(
        request.scope,
        503,
        title="Service unavailable",
        detail=detail,
        type_=problem_type("service-unavailable"),
        headers={"Retry-After": str(exc.retry_after)},
    )


async def _timeout(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RpcTimeout)
    log.warning("request %s: %s", request_id_of(request.scope), exc)
    return problem_response(
        request.scope,
        504,
        title="Gateway timeout",
        detail=f"The {exc.service} service did not answer within {exc.timeout:g} seconds.",
        type_=problem_type("upstream-timeout"),
    )


async def _bad_reply(request: Request, exc: Exception) -> Response:
    log.error("request %s: %s", request_id_of(request.scope), redact(str(exc)))
    return problem_response(
        request.scope,
        502,
        title="Bad gateway",
        detail="A service sent a reply the gateway cannot read.",
        type_=problem_type("upstream-error"),
    )


def validation_problem(scope: Scope, errors: list[dict[str, str]]) -> Response:
    """The 422 problem of an invalid request: `errors` as `{field, message}`, the first one named."""
    first = errors[0] if errors else {"field": "(root)", "message": "invalid request"}
    return problem_response(
        scope,
        422,
        title="Invalid request",
        detail=f"{first['field']}: {first['message']}",
        type_=problem_type("request-validation"),
        field=first["field"],
        errors=errors,
    )


async def _request_validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return validation_problem(request.scope, validation_errors(exc))


async def _http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=exc.headers)
    if isinstance(exc, ApiProblem):
        return problem_response(
            request.scope,
            exc.status_code,
            title=exc.title,
            detail=exc.detail,
            type_=exc.type,
            headers=exc.headers,
            **exc.extensions,
        )
    phrase = HTTPStatus(exc.status_code).phrase
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != phrase else None
    extensions: dict[str, Any] = {}
    if isinstance(exc.detail, list):
        extensions["errors"] = exc.detail
    elif isinstance(exc.detail, dict):
        extensions.update(exc.detail)
    return problem_response(request.scope, exc.status_code, detail=detail, headers=exc.headers, **extensions)


def install_problem_handlers(app: FastAPI) -> None:
    """Every error the routes can raise, answered as problem+json (and documented so in the OpenAPI)."""
    app.add_exception_handler(RemoteServiceError, _remote_error)
    app.add_exception_handler(ServiceUnavailable, _unavailable)
    app.add_exception_handler(RpcTimeout, _timeout)
    app.add_exception_handler(BadReply, _bad_reply)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    document_framework_problems(app)


def document_framework_problems(app: FastAPI) -> None:
    """Document what the framework and middleware answer on every route, as the problem+json it is.

    FastAPI documents each route's 422 as `application/json` `HTTPValidationError`; the gateway
    answers it as problem+json (`_request_validation`). Routes taking a body may also answer 400 (a
    body that cannot be decoded) and 413 (`edge.RequestGuardMiddleware`); every rate-limited route 429.
    """
    from presscenter.gateway.rate_limit import EXEMPT_PATHS  # it answers with problem_response: import here

    build = app.openapi
    problem = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            for path, item in schema.get("paths", {}).items():
                for operation in item.values():
                    if not isinstance(operation, dict) or "responses" not in operation:
                        continue
                    responses = operation["responses"]
                    invalid = responses.get("422")
                    if invalid is not None and PROBLEM_MEDIA_TYPE not in invalid.get("content", {}):
                        invalid["content"] = dict(problem)
                    framework = ["400", "413"] if "requestBody" in operation else []
                    framework += [] if path in EXEMPT_PATHS else ["429"]
                    for status in framework:
                        responses.setdefault(
                            status, {"description": HTTPStatus(int(status)).phrase, "content": problem}
                        )
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components.setdefault(
                "Problem", Problem.model_json_schema(ref_template="#/components/schemas/{model}", mode="serialization")
            )
            for unused in ("HTTPValidationError", "ValidationError"):
                if f'"#/components/schemas/{unused}"' not in json.dumps(schema["paths"]):
                    components.pop(unused, None)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
