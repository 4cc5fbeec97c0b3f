"""HTTP errors of the gateway as RFC 9457 problem+json: the remote error table, unavailable and slow
services, request validation, unknown routes; every response carries its request id."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import pytest
from fastapi import Body, Depends, FastAPI, Query
from opentelemetry.sdk.trace import TracerProvider
from pydantic import BaseModel, Field

from presscenter.gateway.app import create_app
from presscenter.gateway.dependencies import RequestIdDep, RpcDep
from presscenter.gateway.problems import PROBLEM_MEDIA_TYPE, ApiProblem, problem_responses
from presscenter.gateway.settings import GatewaySettings
from presscenter.gateway.testing.fake_service import FakeService
from presscenter.shared.rpc.errors import Conflict, Forbidden, InvalidInput, InvalidTransition, NotFound

pytestmark = pytest.mark.anyio


class Draft(BaseModel):
    title: str = Field(min_length=3)
    revision: int


async def paging(page: Annotated[int, Query(ge=1)] = 1) -> int:
    """A query parameter a dependency declares (module level: annotations are resolved here)."""
    return page


def add_test_routes(app: FastAPI) -> None:
    @app.post("/t/call/{service}/{method}")
    async def call(service: str, method: str, rpc: RpcDep, payload: Annotated[dict[str, Any], Body()]) -> Any:
        return {"result": await rpc.call(service, method, payload)}

    @app.post("/t/drafts")
    async def create(draft: Draft, request_id: RequestIdDep, limit: int = Query(10, ge=1)) -> dict[str, Any]:
        return {"draft": draft.model_dump(), "request_id": request_id}

    @app.get("/t/filter/{kind}")
    async def filtered(
        kind: str,
        page: Annotated[int, Depends(paging)],
        unit: Annotated[str | None, Query()] = None,
        status: Annotated[list[str] | None, Query()] = None,
    ) -> dict[str, Any]:
        return {"kind": kind, "unit": unit, "status": status, "page": page}

    @app.get("/t/gone")
    async def gone() -> None:
        raise ApiProblem(410, "gone", "this draft was withdrawn", withdrawn_at="2025-01-01T00:00:00Z")

    @app.get("/t/bug")
    async def bug() -> None:
        raise KeyError("internal detail nobody should see")


def raiser(exc: Exception) -> Any:
    def method(payload: dict[str, Any]) -> None:
        raise exc

    return method


async def slow(payload: dict[str, Any]) -> str:
    await asyncio.sleep(payload.get("seconds", 5))
    return "late"


REMOTE = {
    "ok": lambda payload: {"echo": payload},
    "invalid": raiser(InvalidInput("must be at least 3 characters", "title")),
    "missing": raiser(NotFound("no release r9", "release_id")),
    "forbidden": raiser(Forbidden("unit officers of another unit may not edit this release")),
    "stale": raiser(Conflict("release r1 is at revision 5, you sent 4", "revision", current_revision=5)),
    "transition": raiser(InvalidTransition("a published release cannot be approved", current_revision=7)),
    "crash": raiser(KeyError("mongodb://admin:hunter2@db internal detail")),
    "slow": slow,
}


@pytest.fixture
async def remote(broker_url: str) -> AsyncIterator[FakeService]:
    async with FakeService(broker_url, "remote", REMOTE) as service:
        yield service


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body: dict[str, Any] = response.json()
    request_id = response.headers["x-request-id"]
    assert body["status"] == status and body["title"]
    assert body["request_id"] == request_id and body["instance"] == f"urn:presscenter:request:{request_id}"
    return body


@pytest.mark.parametrize(
    ("method", "status", "title", "extra"),
    [
        ("invalid", 422, "Invalid input", {"field": "title", "detail": "must be at least 3 characters"}),
        ("missing", 404, "Not found", {"field": "release_id", "detail": "no release r9"}),
        ("forbidden", 403, "Forbidden", {"detail": "unit officers of another unit may not edit this release"}),
        ("stale", 409, "Conflict", {"field": "revision", "current_revision": 5}),
        ("transition", 409, "Not allowed in this status", {"current_revision": 7}),
    ],
)
async def test_remote_errors_map_through_the_error_table(
    start_gateway: Any, remote: FakeService, method: str, status: int, title: str, extra: dict[str, Any]
) -> None:
    _, http = await start_gateway(add_test_routes)
    body = assert_problem(await http.post(f"/t/call/remote/{method}", json={}), status)
    assert body["title"] == title
    assert body["type"].startswith("urn:presscenter:problem:")
    assert extra.items() <= body.items()


async def test_unknown_remote_error_is_502_without_its_detail(
    start_gateway: Any, remote: FakeService, caplog: pytest.LogCaptureFixture
) -> None:
    _, http = await start_gateway(add_test_routes)
    response = await http.post("/t/call/remote/crash", json={})
    body = assert_problem(response, 502)
    assert body["detail"] == "The remote service could not handle the request."
    assert "internal detail" not in response.text and "KeyError" not in response.text
    logged = caplog.text
    assert "KeyError" in logged and "internal detail" in logged and "hunter2" not in logged
    assert body["request_id"] in logged


async def test_absent_service_is_503_with_retry_after_fast(start_gateway: Any) -> None:
    _, http = await start_gateway(add_test_routes, rpc_retry_after=7)
    start = time.perf_counter()
    response = await http.post("/t/call/nobody/anything", json={})
    assert time.perf_counter() - start < 1.0
    body = assert_problem(response, 503)
    assert response.headers["retry-after"] == "7"
    assert body["type"] == "urn:presscenter:problem:service-unavailable" and "nobody" in body["detail"]


async def test_broker_down_is_503_at_once(start_gateway: Any) -> None:
    _, http = await start_gateway(
        add_test_routes, connect=False, amqp_uri="amqp://guest:guest@127.0.0.1:1/", rpc_timeout=10
    )
    start = time.perf_counter()
    body = assert_problem(await http.post("/t/call/remote/ok", json={}), 503)
    assert time.perf_counter() - start < 2.0  # far inside the 10 s call timeout: nobody waited for it
    assert "broker" in body["detail"]


async def test_slow_service_is_504(start_gateway: Any, remote: FakeService) -> None:
    _, http = await start_gateway(add_test_routes, rpc_timeout=0.3)
    start = time.perf_counter()
    body = assert_problem(await http.post("/t/call/remote/slow", json={"seconds": 2}), 504)
    assert time.perf_counter() - start < 1.5
    assert body["detail"] == "The remote service did not answer within 0.3 seconds."


async def test_request_validation_names_every_field(start_gateway: Any) -> None:
    _, http = await start_gateway(add_test_routes)
    response = await http.post("/t/drafts?limit=0", json={"title": "ab", "secret_echo": "x"})
    body = assert_problem(response, 422)
    fields = {error["field"] for error in body["errors"]}
    assert fields == {"body.title", "body.revision", "query.limit"}
    assert body["field"] in fields and body["detail"].startswith(body["field"])
    assert all(set(error) == {"field", "message"} for error in body["errors"])  # inputs are not echoed


async def test_a_query_parameter_of_one_value_sent_twice_is_refused(start_gateway: Any) -> None:
    """FastAPI would take the last value; the OpenAPI says one value (HTTP parameter pollution)."""
    _, http = await start_gateway(add_test_routes)
    body = assert_problem(await http.get("/t/filter/news?unit=a&status=x&unit=b&page=2&page=3"), 422)
    assert [error["field"] for error in body["errors"]] == ["query.page", "query.unit"]
    assert body["detail"] == "query.page: takes one value; it was sent 2 times"
    response = await http.get("/t/filter/news?unit=a&status=x&status=y&page=2")  # a list parameter repeats
    assert response.status_code == 200
    assert response.json() == {"kind": "news", "unit": "a", "status": ["x", "y"], "page": 2}
    assert (await http.get("/t/filter/news?unit=")).json() == {"kind": "news", "unit": "", "status": None, "page": 1}
    assert_problem(await http.get("/t/nothing?a=1&a=2"), 404)  # no operation there: routing answers


async def test_unknown_route_405_and_api_problem(start_gateway: Any) -> None:
    _, http = await start_gateway(add_test_routes)
    body = assert_problem(await http.get("/v1/nothing-here"), 404)
    assert body["type"] == "about:blank" and body["title"] == "Not Found"
    response = await http.delete("/t/drafts")
    assert_problem(response, 405)
    assert response.headers["allow"] == "POST"
    body = assert_problem(await http.get("/t/gone"), 410)
    assert body["type"] == "urn:presscenter:problem:gone" and body["withdrawn_at"] == "2025-01-01T00:00:00Z"


async def test_unhandled_error_is_a_500_problem(start_gateway: Any, caplog: pytest.LogCaptureFixture) -> None:
    _, http = await start_gateway(add_test_routes)
    response = await http.get("/t/bug")
    body = assert_problem(response, 500)
    assert "internal detail" not in response.text
    assert body["request_id"] in caplog.text and "internal detail" in caplog.text


async def test_request_id_is_accepted_when_sane_and_made_otherwise(start_gateway: Any, remote: FakeService) -> None:
    _, http = await start_gateway(add_test_routes)
    given = "client-42.retry:1"
    response = await http.post("/t/drafts", json={"title": "abc", "revision": 1}, headers={"X-Request-ID": given})
    assert response.status_code == 200
    assert response.headers["x-request-id"] == given and response.json()["request_id"] == given
    for insane in ("", "x" * 200, "bad id\twith spaces", "../../etc"):
        made = (await http.get("/healthz", headers={"X-Request-ID": insane})).headers["x-request-id"]
        assert made != insane and len(made) == 32
    first, second = [(await http.get("/healthz")).headers["x-request-id"] for _ in range(2)]
    assert first != second
    # the request id reaches the service in nameko's call-id stack
    await http.post("/t/call/remote/ok", json={}, headers={"X-Request-ID": given})
    assert remote.calls[-1].headers["nameko.call_id_stack"] == [f"gateway.http.{given}"]


async def test_problem_responses_document_the_problem_schema(start_gateway: Any) -> None:
    def setup(app: FastAPI) -> None:
        @app.get("/t/documented", responses=problem_responses(404, 409))
        async def documented() -> dict[str, str]:
            return {}

    _, http = await start_gateway(setup)
    spec = (await http.get("/openapi.json")).json()
    responses = spec["paths"]["/t/documented"]["get"]["responses"]
    assert responses["409"]["content"][PROBLEM_MEDIA_TYPE]["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert {"type", "title", "status", "detail", "instance", "request_id"} <= set(
        spec["components"]["schemas"]["Problem"]["properties"]
    )
    assert "/readyz" in spec["paths"] and "/metrics" not in spec["paths"]


async def test_extra_lifespans_run_inside_the_rpc_clients(broker_url: str) -> None:
    seen: list[str] = []

    @asynccontextmanager
    async def datastore(app: FastAPI) -> AsyncIterator[None]:
        seen.append(f"start connected={app.state.rpc.connected}")
        yield
        seen.append(f"stop connected={app.state.rpc.connected}")

    app = create_app(GatewaySettings(amqp_uri=broker_url), tracer_provider=TracerProvider(), lifespans=[datastore])
    async with app.router.lifespan_context(app):
        assert app.state.rpc.connected  # the lifespan waited for the broker
    assert seen == ["start connected=True", "stop connected=True"]
    assert not app.state.rpc.connected
