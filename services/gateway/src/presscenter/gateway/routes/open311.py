"""`/open311/v2`: Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) over the feedback service.

Services are the question categories; a service request is a question. Every resource answers as
`.json` or `.xml` (the spec's required format), and every error on these paths in the spec's own
format, a list of `{code, description}` (`<errors><error>...` in XML), not problem+json.

- `api_key` is an API token of the Press Center (as a parameter, or as `Authorization: Bearer`); it
  says who calls. POST needs a journalist's token with the `questions:write` scope (or a
  journalist's access token): the request becomes that journalist's question, and the spec's
  person fields (`email`, `first_name`, `phone`, ...) are not used. POST takes the spec's
  form-encoded body, or the same members as JSON. `attribute[priority]` is `urgent` or `normal`;
  `lat`/`long` alone do not route (a ward is found by `address_string` or `address_id`, a unit
  code): they are kept in the description.
- Without a key, GET requests shows only requests whose answer the unit made public; journalists
  see their own, unit officers their unit's, editors and admins all.
- `jurisdiction_id` may be omitted; any other than `JURISDICTION_ID` is 404.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Coroutine, Mapping
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import Annotated, Any, Literal
from xml.etree import ElementTree

from fastapi import APIRouter, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.routing import APIRoute
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from presscenter.gateway.auth import Principal, current_principal
from presscenter.gateway.auth.dependencies import datastore_guard, installed_service
from presscenter.gateway.auth.service import Unauthenticated
from presscenter.gateway.dependencies import RpcDep
from presscenter.gateway.problems import remote_error_problem, validation_errors
from presscenter.gateway.request_context import request_id_of
from presscenter.gateway.routes.questions import READERS, SERVICE, WRITE_SCOPE, feedback_viewer
from presscenter.gateway.routes.releases import rpc_request
from presscenter.gateway.rpc_client import RpcClient
from presscenter.gateway.rpc_errors import BadReply, RemoteServiceError, RpcTimeout, ServiceUnavailable
from presscenter.shared.events.common import Language
from presscenter.shared.rpc import feedback as contract
from presscenter.shared.rpc.feedback import MAX_BODY, MAX_TITLE

JURISDICTION_ID = "hanoi.gov.vn"
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-27T00:00:00+07:00"
CONTACT = "Trung tâm Báo chí Thủ đô (Capital Press Center), Hà Nội"
KEY_SERVICE = (
    "api_key is an API token of the Press Center, issued by its administrators to a journalist's account "
    "(scope questions:write to post requests)."
)
LIST_MAX_AGE = 300
PUBLIC_REQUESTS_MAX_AGE = 30
DEFAULT_SPAN = timedelta(days=90)  # the spec's default window of GET requests
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'  # as the spec asks
MEDIA_TYPES = {"json": "application/json", "xml": "text/xml; charset=utf-8"}
# XML: the element of each item of a list member
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}
_ATTRIBUTE = re.compile(r"^attribute\[([^\]]{1,64})\]$")

Format = Literal["json", "xml"]
FormatPath = Annotated[Format, Path(description="`json` or `xml`.")]
JurisdictionId = Annotated[str | None, Query(max_length=200, description=f"`{JURISDICTION_ID}` or omitted.")]
ApiKey = Annotated[str | None, Query(max_length=300, description="An API token; or send `Authorization: Bearer`.")]
Locale = Annotated[Language, Query(description="Language of names and notes (an extension).")]


# -- rendering ------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _append(parent: ElementTree.Element, tag: str, value: Any) -> None:
    element = ElementTree.SubElement(parent, tag)
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _append(element, str(key), inner)
    elif isinstance(value, list | tuple):
        for item in value:
            _append(element, ITEM_TAGS.get(tag, "item"), item)
    else:
        element.text = _text(value)


def to_xml(root: str, value: Any) -> bytes:
    """`value` (a list of items or an object) under `<root>`, UTF-8 with the XML declaration."""
    element = ElementTree.Element(root)
    if isinstance(value, list):
        for item in value:
            _append(element, ITEM_TAGS[root], item)
    else:
        for key, inner in value.items():
            _append(element, str(key), inner)
    return XML_DECLARATION + ElementTree.tostring(element, encoding="unicode").encode("utf-8")


def georeport_response(
    value: Any, format_: str, root: str, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    if format_ == "xml":
        return Response(to_xml(root, value), status_code=status, media_type=MEDIA_TYPES["xml"], headers=headers)
    body = json.dumps(value, ensure_ascii=False).encode("utf-8")
    return Response(body, status_code=status, media_type=MEDIA_TYPES["json"], headers=headers)


def error_response(
    request: Request, status: int, descriptions: list[str], headers: Mapping[str, str] | None = None
) -> Response:
    """The spec's error list, in the format the path asked for (JSON when it named none we know)."""
    format_ = request.path_params.get("format")
    errors = [{"code": status, "description": description} for description in descriptions]
    return georeport_response(errors, format_ if format_ in MEDIA_TYPES else "json", "errors", status, headers)


