"""The releases API end to end: a real gateway (uvicorn) in front of the real releases service
(`nameko run` subprocess) on the real broker, accounts and releases on the embedded datastore.

One releases service and one gateway for the module; each test makes its own releases.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import feedparser
import httpx
import pytest

from presscenter.gateway.routes import release_bodies as bodies
from presscenter.gateway.testing.accounts import SignedIn
from presscenter.gateway.testing.stack import gateway_and_services, ok, problem
from presscenter.shared.rpc.releases import Release, ReleasePage

BODY_MODELS = (
    bodies.NewRelease,
    bodies.ContentChange,
    bodies.Rejection,
    bodies.Scheduling,
    bodies.Embargo,
    bodies.Correction,
    bodies.WithdrawalRequest,
    bodies.ForcedPublication,
    bodies.RevisionBody,
)


def content(title: str = "Hà Nội tăng cường phòng chống sốt xuất huyết", **extra: Any) -> dict[str, Any]:
    return {
        "title": title,
        "lead": "Sở Y tế Hà Nội khuyến cáo người dân diệt bọ gậy.",
        "body": "Từ tuần này, các phường triển khai chiến dịch **diệt bọ gậy**.",
        "categories": ["health"],
        "places": ["phuong-hoan-kiem"],
        **extra,
    }


@pytest.fixture(scope="module")
def gateway_url(tmp_path_factory: pytest.TempPathFactory, embedded_mongo: Any) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("releases")
    with gateway_and_services(embedded_mongo.uri, workdir, {"releases": {}}, vhost_prefix="gateway-releases") as stack:
        yield stack.url


def if_match(who: SignedIn, release: dict[str, Any]) -> dict[str, str]:
    return {**who.headers, "If-Match": f'"{release["revision"]}"'}


def draft(http: httpx.Client, who: SignedIn, **extra: Any) -> dict[str, Any]:
    return ok(
        http.post("/v1/releases", json={"unit_code": "so-yte", "content": content(**extra)}, headers=who.headers), 201
    )


def step(http: httpx.Client, who: SignedIn, release: dict[str, Any], action: str, **body: Any) -> dict[str, Any]:
    response = http.post(f"/v1/releases/{release['id']}/{action}", json=body or None, headers=if_match(who, release))
    return ok(response)


def published(
    http: httpx.Client, cast: dict[str, SignedIn], embargo: datetime | None = None, **extra: Any
) -> dict[str, Any]:
    officer, editor = cast["officer"], cast["editor"]
    release = step(http, officer, draft(http, officer, **extra), "submit")
    release = step(http, editor, release, "approve")
    if embargo is not None:
        release = step(http, editor, release, "embargo", until=embargo.isoformat())
    return step(http, editor, release, "publish")


def test_officer_drafts_and_submits_then_an_editor_approves_and_publishes(
    http: httpx.Client, cast: dict[str, SignedIn]
) -> None:
    officer, editor = cast["officer"], cast["editor"]
    created = http.post("/v1/releases", json={"unit_code": "so-yte", "content": content()}, headers=officer.headers)
    release = ok(created, 201)
    assert created.headers["location"] == f"/v1/releases/{release['id']}"
    assert created.headers["etag"] == '"1"' and release["status"] == "draft"
    release = step(http, officer, release, "submit")
    read = http.get(f"/v1/releases/{release['id']}", headers=editor.headers)
    assert read.headers["etag"] == '"2"' and read.json()["status"] == "submitted"
    approved = http.post(
        f"/v1/releases/{release['id']}/approve", headers={**editor.headers, "If-Match": read.headers["etag"]}
    )
    assert approved.headers["etag"] == '"3"'
    publication = http.post(
        f"/v1/releases/{release['id']}/publish", headers={**editor.headers, "If-Match": approved.headers["etag"]}
    )
    release = Release.model_validate(ok(publication)).model_dump(mode="json")
    assert (release["status"], release["version"], publication.headers["etag"]) == ("published", 1, '"4"')
    actors = [(entry["action"], entry["actor"]["id"], entry["actor"]["role"]) for entry in release["history"]]
    assert actors == [
        ("created", officer.account_id, "unit_officer"),
        ("submitted", officer.account_id, "unit_officer"),
        ("approved", editor.account_id, "editor"),
        ("published", editor.account_id, "editor"),
    ]
    public = http.get(f"/v1/releases/{release['id']}")
    assert ok(public)["status"] == "published" and public.headers["etag"] == '"4"'
    assert public.headers["cache-control"] == "private, no-cache"
    assert http.get(f"/v1/releases/{release['id']}", headers={"If-None-Match": '"4"'}).status_code == 304


def test_every_change_names_the_revision_it_was_made_from(http: httpx.Client, cast: dict[str, SignedIn]) -> None:
    officer, editor = cast["officer"], cast["editor"]
    release = draft(http, officer)
    submit = f"/v1/releases/{release['id']}/submit"
    missing = problem(http.post(submit, headers=officer.headers), 428)
    assert missing["type"] == "urn:presscenter:problem:precondition-required" and missing["field"] == "If-Match"
    assert problem(http.post(submit, headers={**officer.headers, "If-Match": "*"}), 428)["field"] == "If-Match"
    assert problem(http.post(submit, headers={**officer.headers, "If-Match": "three"}), 400)["field"] == "If-Match"
    submitted = ok(http.post(submit, json={"expected_revision": 1}, headers=officer.headers))  # in the body
    approve = f"/v1/releases/{release['id']}/approve"
    stale = problem(http.post(approve, headers={**editor.headers, "If-Match": '"1"'}), 409)
    assert stale["current_revision"] == submitted["revision"] == 2
    assert stale["type"] == "urn:presscenter:problem:conflict" and "revision" in stale["field"]
    disagree = http.post(approve, json={"expected_revision": 1}, headers={**editor.headers, "If-Match": '"2"'})
    assert problem(disagree, 400)["field"] == "expected_revision"
    assert ok(http.post(approve, headers={**editor.headers, "If-Match": 'W/"2"'}))["status"] == "approved"


def test_who_may_write(http: httpx.Client, cast: dict[str, SignedIn]) -> None:
    officer, editor, journalist = cast["officer"], cast["editor"], cast["journalist"]
    new = {"unit_code": "so-yte", "content": content()}
    assert problem(http.post("/v1/releases", json=new), 401)["status"] == 401
    assert problem(http.post("/v1/releases", json=new, headers=journalist.headers), 403)["status"] == 403
    assert problem(http.post("/v1/releases", json=new, headers=cast["entitled"].headers), 403)
    other_unit = http.post("/v1/releases", json={**new, "unit_code": "so-gddt"}, headers=officer.headers)
    assert problem(other_unit, 403)["type"] == "urn:presscenter:problem:forbidden"  # the service's unit rule
    forged = {**new, "actor": {"kind": "user", "id": editor.account_id, "role": "editor"}}
    assert problem(http.post("/v1/releases", json=forged, headers=officer.headers), 422)["field"] == "body.actor"
    release = step(http, officer, draft(http, officer), "submit")
    for who in (journalist, officer):  # editors only
        response = http.post(f"/v1/releases/{release['id']}/approve", headers=if_match(who, release))
        assert problem(response, 403)["status"] == 403
    journalist_edit = http.put(
        f"/v1/releases/{release['id']}/content", json={"content": content()}, headers=if_match(journalist, release)
    )
    assert journalist_edit.status_code == 403
    assert http.get(f"/v1/releases/{release['id']}/deliveries", headers=journalist.headers).status_code == 403
    assert http.get(f"/v1/releases/{release['id']}/deliveries").status_code == 401
    assert ok(http.get(f"/v1/releases/{release['id']}/deliveries", headers=editor.headers)) == {"items": []}


def test_drafts_are_hidden_from_the_press_and_the_public(http: httpx.Client, cast: dict[str, SignedIn]) -> None:
    release = draft(http, cast["officer"])
    path = f"/v1/releases/{release['id']}"
    assert problem(http.get(path), 404)["detail"] == f"no release {release['id']}"
    assert http.get(path, headers=cast["journalist"].headers).status_code == 404
    assert http.get(f"{path}/ninjs").status_code == 404
    assert ok(http.get(path, headers=cast["officer"].headers))["id"] == release["id"]
    assert ok(http.get(path, headers=cast["editor"].headers))["id"] == release["id"]
    assert problem(http.get("/v1/releases/no-such-release"), 404)["field"] == "release_id"
    assert problem(http.get(f"/v1/releases/{'x' * 65}"), 422)["field"] == "path.release_id"


def test_search_is_diacritics_insensitive_filtered_and_paginated(http: httpx.Client, cast: dict[str, SignedIn]) -> None:
    tag = f"t{uuid.uuid4().hex[:8]}"
    first = published(http, cast, title="Hà Nội mở rộng tuyến buýt điện", categories=[tag])
    second = published(http, cast, title="Hà Nội trồng thêm cây xanh", categories=[tag])
    hidden = draft(http, cast["officer"], title="Hà Nội bản nháp", categories=[tag])
    page = ReleasePage.model_validate(ok(http.get("/v1/releases", params={"q": "ha noi", "category": tag})))
    assert {item.id for item in page.items} == {first["id"], second["id"]}
    filtered = ok(
        http.get(
            "/v1/releases",
            params={"q": "HA NOI buyt", "category": tag, "unit_code": "so-yte", "place": "phuong-hoan-kiem"},
        )
    )
    assert [item["id"] for item in filtered["items"]] == [first["id"]]
    one = ok(http.get("/v1/releases", params={"category": tag, "limit": 1}))
    assert len(one["items"]) == 1 and one["next_cursor"]
    rest = ok(http.get("/v1/releases", params={"category": tag, "limit": 1, "cursor": one["next_cursor"]}))
    assert {one["items"][0]["id"], rest["items"][0]["id"]} == {first["id"], second["id"]}
    drafts = ok(
        http.get("/v1/releases", params=[("category", tag), ("status", "draft")], headers=cast["editor"].headers)
    )
    assert [item["id"] for item in drafts["items"]] == [hidden["id"]]
    assert problem(http.get("/v1/releases", params={"status": "lost"}), 422)["field"] == "query.status.0"
    naive = problem(http.get("/v1/releases", params={"published_from": "2026-03-01T00:00:00"}), 422)
    assert naive["field"] == "query.published_from"


def test_embargoed_releases_reach_only_entitled_readers(http: httpx.Client, cast: dict[str, SignedIn]) -> None:
    until = datetime.now(UTC) + timedelta(hours=2)
    release = published(http, cast, embargo=until)
    path = f"/v1/releases/{release['id']}"
    seen = ok(http.get(path, headers=cast["entitled"].headers))
    assert seen["embargoed_until"] is not None and seen["status"] == "published"
    assert http.get(path, headers=cast["journalist"].headers).status_code == 404
    assert http.get(path).status_code == 404
    listed = ok(http.get("/v1/releases", params={"q": "ha noi"}, headers=cast["journalist"].headers))
    assert release["id"] not in {item["id"] for item in listed["items"]}
    cleared = http.post(f"{path}/embargo", json={"until": None}, headers=if_match(cast["editor"], release))
    assert "after publication" in problem(cleared, 409)["detail"]


def test_ninjs_of_every_published_version(http: httpx.Client, cast: dict[str, SignedIn]) -> None:
    editor = cast["editor"]
    release = published(http, cast)
    corrected = step(http, editor, release, "correct", content=content(lead="Sửa: phường Hoàn Kiếm."), note="Sửa lead")
    assert (corrected["version"], corrected["correction_sequence"]) == (2, 1)
    latest = ok(http.get(f"/v1/releases/{release['id']}/ninjs"))
    assert (latest["version"], latest["pubStatus"]) == ("2", "usable") and "Sửa lead" in latest["edNote"]
    first = ok(http.get(f"/v1/releases/{release['id']}/ninjs", params={"version": 1}))
    assert first["version"] == "1" and first["uri"] == latest["uri"]
    assert http.get(f"/v1/releases/{release['id']}/ninjs", params={"version": 7}).status_code in (404, 422)
    assert problem(http.get(f"/v1/releases/{release['id']}/ninjs", params={"version": 0}), 422)


def test_feeds_are_public_cacheable_and_parse(http: httpx.Client, cast: dict[str, SignedIn]) -> None:
    title = f"Hà Nội công bố lịch cắt điện {uuid.uuid4().hex[:6]}"
    public = published(http, cast, title=title)
    embargoed = published(http, cast, embargo=datetime.now(UTC) + timedelta(hours=1), title=f"{title} (cấm đăng)")
    atom = http.get("/v1/feeds/releases.atom", headers={"Authorization": "Bearer not-even-read"})
    assert atom.status_code == 200 and atom.headers["content-type"].startswith("application/atom+xml")
    assert atom.headers["cache-control"] == "public, max-age=60" and atom.headers["etag"].startswith('"')
    parsed = feedparser.parse(atom.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    titles = [entry.title for entry in parsed.entries]
    assert title in titles and embargoed["content"]["title"] not in titles
    assert any(public["id"] in entry.link for entry in parsed.entries)
    again = http.get("/v1/feeds/releases.atom", headers={"If-None-Match": atom.headers["etag"]})
    assert again.status_code == 304 and again.headers["etag"] == atom.headers["etag"] and not again.content
    feed = http.get("/v1/feeds/releases.json", params={"limit": 5})
    assert feed.headers["content-type"].startswith("application/feed+json")
    document = json.loads(feed.content)
    assert document["version"].startswith("https://jsonfeed.org/version/1")
    assert title in [item["title"] for item in document["items"]] and len(document["items"]) <= 5
    assert problem(http.get("/v1/feeds/releases.json", params={"limit": 501}), 422)["field"] == "query.limit"


def test_the_rest_of_the_workflow(http: httpx.Client, cast: dict[str, SignedIn]) -> None:
    officer, editor = cast["officer"], cast["editor"]
    release = step(http, officer, draft(http, officer), "submit")
    release = step(http, editor, release, "reject", reason="Thiếu số điện thoại liên hệ.")
    assert (release["status"], release["rejection_reason"]) == ("rejected", "Thiếu số điện thoại liên hệ.")
    edited = http.put(
        f"/v1/releases/{release['id']}/content",
        json={"content": content(contacts=[{"name": "Văn phòng Sở", "phone": "024 3998 5765"}])},
        headers=if_match(officer, release),
    )
    release = ok(edited)
    assert release["status"] == "draft" and edited.headers["etag"] == f'"{release["revision"]}"'
    release = step(http, editor, step(http, officer, release, "submit"), "approve")
    release = step(http, editor, release, "schedule", at=(datetime.now(UTC) + timedelta(days=1)).isoformat())
    assert release["status"] == "scheduled" and release["scheduled_at"]
    release = step(http, editor, release, "unschedule")
    assert release["status"] == "approved"
    urgent = step(http, editor, draft(http, officer), "force-publish", reason="Thông tin khẩn về thời tiết.")
    assert urgent["status"] == "published"
    withdrawn = step(http, editor, urgent, "withdraw", reason="superseded", superseded_by=release["id"])
    assert withdrawn["status"] == "withdrawn" and withdrawn["withdrawal"]["superseded_by"] == release["id"]
    still_readable = ok(http.get(f"/v1/releases/{urgent['id']}"))
    assert still_readable["withdrawal"]["reason"] == "superseded"
    wrong_state = http.post(f"/v1/releases/{release['id']}/correct", json={"content": content(), "note": "x"},
                            headers=if_match(editor, release))  # fmt: skip
    assert problem(wrong_state, 409)["type"] == "urn:presscenter:problem:invalid-transition"


def test_openapi_documents_every_route_with_examples(http: httpx.Client) -> None:
    spec = ok(http.get("/openapi.json"))
    operations = {
        (method, path): operation
        for path, item in spec["paths"].items()
        if path.startswith(("/v1/releases", "/v1/feeds", "/v1/stream"))
        for method, operation in item.items()
    }
    assert len(operations) == 20  # + GET /v1/releases/{id}/recipients
    for (method, path), operation in operations.items():
        success = next(code for code in operation["responses"] if code.startswith("2"))
        media = operation["responses"][success]["content"]
        assert any("example" in entry for entry in media.values()), (method, path)
        assert operation.get("summary") and operation.get("tags"), (method, path)
    schemas = spec["components"]["schemas"]
    for model in BODY_MODELS:
        examples = schemas[model.__name__]["examples"]
        assert examples and all(model.model_validate(example) for example in examples)
    stream = operations[("get", "/v1/stream")]
    assert {p["name"] for p in stream["parameters"]} == {"access_token", "Last-Event-ID"}
    assert "text/event-stream" in stream["responses"]["200"]["content"]
