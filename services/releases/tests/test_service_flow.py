"""The releases service on the real broker and the embedded datastore: RPC workflow, events
through the outbox, department intake, the clock (scheduled publication, embargo lifts)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ClusterRpcClient

from presscenter.releases.repository import ReleaseRepository
from presscenter.releases.service import ReleasesService
from presscenter.shared.events.envelope import utcnow
from presscenter.shared.plumbing.dead_letter import ParkingLot
from presscenter.shared.sdk import EventPublisher
from presscenter.shared.testing.event_tap import EventTap

OFFICER = {"kind": "user", "id": "officer-1", "role": "unit_officer", "unit_code": "so-yte"}
EDITOR = {"kind": "user", "id": "editor-1", "role": "editor", "unit_code": "ubnd-hn"}
JOURNALIST_ACTOR = {"kind": "user", "id": "j-1", "role": "journalist"}
JOURNALIST = {"id": "j-1", "role": "journalist"}
ENTITLED = {"id": "j-2", "role": "journalist", "embargo_entitled": True}
PUBLIC = {"id": "anon", "role": "public"}
CONTENT = {
    "title": "Hà Nội tăng cường phòng chống sốt xuất huyết",
    "lead": "Sở Y tế Hà Nội khuyến cáo người dân diệt bọ gậy.",
    "body": "Từ tuần này, các phường triển khai chiến dịch **diệt bọ gậy**.",
    "categories": ["health"],
    "places": ["phuong-hoan-kiem"],
}


@pytest.fixture
def releases(container_factory: Any, service_config: dict[str, Any]) -> Iterator[Any]:
    container = container_factory(ReleasesService, service_config)
    container.start()
    with ClusterRpcClient(uri=service_config["AMQP_URI"], timeout=15) as client:
        yield client.releases


@pytest.fixture
def tap(service_config: dict[str, Any]) -> Iterator[EventTap]:
    with EventTap(service_config["AMQP_URI"], "releases") as events:
        yield events


def remote_error(call: Any, *args: Any) -> RemoteError:
    with pytest.raises(RemoteError) as caught:
        call(*args)
    return caught.value


def draft(releases: Any) -> dict[str, Any]:
    return releases.create_draft({"actor": OFFICER, "unit_code": "so-yte", "content": CONTENT})


def action(release: dict[str, Any], actor: dict[str, Any] = EDITOR, **extra: Any) -> dict[str, Any]:
    return {"actor": actor, "release_id": release["id"], "expected_revision": release["revision"], **extra}


def published(releases: Any, **embargo: Any) -> dict[str, Any]:
    release = releases.submit(action(draft(releases), OFFICER))
    release = releases.approve(action(release))
    if embargo:
        release = releases.set_embargo(action(release, until=embargo["until"].isoformat()))
    return releases.publish_now(action(release))


def test_draft_to_published_emits_every_event_through_the_outbox(releases: Any, tap: EventTap) -> None:
    release = draft(releases)
    assert (release["status"], release["revision"], release["version"]) == ("draft", 1, 0)
    release = releases.submit(action(release, OFFICER))
    release = releases.approve(action(release))
    release = releases.publish_now(action(release))
    assert (release["status"], release["version"]) == ("published", 1)
    rid = release["id"]
    for event_type in ("release_submitted", "release_approved", "release_published"):
        event = tap.wait_for(event_type, lambda e: e["payload"]["release"]["release_id"] == rid)
        assert event["source"] == "releases"
    corrected = releases.correct(
        action(release, content={**CONTENT, "lead": "Sửa: phường Hoàn Kiếm."}, note="Sửa tên phường")
    )
    assert (corrected["version"], corrected["correction_sequence"]) == (2, 1)
    event = tap.wait_for("release_corrected", lambda e: e["payload"]["release"]["release_id"] == rid)
    assert event["payload"]["previous_version"] == 1
    assert [v["version"] for v in releases.get({"viewer": JOURNALIST, "release_id": rid})["versions"]] == [1, 2]


def test_a_read_answers_the_stored_release_as_its_contract(releases: Any) -> None:
    """`get` answers JSON serialised once in pydantic's core: the stored release's JSON dump."""
    release = published(releases, until=utcnow() + timedelta(hours=1))
    read = releases.get({"viewer": ENTITLED, "release_id": release["id"]})
    stored = ReleaseRepository().get(release["id"])
    assert read == stored.model_dump(mode="json")
    assert read["embargoed_until"] and read["history"] and read["versions"][0]["content"]["title"] == CONTENT["title"]


def test_bad_input_is_refused_with_typed_errors_and_nothing_written(releases: Any) -> None:
    unknown = remote_error(releases.create_draft, {"actor": OFFICER, "unit_code": "so-khong-co", "content": CONTENT})
    assert unknown.exc_type in ("InvalidInput", "DirectoryError") and "so-khong-co" in unknown.value
    empty = remote_error(
        releases.create_draft, {"actor": OFFICER, "unit_code": "so-yte", "content": {**CONTENT, "title": ""}}
    )
    assert empty.exc_type == "InvalidInput" and "title" in empty.value
    forbidden = remote_error(
        releases.create_draft, {"actor": JOURNALIST_ACTOR, "unit_code": "so-yte", "content": CONTENT}
    )
    assert forbidden.exc_type == "Forbidden"
    release = draft(releases)
    releases.submit(action(release, OFFICER))
    stale = remote_error(releases.submit, action(release, OFFICER))
    assert stale.exc_type == "Conflict"
    past = remote_error(
        releases.set_embargo,
        action(
            releases.get({"viewer": {"id": "e", "role": "editor"}, "release_id": release["id"]}),
            until=(utcnow() - timedelta(hours=1)).isoformat(),
        ),
    )
    assert past.exc_type == "InvalidInput"
    page = releases.search({"viewer": {"id": "e", "role": "editor"}})
    assert [item["id"] for item in page["items"]] == [release["id"]]


def test_department_intake_is_idempotent_by_event_and_by_external_id(
    releases: Any, tap: EventTap, service_config: dict[str, Any]
) -> None:
    payload = {"external_id": "syt-2026-0042", "unit_code": "so-yte", "title": "Thông báo lịch tiêm chủng",
               "body": "Lịch tiêm chủng mở rộng tháng 12."}  # fmt: skip
    with EventPublisher(service_config["AMQP_URI"], source="so-yte") as publisher:
        first = publisher.emit("department_release_submitted", payload)
        publisher.publish(first)  # the same event again
        publisher.emit("department_release_submitted", payload)  # a resubmission with a new event id
    tap.wait_for("release_submitted")
    time.sleep(1.0)
    editor = {"id": "e", "role": "editor"}
    items = releases.search({"viewer": editor, "q": "tiem chung"})["items"]
    assert len(items) == 1 and items[0]["status"] == "submitted"
    assert len(tap.events("release_submitted")) == 1
    release = releases.get({"viewer": editor, "release_id": items[0]["id"]})
    assert release["intake"]["external_id"] == "syt-2026-0042" and release["created_by"]["kind"] == "system"


def test_the_clock_publishes_on_time_and_lifts_the_embargo_within_a_second(releases: Any, tap: EventTap) -> None:
    release = releases.approve(action(releases.submit(action(draft(releases), OFFICER))))
    at = utcnow() + timedelta(seconds=1)
    scheduled = releases.schedule(action(release, at=at.isoformat()))
    assert scheduled["status"] == "scheduled"
    event = tap.wait_for("release_published", lambda e: e["payload"]["release"]["release_id"] == release["id"])
    published_at = event["payload"]["release"]["published_at"]
    assert published_at >= at.isoformat().replace("+00:00", "Z")[:19]

    until = utcnow() + timedelta(seconds=1.5)
    embargoed = published(releases, until=until)
    rid = embargoed["id"]
    assert releases.get({"viewer": ENTITLED, "release_id": rid})["embargoed_until"]
    assert remote_error(releases.get, {"viewer": JOURNALIST, "release_id": rid}).exc_type == "NotFound"
    assert rid not in [i["id"] for i in releases.search({"viewer": PUBLIC})["items"]]
    lifted = tap.wait_for("embargo_lifted", lambda e: e["payload"]["release_id"] == rid, timeout=5)
    lag = (utcnow() - until).total_seconds()
    assert lag < 1.0, f"embargo lifted {lag:.2f}s late"
    assert lifted["payload"]["embargoed_until"].startswith(until.isoformat()[:19])
    assert releases.get({"viewer": JOURNALIST, "release_id": rid})["embargo_lifted_at"]


def test_search_ninjs_and_feeds_over_rpc(releases: Any) -> None:
    release = published(releases)
    found = releases.search({"viewer": PUBLIC, "q": "ha noi sot xuat huyet"})["items"]
    assert [item["id"] for item in found] == [release["id"]]
    ninjs = releases.ninjs({"viewer": PUBLIC, "release_id": release["id"]})
    assert ninjs["pubStatus"] == "usable" and ninjs["version"] == "1"
    atom = releases.feed({"format": "atom"})
    assert atom["content_type"].startswith("application/atom+xml") and CONTENT["title"] in atom["body"]
    json_feed = releases.feed({"format": "json", "limit": 5})
    assert CONTENT["title"] in json_feed["body"]


def test_directory_updates_reach_the_service_and_bad_ones_are_parked(
    releases: Any, service_config: dict[str, Any]
) -> None:
    new_unit = {"code": "so-moi", "name": {"vi": "Sở Mới", "en": "New Department"}, "kind": "department",
                "parent_code": "ubnd-hn"}  # fmt: skip
    cycle = {"code": "ubnd-hn", "name": {"vi": "Văn phòng", "en": "Office"}, "kind": "city_office",
             "parent_code": "so-moi"}  # fmt: skip
    with EventPublisher(service_config["AMQP_URI"], source="ubnd-hn") as publisher:
        publisher.emit("directory_updated", {"upserts": [new_unit], "revision": "r2"})
        publisher.emit("directory_updated", {"upserts": [cycle], "revision": "r3"})

    def created() -> dict[str, Any] | None:
        try:
            return releases.create_draft({"actor": EDITOR, "unit_code": "so-moi", "content": CONTENT})
        except RemoteError:
            return None

    deadline = time.monotonic() + 10
    while (release := created()) is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert release is not None and release["unit_code"] == "so-moi"
    # the cycle was refused: the tree still has its root and accepts releases for it
    assert releases.create_draft({"actor": EDITOR, "unit_code": "ubnd-hn", "content": CONTENT})["status"] == "draft"
    with ParkingLot(service_config["AMQP_URI"], "releases") as lot:
        deadline = time.monotonic() + 10
        while not (parked := lot.list()) and time.monotonic() < deadline:
            time.sleep(0.2)
    assert len(parked) == 1 and "cycle" in parked[0].error


def test_a_misinformation_alert_leaves_one_draft_refutation_for_the_unit(
    releases: Any, tap: EventTap, service_config: dict[str, Any]
) -> None:
    alert = {
        "alert_id": "al-flow-0001",
        "kind": "known_claim",
        "score": 0.91,
        "claim_id": "c-tiem-chung",
        "claim_text": "Vắc xin sởi đợt này gây sốt cao kéo dài",
        "responsible_unit_code": "so-yte",
        "items": [{"url": "https://forum.example.vn/t/9", "title": "Vắc xin sởi gây sốt", "source_name": "forum"}],
    }
    with EventPublisher(service_config["AMQP_URI"], source="monitoring") as publisher:
        first = publisher.emit("misinformation_alert", alert)
        publisher.publish(first)  # redelivered
        publisher.emit("misinformation_alert", {**alert, "refuted_by_release_id": "r-0000000000000001",
                                                "alert_id": "al-flow-0002"})  # fmt: skip  # already refuted
    deadline = time.monotonic() + 10
    officer = {"id": "officer-1", "role": "unit_officer", "unit_code": "so-yte"}
    while time.monotonic() < deadline:
        items = releases.search({"viewer": officer, "q": "vac xin soi", "status": ["draft"]})["items"]
        if items:
            break
        time.sleep(0.1)
    time.sleep(0.5)  # the redelivery and the refuted alert have arrived too
    items = releases.search({"viewer": officer, "q": "vac xin soi", "status": ["draft"]})["items"]
    assert len(items) == 1, items
    release = releases.get({"viewer": officer, "release_id": items[0]["id"]})
    assert release["unit_code"] == "so-yte" and release["created_by"]["kind"] == "service"
    assert release["content"]["refutes_claim_ids"] == ["c-tiem-chung"]
    submitted = releases.submit(action(release, OFFICER))  # the unit takes it on as any draft
    assert submitted["status"] == "submitted"