def _with_field(detail: str, field: Any) -> str:
    return f"{field}: {detail}" if isinstance(field, str) and field and not detail.startswith(field) else detail


def error_for(request: Request, exc: Exception) -> Response | None:
    """The spec-shaped error for what a GeoReport route raised; None for what it does not know."""
    if isinstance(exc, RequestValidationError):
        described = [
            f"{error['field'].removeprefix('query.').removeprefix('path.')}: {error['message']}"
            for error in validation_errors(exc)
        ]
        return error_response(request, 400, described)
    if isinstance(exc, StarletteHTTPException):
        status = 400 if exc.status_code == 422 else exc.status_code
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        return error_response(
            request, status, [_with_field(detail, getattr(exc, "extensions", {}).get("field"))], exc.headers
        )
    if isinstance(exc, RemoteServiceError):
        status, problem = remote_error_problem(exc, request_id_of(request.scope))
        detail = _with_field(str(problem.get("detail") or problem["title"]), problem.get("field"))
        return error_response(request, 400 if status == 422 else status, [detail])
    if isinstance(exc, ServiceUnavailable):
        retry = {"Retry-After": str(exc.retry_after)}
        return error_response(request, 503, [f"the {exc.service} service is unavailable: {exc.reason}"], retry)
    if isinstance(exc, RpcTimeout):
        return error_response(request, 504, [f"the {exc.service} service did not answer in time"])
    if isinstance(exc, BadReply):
        return error_response(request, 502, ["a service sent a reply the gateway cannot read"])
    return None


