"""Object-level access on the running platform: roles that may use an operation still see only what is theirs.

- a journalist never reads or acts on another journalist's question; an officer never on another
  unit's, nor reads another unit's queue or scorecard;
- an embargoed release reaches only entitled journalists (not the public, not other journalists,
  not feeds), and so do the media attached to it (the media service learns the embargo from the
  release's `release_published` event);
- drafts stay with their unit and the editors; another unit's monitoring alerts and claims are
  refused to an officer.

Refusals of things that exist are 404 ("no such thing" for callers who may not know it exists)
or 403 where the caller names a unit that is not theirs.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from presscenter.media import testing as samples

from .conftest import OFFICER_UNIT, Cast

CONTENT = {
    "title": "Hà Nội tăng cường phòng chống sốt xuất huyết",
    "lead": "Sở Y tế Hà Nội khuyến cáo người dân diệt bọ gậy.",
    "body": "Từ tuần này, các phường triển khai chiến dịch **diệt bọ gậy**.",
    "categories": ["health"],
    "places": ["phuong-hoan-kiem"],
}
QUESTION = {
    "title": "Số ca sốt xuất huyết tháng 11",
    "body": "Tháng 11 Hà Nội ghi nhận bao nhiêu ca sốt xuất huyết?",
    "category": "health",
    "place": OFFICER_UNIT,
}


def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return response.json()  # type: ignore[no-any-return]


def refused(response: httpx.Response, *statuses: int) -> None:
    assert response.status_code in statuses, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/problem+json")


def revised(headers: dict[str, str], thing: dict[str, Any]) -> dict[str, str]:
    return {**headers, "If-Match": f'"{thing["revision"]}"'}


def release_step(http: httpx.Client, headers: dict[str, str], release: dict[str, Any], action: str, **body: Any) -> Any:
    return ok(http.post(f"/v1/releases/{release['id']}/{action}", json=body or None, headers=revised(headers, release)))


def test_questions_stay_with_their_journalist_their_unit_and_the_editors(http: httpx.Client, cast: Cast) -> None:
    question = ok(http.post("/v1/questions", json=QUESTION, headers=cast.headers("journalist")), 201)
    if question["unit_code"] != OFFICER_UNIT:  # routed elsewhere by category: an editor sends it to our unit
        body = {"unit_code": OFFICER_UNIT, "reason": "Thuộc Sở Y tế."}
        moved = http.post(
            f"/v1/questions/{question['id']}/reroute", json=body, headers=revised(cast.headers("editor"), question)
        )
        question = ok(moved)
    path = f"/v1/questions/{question['id']}"
    for role in ("journalist", "officer", "editor", "admin"):
        assert ok(http.get(path, headers=cast.headers(role)))["id"] == question["id"]
    for role in ("entitled", "other_officer"):  # another journalist, another unit: as if it did not exist
        refused(http.get(path, headers=cast.headers(role)), 404)
    refused(http.get(path, headers=cast.headers("system")), 403)
    refused(http.get(path), 401)
    refused(http.post(f"{path}/close", headers=cast.headers("entitled")), 404)
    refused(http.post(f"{path}/clarification", json={"text": "x"}, headers=cast.headers("entitled")), 404)
    refused(http.post(f"{path}/answer", json={"text": "x"}, headers=cast.headers("other_officer")), 404)
    refused(http.post(f"{path}/start", headers=cast.headers("other_officer")), 404)
    # queues: one's own only
    foreign = http.get("/v1/questions", params={"unit_code": OFFICER_UNIT}, headers=cast.headers("other_officer"))
    refused(foreign, 403)
    own = ok(http.get("/v1/questions", params={"unit_code": OFFICER_UNIT}, headers=cast.headers("officer")))
    assert question["id"] in {item["id"] for item in own["items"]}
    theirs = ok(http.get("/v1/questions", headers=cast.headers("entitled")))
    assert question["id"] not in {item["id"] for item in theirs["items"]}
    scorecard = http.get("/v1/scorecards", params={"unit_code": OFFICER_UNIT}, headers=cast.headers("other_officer"))
    refused(scorecard, 403)
    stored = ok(http.get(path, headers=cast.headers("editor")))
    assert stored["revision"] == question["revision"]  # none of the refused calls changed it


def test_another_units_monitoring_is_refused_to_an_officer(http: httpx.Client, cast: Cast) -> None:
    for path in ("/v1/monitoring/alerts", "/v1/monitoring/claims"):
        foreign = http.get(path, params={"unit_code": OFFICER_UNIT}, headers=cast.headers("other_officer"))
        refused(foreign, 403)
        for role in ("officer", "editor"):  # its own unit's officer, and the desk
            assert "items" in ok(http.get(path, params={"unit_code": OFFICER_UNIT}, headers=cast.headers(role)))


def test_drafts_stay_with_their_unit_and_the_editors(http: httpx.Client, cast: Cast) -> None:
    body = {"unit_code": OFFICER_UNIT, "content": CONTENT}
    release = ok(http.post("/v1/releases", json=body, headers=cast.headers("officer")), 201)
    path = f"/v1/releases/{release['id']}"
    for role in ("officer", "editor", "admin"):
        assert ok(http.get(path, headers=cast.headers(role)))["status"] == "draft"
    for role in ("anonymous", "journalist", "entitled", "other_officer"):
        refused(http.get(path, headers=cast.headers(role)), 404)
    edit = http.put(
        f"{path}/content", json={"content": CONTENT}, headers=revised(cast.headers("other_officer"), release)
    )
    refused(edit, 403, 404)
    refused(http.post(f"{path}/submit", headers=revised(cast.headers("other_officer"), release)), 403, 404)
    assert ok(http.get(path, headers=cast.headers("editor")))["revision"] == release["revision"]


def test_an_embargoed_release_and_its_media_reach_only_entitled_journalists(http: httpx.Client, cast: Cast) -> None:
    officer, editor = cast.headers("officer"), cast.headers("editor")
    photo = samples.jpeg_with_gps(64, 48)
    grant = ok(
        http.post(
            "/v1/media/uploads",
            json={"filename": "hop-bao.jpg", "content_type": "image/jpeg", "size": len(photo)},
            headers=officer,
        ),
        201,
    )
    assert http.put(grant["upload"]["url"], content=photo, headers=grant["upload"]["headers"]).status_code == 200
    asset = ok(http.post(f"/v1/media/assets/{grant['asset_id']}/complete", headers=officer))
    asset = ok(
        http.put(f"/v1/media/assets/{asset['id']}/access", json={"access": "public"}, headers=revised(officer, asset))
    )

    until = datetime.now(UTC) + timedelta(hours=2)
    title = f"Cấm đăng trước giờ họp báo {asset['id'][-6:]}"
    content = {**CONTENT, "title": title, "media_asset_ids": [asset["id"]]}
    release = ok(http.post("/v1/releases", json={"unit_code": OFFICER_UNIT, "content": content}, headers=officer), 201)
    release = release_step(http, officer, release, "submit")
    release = release_step(http, editor, release, "approve")
    release = release_step(http, editor, release, "embargo", until=until.isoformat())
    release = release_step(http, editor, release, "publish")

    path = f"/v1/releases/{release['id']}"
    assert ok(http.get(path, headers=cast.headers("entitled")))["embargoed_until"] is not None
    for role in ("anonymous", "journalist"):
        refused(http.get(path, headers=cast.headers(role)), 404)
        refused(http.get(f"{path}/ninjs", headers=cast.headers(role)), 404)
        listed = ok(http.get("/v1/releases", params={"q": title}, headers=cast.headers(role)))
        assert release["id"] not in {item["id"] for item in listed["items"]}
    for feed in ("/v1/feeds/releases.atom", "/v1/feeds/releases.json"):
        assert release["id"] not in http.get(feed).text

    asset_path = f"/v1/media/assets/{asset['id']}"
    deadline = time.monotonic() + 20  # the media service applies the embargo from the release's event
    while not ok(http.get(asset_path, headers=editor)).get("embargoes") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert ok(http.get(asset_path, headers=editor))["embargoes"], "the media service never saw the embargo"
    for role in ("anonymous", "journalist"):
        refused(http.get(asset_path, headers=cast.headers(role)), 404)
        refused(http.post(f"{asset_path}/download-url", headers=cast.headers(role)), 404)
        listed = ok(http.get("/v1/media/assets", headers=cast.headers(role)))
        assert asset["id"] not in {item["id"] for item in listed["items"]}
    assert ok(http.get(asset_path, headers=cast.headers("entitled")))["id"] == asset["id"]
    link = ok(http.post(f"{asset_path}/download-url", headers=cast.headers("entitled")))
    assert http.get(link["url"]).status_code == 200
    refused(http.get(f"{asset_path}/downloads", headers=cast.headers("other_officer")), 403, 404)
