"""The monitoring API end to end: a real gateway (uvicorn) in front of the real monitoring service
(`nameko run` subprocess) on the real broker, items sent through the departments' SDK, accounts and
claims on the embedded datastore.

One monitoring service and one gateway for the module; each test registers its own claims.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from presscenter.gateway.routes.monitoring import ClaimChange, NewClaim
from presscenter.gateway.testing.accounts import PRESS_CAST, SignedIn
from presscenter.gateway.testing.sse_client import EventStreamReader, SseEvent
from presscenter.gateway.testing.stack import Stack, gateway_and_services, ok, problem
from presscenter.shared.events.envelope import utcnow
from presscenter.shared.rpc.monitoring import AlertPage, Claim, ClaimPage
from presscenter.shared.sdk import EventPublisher

CAST = {
    **PRESS_CAST,
    "officer_vhtt": {"username": "officer.sovhtt", "role": "unit_officer", "unit_code": "so-vhtt"},
    "admin2": {"username": "admin.two", "role": "admin"},
}
RUMOUR = [
    "Cuối năm nay cầu Long Biên sẽ bị tháo dỡ, ai muốn chụp ảnh thì tranh thủ",
    "NÓNG: Cuoi nam nay cau Long Bien se bi thao do, ai muon chup anh thi tranh thu",
    "Tiếc quá, cầu Long Biên sẽ bị phá dỡ vào cuối năm nay. Chia sẻ cho mọi người cùng biết!!!",
]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, embedded_mongo: Any) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("monitoring")
    with gateway_and_services(
        embedded_mongo.uri, workdir, {"monitoring": {}}, vhost_prefix="gateway-monitoring"
    ) as running:
        yield running


@pytest.fixture(scope="module")
def amqp(stack: Stack) -> str:
    return stack.amqp_uri


@pytest.fixture(scope="module")
def gateway_url(stack: Stack) -> str:
    return stack.url


def new_claim(http: httpx.Client, who: SignedIn, **fields: Any) -> httpx.Response:
    body = {"text": "Phố cổ Hà Nội sẽ cấm xe máy từ tháng sau", "topic": "di sản", "unit_code": "so-vhtt", **fields}
    return http.post("/v1/monitoring/claims", json=body, headers=who.headers)


def test_the_desk_registers_lists_and_changes_a_claim_naming_its_revision(
    http: httpx.Client, cast: dict[str, SignedIn]
) -> None:
    editor = cast["editor"]
    created = new_claim(http, editor, claim_id=f"c-{uuid.uuid4().hex[:8]}")
    claim = Claim.model_validate(ok(created, 201))
    assert created.headers["location"] == f"/v1/monitoring/claims/{claim.claim_id}"
    assert created.headers["etag"] == '"1"' and (claim.status, claim.unit_code) == ("active", "so-vhtt")
    taken = problem(new_claim(http, editor, claim_id=claim.claim_id), 409)
    assert taken["field"] == "claim_id"

    listed = ClaimPage.model_validate(ok(http.get("/v1/monitoring/claims?unit_code=so-vhtt", headers=editor.headers)))
    assert claim.claim_id in {c.claim_id for c in listed.items} and listed.total >= 1

    path = f"/v1/monitoring/claims/{claim.claim_id}"
    read = http.get(path, headers=editor.headers)
    assert read.headers["etag"] == '"1"' and read.headers["cache-control"] == "private, no-cache"
    assert http.get(path, headers={**editor.headers, "If-None-Match": '"1"'}).status_code == 304

    retire = {"status": "retired"}
    missing = problem(http.patch(path, json=retire, headers=editor.headers), 428)
    assert missing["field"] == "If-Match" and "/v1/monitoring/claims/" in missing["detail"]
    changed = http.patch(path, json={"topic": "giao thông"}, headers={**editor.headers, "If-Match": '"1"'})
    assert ok(changed)["topic"] == "giao thông" and changed.headers["etag"] == '"2"'
    stale = problem(http.patch(path, json=retire, headers={**editor.headers, "If-Match": '"1"'}), 409)
    assert stale["current_revision"] == 2 and stale["type"] == "urn:presscenter:problem:conflict"
    retired = ok(http.patch(path, json={**retire, "expected_revision": 2}, headers=cast["admin2"].headers))
    assert (retired["status"], retired["revision"]) == ("retired", 3)


def test_bad_claims_are_refused_naming_the_field(http: httpx.Client, cast: dict[str, SignedIn]) -> None:
    editor = cast["editor"]
    assert problem(new_claim(http, editor, text="x"), 422)["field"] == "body.text"
    assert problem(new_claim(http, editor, actor={"id": "someone"}), 422)["field"] == "body.actor"
    unknown_unit = problem(new_claim(http, editor, unit_code="no-such-unit"), 422)
    assert unknown_unit["field"] == "unit_code"
    assert problem(http.get("/v1/monitoring/claims/bad id!", headers=editor.headers), 422)["field"] == "path.claim_id"
    assert problem(http.get("/v1/monitoring/claims/c-none", headers=editor.headers), 404)["field"] == "claim_id"
    claim = ok(new_claim(http, editor), 201)
    nothing = http.patch(
        f"/v1/monitoring/claims/{claim['claim_id']}", json={}, headers={**editor.headers, "If-Match": '"1"'}
    )
    assert problem(nothing, 422)["field"] == "body"


def test_officers_read_only_their_units_claims_and_others_are_refused(
    http: httpx.Client, cast: dict[str, SignedIn]
) -> None:
    claim = ok(new_claim(http, cast["editor"]), 201)  # answered by so-vhtt
    path = f"/v1/monitoring/claims/{claim['claim_id']}"
    vhtt, yte = cast["officer_vhtt"], cast["officer"]
    assert ok(http.get(path, headers=vhtt.headers))["claim_id"] == claim["claim_id"]
    assert problem(http.get(path, headers=yte.headers), 404)["detail"] == f"no claim {claim['claim_id']}"
    theirs = ok(http.get("/v1/monitoring/claims", headers=vhtt.headers))["items"]
    assert claim["claim_id"] in {c["claim_id"] for c in theirs} and {c["unit_code"] for c in theirs} == {"so-vhtt"}
    ours = ok(http.get("/v1/monitoring/claims", headers=yte.headers))["items"]
    assert all(c["unit_code"] == "so-yte" for c in ours) and claim["claim_id"] not in {c["claim_id"] for c in ours}
    asked = http.get("/v1/monitoring/claims?unit_code=so-vhtt", headers=yte.headers)
    assert problem(asked, 403)["field"] == "unit_code"
    assert problem(http.patch(path, json={"status": "retired"}, headers={**vhtt.headers, "If-Match": '"1"'}), 403)
    assert problem(new_claim(http, vhtt), 403)["status"] == 403
    for desk_only in ("/v1/monitoring/trends", f"{path}/spread", "/v1/monitoring/stories/s-1"):
        assert problem(http.get(desk_only, headers=vhtt.headers), 403)["status"] == 403


def test_journalists_and_the_public_are_refused(http: httpx.Client, cast: dict[str, SignedIn]) -> None:
    paths = ["/v1/monitoring/claims", "/v1/monitoring/claims/c-x", "/v1/monitoring/alerts", "/v1/monitoring/trends",
             "/v1/monitoring/stories/s-x", "/v1/monitoring/claims/c-x/spread"]  # fmt: skip
    for path in paths:
        assert problem(http.get(path), 401)["status"] == 401
        assert problem(http.get(path, headers=cast["journalist"].headers), 403)["status"] == 403
        assert problem(http.get(path, headers=cast["entitled"].headers), 403)["status"] == 403
    assert problem(new_claim(http, cast["journalist"]), 403)["status"] == 403
    assert new_claim(http, SignedIn("x", "not-a-token")).status_code == 401


def test_an_alert_reaches_the_desk_and_the_responsible_unit_only(
    http: httpx.Client, cast: dict[str, SignedIn], amqp: str
) -> None:
    editor = cast["editor"]
    text = "Cầu Long Biên sẽ bị phá dỡ vào cuối năm nay"
    claim = ok(new_claim(http, editor, claim_id=f"c-cau-{uuid.uuid4().hex[:6]}", text=text), 201)
    with EventPublisher(amqp, source="crawler-1") as publisher:
        for n, text in enumerate(RUMOUR):
            publisher.emit("item_observed", {
                "source_name": f"fb-group-{n}", "source_type": "social",
                "url": f"https://fb-group-{n}.example/posts/{uuid.uuid4().hex[:8]}", "text": text,
                "published_at": (utcnow() - timedelta(minutes=3 - n)).isoformat(),
                "engagement": {"shares": n, "comments": 1, "reactions": 2},
            })  # fmt: skip
    query = f"/v1/monitoring/alerts?claim_id={claim['claim_id']}"
    deadline = time.monotonic() + 15
    while not (alerts := ok(http.get(query, headers=editor.headers))["items"]):
        assert time.monotonic() < deadline, "no misinformation_alert reached the desk"
        time.sleep(0.1)
    page = AlertPage.model_validate({"items": alerts})
    assert page.items[0].responsible_unit_code == "so-vhtt" and page.items[0].claim_id == claim["claim_id"]
    assert ok(http.get(query, headers=cast["officer_vhtt"].headers))["items"][0]["alert_id"] == page.items[0].alert_id
    assert ok(http.get(query, headers=cast["officer"].headers))["items"] == []  # so-yte answers for none of it
    spread = ok(http.get(f"/v1/monitoring/claims/{claim['claim_id']}/spread?bucket_minutes=15", headers=editor.headers))
    assert spread["rumour_items"] >= 1 and spread["claim_id"] == claim["claim_id"]
    trends = http.get("/v1/monitoring/trends?limit=5", headers=editor.headers)
    assert "items" in ok(trends) and trends.headers["vary"] == "Authorization"


LAKE_RUMOUR = [
    "Tuần sau hồ Hoàn Kiếm sẽ bị rút cạn nước để nạo vét, ai muốn xem đáy hồ thì tranh thủ",
    "NÓNG: Tuan sau ho Hoan Kiem se bi rut can nuoc de nao vet",
    "Nghe nói hồ Hoàn Kiếm sẽ bị rút cạn nước để nạo vét vào tuần sau. Chia sẻ cho mọi người cùng biết!!!",
]


@pytest.mark.anyio
async def test_an_alert_reaches_the_desk_and_the_responsible_unit_live_on_the_stream(
    gateway_url: str, cast: dict[str, SignedIn], amqp: str
) -> None:
    text = "Hồ Hoàn Kiếm sẽ bị rút cạn nước để nạo vét vào tuần sau"
    async with (
        httpx.AsyncClient(base_url=gateway_url, timeout=10) as http,
        EventStreamReader(http, "/v1/stream", headers=cast["editor"].headers) as desk,
        EventStreamReader(http, "/v1/stream", headers=cast["officer_vhtt"].headers) as culture_dept,
        EventStreamReader(http, "/v1/stream", headers=cast["officer"].headers) as health_dept,
        EventStreamReader(http, "/v1/stream", headers=cast["journalist"].headers) as journalist,
    ):
        body = {"claim_id": f"c-ho-{uuid.uuid4().hex[:6]}", "text": text, "topic": "di sản", "unit_code": "so-vhtt"}
        ok(await http.post("/v1/monitoring/claims", json=body, headers=cast["editor"].headers), 201)
        urls = [f"https://forum-{n}.example/t/{uuid.uuid4().hex[:8]}" for n in range(len(LAKE_RUMOUR))]
        with EventPublisher(amqp, source="crawler-2") as publisher:
            for n, (url, rumour) in enumerate(zip(urls, LAKE_RUMOUR, strict=True)):
                publisher.emit("item_observed", {
                    "source_name": f"forum-{n}", "source_type": "forum", "url": url, "text": rumour,
                    "published_at": (utcnow() - timedelta(minutes=3 - n)).isoformat(),
                })  # fmt: skip

        def ours(found: SseEvent) -> bool:
            return found.event == "misinformation_alert" and bool({i["url"] for i in found.json()["items"]} & set(urls))

        frames = [(await reader.until(ours, timeout=15)).json() for reader in (desk, culture_dept)]
        assert frames[0] == frames[1] and frames[0]["responsible_unit_code"] == "so-vhtt"
        assert frames[0]["claim_id"] == body["claim_id"] and frames[0]["kind"] == "known_claim"
        assert frames[0]["href"] == "/v1/monitoring/alerts?unit_code=so-vhtt" and frames[0]["item_count"] >= 1
        await asyncio.sleep(0.3)  # what was meant for the others has been written to them too
        for reader in (health_dept, journalist):
            assert [e for e in reader.drain() if e.event == "misinformation_alert"] == []


def test_openapi_documents_every_monitoring_route_with_examples(http: httpx.Client) -> None:
    spec = ok(http.get("/openapi.json"))
    operations = {
        (method, path): operation
        for path, item in spec["paths"].items()
        if path.startswith("/v1/monitoring/")
        for method, operation in item.items()
    }
    assert len(operations) == 8
    for (method, path), operation in operations.items():
        success = next(code for code in operation["responses"] if code.startswith("2"))
        assert any("example" in entry for entry in operation["responses"][success]["content"].values()), (method, path)
        assert operation.get("summary") and operation.get("tags") == ["monitoring"], (method, path)
    schemas = spec["components"]["schemas"]
    for model in (NewClaim, ClaimChange):
        assert all(model.model_validate(example) for example in schemas[model.__name__]["examples"])