class GeoReportRoute(APIRoute):
    """A route whose errors are the spec's `{code, description}` list rather than problem+json."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await handle(request)
            except Exception as exc:
                response = error_for(request, exc)
                if response is None:
                    raise
                return response

        return handler


def spec_error(status: int, description: str, field: str | None = None) -> StarletteHTTPException:
    error = StarletteHTTPException(status, description)
    error.extensions = {"field": field}  # type: ignore[attr-defined]
    return error


# -- who calls -------------------------------------------------------------------------------------


async def caller(request: Request, api_key: str | None) -> Principal | None:
    """The verified caller: `Authorization: Bearer` first, else `api_key`; None when neither is sent."""
    if request.headers.get("authorization") is not None:
        return await current_principal(request, None, None)
    if not api_key:
        return None
    try:
        with datastore_guard():
            return await installed_service(request).authenticate(api_key)
    except Unauthenticated as exc:
        raise spec_error(403, f"invalid api_key: {exc}", "api_key") from None


def check_jurisdiction(jurisdiction_id: str | None) -> None:
    if jurisdiction_id is not None and jurisdiction_id != JURISDICTION_ID:
        raise spec_error(404, f"jurisdiction_id not found: this server serves {JURISDICTION_ID}", "jurisdiction_id")


def reader_viewer(principal: Principal | None) -> dict[str, Any]:
    if principal is not None and principal.role not in READERS:
        raise spec_error(403, f"a {principal.role} account does not read service requests", "api_key")
    return feedback_viewer(principal)


def read_headers(principal: Principal | None) -> dict[str, str]:
    if principal is None:
        return {"Cache-Control": f"public, max-age={PUBLIC_REQUESTS_MAX_AGE}"}
    return {"Cache-Control": "private, no-cache", "Vary": "Authorization"}


# -- routes ------------------------------------------------------------------------------------------

router = APIRouter(prefix="/open311/v2", tags=["open311"], route_class=GeoReportRoute)


def _document(example: Any, xml_root: str, description: str) -> dict[str, Any]:
    xml = to_xml(xml_root, example).decode("utf-8")
    return {
        "description": description,
        "content": {
            "application/json": {"example": example},
            "text/xml": {"schema": {"type": "string"}, "example": xml},
        },
    }


ERRORS_DOC = {
    "description": "The spec's error list.",
    "content": {
        "application/json": {"example": [{"code": 400, "description": "service_code: field required"}]},
        "text/xml": {"schema": {"type": "string"}},  # the same list, for `.xml` requests
    },
}
SERVICE_EXAMPLE = contract.GeoReportService(
    service_code="traffic",
    service_name="Giao thông",
    description="Traffic and transport",
    keywords="traffic, transport, roads",
    group="city",
).model_dump(mode="json")
REQUEST_EXAMPLE = contract.GeoReportRequest(
    service_request_id="q-3f9a6b0c2d4e6f8a",
    status="open",
    status_notes="Đang xử lý tại Phòng Cảnh sát giao thông - Công an Thành phố Hà Nội, hạn 2026-11-28T15:00:00+07:00",
    service_name="Giao thông",
    service_code="traffic",
    description="Tháng 11 có bao nhiêu trường hợp bị phạt nguội trên đường Láng?",
    agency_responsible="Phòng Cảnh sát giao thông - Công an Thành phố Hà Nội",
    requested_datetime="2026-11-27T09:00:00+07:00",
    updated_datetime="2026-11-27T09:00:00+07:00",
    expected_datetime="2026-11-28T15:00:00+07:00",
    address="Phòng Cảnh sát giao thông - Công an Thành phố Hà Nội",
    address_id="csgt-ca-hn",
).model_dump(mode="json")
CREATED_EXAMPLE = [
    {
        "service_request_id": "q-3f9a6b0c2d4e6f8a",
        "service_notice": "Đã chuyển đến Phường Hai Bà Trưng, hạn trả lời 2026-11-30T11:00:00+07:00",
        "account_id": None,
    }
]


def discovery_document(base_url: str) -> dict[str, Any]:
    return {
        "changeset": CHANGESET,
        "contact": CONTACT,
        "key_service": KEY_SERVICE,
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": f"{base_url.rstrip('/')}/open311/v2",
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }


@router.get(
    "/discovery.{format}",
    summary="Service discovery",
    response_class=Response,
    responses={
        200: _document(discovery_document("http://127.0.0.1:8000"), "discovery", "Where and how."),
        400: ERRORS_DOC,
    },
)
async def discovery(request: Request, format: FormatPath) -> Response:
    headers = {"Cache-Control": f"public, max-age={LIST_MAX_AGE}"}
    return georeport_response(discovery_document(str(request.base_url)), format, "discovery", headers=headers)


async def service_list(rpc: RpcClient, locale: str) -> list[dict[str, Any]]:
    found = await rpc.call(SERVICE, "georeport_services", rpc_request(contract.GeoReportServicesQuery, locale=locale))
    return list(found["services"])


@router.get(
    "/services.{format}",
    summary="Service list: the question categories",
    response_class=Response,
    responses={200: _document([SERVICE_EXAMPLE], "services", "Every service."), 400: ERRORS_DOC, 404: ERRORS_DOC},
)
async def services(
    format: FormatPath, rpc: RpcDep, jurisdiction_id: JurisdictionId = None, locale: Locale = "vi"
) -> Response:
    check_jurisdiction(jurisdiction_id)
    headers = {"Cache-Control": f"public, max-age={LIST_MAX_AGE}"}
    return georeport_response(await service_list(rpc, locale), format, "services", headers=headers)


@router.get(
    "/services/{service_code}.{format}",
    summary="Service definition",
    response_class=Response,
    responses={
        200: _document({"service_code": "traffic", "attributes": []}, "service_definition", "No extra attributes."),
        400: ERRORS_DOC,
        404: ERRORS_DOC,
    },
)
async def service_definition(
    service_code: Annotated[str, Path(max_length=64)],
    format: FormatPath,
    rpc: RpcDep,
    jurisdiction_id: JurisdictionId = None,
) -> Response:
    """Services take no attributes beyond the spec's (`metadata` is false), so the list is empty."""
    check_jurisdiction(jurisdiction_id)
    if service_code not in {service["service_code"] for service in await service_list(rpc, "vi")}:
        raise spec_error(404, f"no service {service_code!r}; see services.{format}", "service_code")
    definition = {"service_code": service_code, "attributes": []}
    headers = {"Cache-Control": f"public, max-age={LIST_MAX_AGE}"}
    return georeport_response(definition, format, "service_definition", headers=headers)


