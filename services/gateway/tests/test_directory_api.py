"""The directory API end to end: a real gateway (uvicorn) in front of the real feedback service
(`nameko run` subprocess) on the real broker; the tree is the shipped Hanoi seed, then a
`directory_updated` event sent through the departments' SDK changes it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from presscenter.gateway.testing.stack import Stack, gateway_and_services, ok, problem
from presscenter.shared.rpc.feedback import UnitDetail, UnitPage
from presscenter.shared.sdk import EventPublisher


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, embedded_mongo: Any) -> Iterator[Stack]:
    """No accounts: every directory route is public (the gateway runs without identity)."""
    workdir = tmp_path_factory.mktemp("directory")
    with gateway_and_services(
        embedded_mongo.uri, workdir, {"feedback": {}}, vhost_prefix="gateway-directory", with_auth=False
    ) as running:
        yield running


@pytest.fixture(scope="module")
def amqp(stack: Stack) -> str:
    return stack.amqp_uri


@pytest.fixture(scope="module")
def http(stack: Stack) -> Iterator[httpx.Client]:
    with stack.client() as client:
        yield client


def codes(http: httpx.Client, **params: Any) -> list[str]:
    return [unit.code for unit in UnitPage.model_validate(ok(http.get("/v1/units", params=params))).items]


def test_units_are_found_by_name_without_diacritics_and_filtered(http: httpx.Client) -> None:
    found = http.get("/v1/units", params={"q": "hoan kiem"})
    page = UnitPage.model_validate(ok(found))
    assert [unit.code for unit in page.items] == ["phuong-hoan-kiem"]
    assert (page.items[0].name.vi, page.items[0].kind, page.items[0].depth) == ("Phường Hoàn Kiếm", "ward", 1)
    assert found.headers["cache-control"] == "public, max-age=60" and found.headers["etag"].startswith('"')
    again = http.get("/v1/units", params={"q": "hoan kiem"}, headers={"If-None-Match": found.headers["etag"]})
    assert again.status_code == 304 and not again.content
    assert codes(http, q="Sở Y TẾ") == ["so-yte"] and codes(http, q="so y te") == ["so-yte"]
    assert codes(http, parent="ca-hn") == ["csgt-ca-hn"]
    assert codes(http, parent="ubnd-hn", kind="sector") == ["bql-dsdt", "bql-kcn-cx", "ca-hn", "thanh-tra-tp"]
    first = ok(http.get("/v1/units", params={"kind": "commune", "limit": 5}))
    rest = ok(http.get("/v1/units", params={"kind": "commune", "limit": 5, "cursor": first["next_cursor"]}))
    assert len(first["items"]) == 5 and len(rest["items"]) == 3 and rest["next_cursor"] is None
    assert first["items"][0]["code"] not in {unit["code"] for unit in rest["items"]}


def test_one_unit_with_its_chain_and_children(http: httpx.Client) -> None:
    detail = UnitDetail.model_validate(ok(http.get("/v1/units/csgt-ca-hn")))
    assert [unit.code for unit in detail.ancestors] == ["ca-hn", "ubnd-hn"] and detail.children == []
    city = UnitDetail.model_validate(ok(http.get("/v1/units/ubnd-hn")))
    assert city.ancestors == [] and len(city.children) == city.unit.child_count > 40
    missing = problem(http.get("/v1/units/so-khong-co"), 404)
    assert missing["field"] == "code" and "so-khong-co" in missing["detail"]


def test_bad_queries_are_problems_naming_the_field(http: httpx.Client) -> None:
    assert problem(http.get("/v1/units", params={"parent": "so-khong-co"}), 422)["field"] == "parent"
    assert problem(http.get("/v1/units", params={"cursor": "xyz"}), 422)["field"] == "cursor"
    assert problem(http.get("/v1/units", params={"limit": 500}), 422)["field"] == "query.limit"
    assert problem(http.get("/v1/units/Not%20A%20Code"), 422)["field"] == "path.code"


def test_a_directory_update_is_served_once_the_service_applied_it(http: httpx.Client, amqp: str) -> None:
    ward = {"code": "phuong-thu-nghiem", "name": {"vi": "Phường Thử Nghiệm"}, "kind": "ward", "parent_code": "ubnd-hn"}
    with EventPublisher(amqp, source="so-nv") as publisher:
        publisher.emit("directory_updated", {"upserts": [ward], "revision": "2026-11-27.2"})
    deadline = time.monotonic() + 10
    while not codes(http, q="thu nghiem"):
        assert time.monotonic() < deadline, "the update never reached the directory"
        time.sleep(0.2)
    detail = ok(http.get("/v1/units/phuong-thu-nghiem"))
    assert detail["revision"] == "2026-11-27.2" and detail["ancestors"][0]["code"] == "ubnd-hn"


def test_openapi_documents_the_directory(http: httpx.Client) -> None:
    spec = ok(http.get("/openapi.json"))
    for path in ("/v1/units", "/v1/units/{code}"):
        operation = spec["paths"][path]["get"]
        assert operation["summary"] and operation["tags"] == ["directory"]
        assert "example" in operation["responses"]["200"]["content"]["application/json"]