@router.get(
    "/requests.{format}",
    summary="Service requests",
    response_class=Response,
    responses={
        200: _document([REQUEST_EXAMPLE], "service_requests", "Oldest first."),
        400: ERRORS_DOC,
        403: ERRORS_DOC,
        404: ERRORS_DOC,
    },
)
async def requests(
    request: Request,
    format: FormatPath,
    rpc: RpcDep,
    service_request_id: Annotated[
        str | None, Query(max_length=2_000, description="Comma-separated ids; the other filters are ignored.")
    ] = None,
    service_code: Annotated[str | None, Query(max_length=64)] = None,
    start_date: Annotated[AwareDatetime | None, Query(description="W3C date-time with its offset.")] = None,
    end_date: Annotated[AwareDatetime | None, Query(description="W3C date-time with its offset.")] = None,
    status: Annotated[Literal["open", "closed"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="At most this many (an extension).")] = 50,
    jurisdiction_id: JurisdictionId = None,
    api_key: ApiKey = None,
    locale: Locale = "vi",
) -> Response:
    """Without ids, the last 90 days up to `end_date` (or now) unless `start_date` says otherwise."""
    check_jurisdiction(jurisdiction_id)
    principal = await caller(request, api_key)
    ids = [part.strip() for part in (service_request_id or "").split(",") if part.strip()]
    if ids:
        filters: dict[str, Any] = {"service_request_ids": ids}
    else:
        filters = {"service_code": service_code, "start_date": start_date, "end_date": end_date, "status": status}
        if start_date is None:
            filters["start_date"] = (end_date or datetime.now(UTC)) - DEFAULT_SPAN
    query = rpc_request(
        contract.GeoReportRequestsQuery, viewer=reader_viewer(principal), limit=limit, locale=locale, **filters
    )
    found = await rpc.call(SERVICE, "georeport_requests", query)
    return georeport_response(found["requests"], format, "service_requests", headers=read_headers(principal))


@router.get(
    "/requests/{service_request_id}.{format}",
    summary="One service request",
    response_class=Response,
    responses={
        200: _document([REQUEST_EXAMPLE], "service_requests", "A list of one, as the spec has it."),
        400: ERRORS_DOC,
        403: ERRORS_DOC,
        404: ERRORS_DOC,
    },
)
async def one_request(
    request: Request,
    service_request_id: Annotated[str, Path(max_length=64)],
    format: FormatPath,
    rpc: RpcDep,
    jurisdiction_id: JurisdictionId = None,
    api_key: ApiKey = None,
    locale: Locale = "vi",
) -> Response:
    """404 for a request that does not exist and for one the caller may not read alike."""
    check_jurisdiction(jurisdiction_id)
    principal = await caller(request, api_key)
    query = rpc_request(
        contract.GeoReportRequestsQuery,
        viewer=reader_viewer(principal),
        service_request_ids=[service_request_id],
        limit=1,
        locale=locale,
    )
    found = (await rpc.call(SERVICE, "georeport_requests", query))["requests"]
    if not found:
        raise spec_error(404, f"no service request {service_request_id}", "service_request_id")
    return georeport_response(found, format, "service_requests", headers=read_headers(principal))


# -- POST a request ----------------------------------------------------------------------------------


class GeoReportPost(BaseModel):
    """The members of a GeoReport v2 POST (form-encoded or JSON); unknown members are refused."""

    model_config = ConfigDict(extra="forbid")

    api_key: str | None = Field(default=None, max_length=300)
    jurisdiction_id: str | None = Field(default=None, max_length=200)
    service_code: str = Field(min_length=1, max_length=64)
    description: str = Field(min_length=1, max_length=MAX_BODY)
    title: str | None = Field(default=None, max_length=MAX_TITLE, description="An extension; derived when absent.")
    lat: float | None = Field(default=None, ge=-90, le=90)
    long: float | None = Field(default=None, ge=-180, le=180)
    address_string: str | None = Field(default=None, max_length=500)
    address_id: str | None = Field(default=None, max_length=64)
    media_url: str | None = Field(default=None, max_length=2_000)
    attribute: dict[str, str] = Field(default_factory=dict)
    locale: Language = "vi"
    # the reporting person: the journalist is the api_key's account, so these are not used
    email: str | None = Field(default=None, max_length=200)
    device_id: str | None = Field(default=None, max_length=200)
    account_id: str | None = Field(default=None, max_length=200)
    first_name: str | None = Field(default=None, max_length=200)
    last_name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40)

    def described(self) -> str:
        """The description, with coordinates kept when given (they do not route here)."""
        if self.lat is None or self.long is None:
            return self.description
        return f"{self.description}\n\nToạ độ / coordinates: {self.lat}, {self.long}"


def _members(raw: Mapping[str, Any]) -> dict[str, Any]:
    """`attribute[x]` members folded into `attribute`; empty form values dropped (an unfilled field)."""
    members: dict[str, Any] = {}
    attribute = dict(raw.get("attribute") or {}) if isinstance(raw.get("attribute"), Mapping) else {}
    for key, value in raw.items():
        match = _ATTRIBUTE.match(key)
        if match:
            attribute[match[1]] = value
        elif key != "attribute" and value != "":
            members[key] = value
    if "attribute" in raw and not isinstance(raw["attribute"], Mapping):
        members["attribute"] = raw["attribute"]  # refused by the model, naming it
    elif attribute:
        members["attribute"] = attribute
    return members


async def read_post(request: Request) -> GeoReportPost:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw: Any
    if media_type == "application/x-www-form-urlencoded":
        form = await request.form()
        raw = {key: value for key, value in form.multi_items() if isinstance(value, str)}
    elif media_type == "application/json":
        try:
            raw = json.loads(await request.body())
        except ValueError:
            raise spec_error(400, "the body is not valid JSON") from None
        if not isinstance(raw, dict):
            raise spec_error(400, "the body must be a JSON object of the GeoReport v2 members")
    else:
        raise spec_error(415, "send the members form-encoded (application/x-www-form-urlencoded) or as JSON")
    try:
        return GeoReportPost.model_validate(_members(raw))
    except ValidationError as exc:
        described = [f"{'.'.join(str(p) for p in e['loc']) or '(body)'}: {e['msg']}" for e in exc.errors()]
        raise spec_error(400, "; ".join(described), str(exc.errors()[0]["loc"][0])) from None


@router.post(
    "/requests.{format}",
    summary="Post a service request: a journalist's question",
    response_class=Response,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": GeoReportPost.model_json_schema(),
                    "example": {
                        "api_key": "pc_...",
                        "service_code": "urban-order",
                        "description": "Rác tồn đọng nhiều ngày tại ngõ 12 phố Huế.",
                        "address_string": "ngõ 12 phố Huế, phường Hai Bà Trưng",
                        "attribute[priority]": "urgent",
                    },
                },
                "application/json": {"schema": GeoReportPost.model_json_schema()},
            },
        }
    },
    responses={
        200: _document(CREATED_EXAMPLE, "service_requests", "The new request's id and where it went."),
        400: ERRORS_DOC,
        401: ERRORS_DOC,
        403: ERRORS_DOC,
        404: ERRORS_DOC,
    },
)
async def post_request(request: Request, format: FormatPath, rpc: RpcDep) -> Response:
    post = await read_post(request)
    check_jurisdiction(post.jurisdiction_id)
    principal = await caller(request, post.api_key or request.query_params.get("api_key"))
    if principal is None:
        raise spec_error(401, "api_key is required to post a service request", "api_key")
    if principal.role != "journalist":
        raise spec_error(403, f"a journalist's api_key posts service requests, not a {principal.role}'s", "api_key")
    if not principal.has_scope(WRITE_SCOPE):
        raise spec_error(403, f"this api_key lacks the scope {WRITE_SCOPE!r}", "api_key")
    create = rpc_request(
        contract.GeoReportCreate,
        actor=principal.as_actor(),
        service_code=post.service_code,
        description=post.described(),
        title=post.title,
        address_string=post.address_string,
        address_id=post.address_id,
        media_url=post.media_url,
        attribute=post.attribute,
        outlet=principal.outlet,
        locale=post.locale,
    )
    created = await rpc.call(SERVICE, "georeport_create", create)
    return georeport_response(created["requests"], format, "service_requests")
