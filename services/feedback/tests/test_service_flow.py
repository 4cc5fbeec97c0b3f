"""The feedback service on the real broker and the embedded datastore: RPC, events through the
outbox, automatic escalation on a fast 24/7 clock, alert and directory intake, typed errors."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ClusterRpcClient

from presscenter.feedback.service import FeedbackService
from presscenter.shared.plumbing.dead_letter import ParkingLot
from presscenter.shared.sdk import EventPublisher
from presscenter.shared.testing.event_tap import EventTap

JOURNALIST = {"kind": "user", "id": "j-1", "role": "journalist"}
EDITOR = {"kind": "user", "id": "ed-1", "role": "editor", "unit_code": "ubnd-hn"}
CSGT = {"kind": "user", "id": "o-csgt", "role": "unit_officer", "unit_code": "csgt-ca-hn"}
SO_YTE = {"kind": "user", "id": "o-yte", "role": "unit_officer", "unit_code": "so-yte"}
QUESTION = {
    "actor": JOURNALIST,
    "outlet": "Báo Kinh tế & Đô thị",
    "title": "Phạt nguội trên đường Láng",
    "body": "Tháng 11 có bao nhiêu trường hợp bị phạt nguội?",
    "category": "traffic",
    "place": "csgt-ca-hn",
}
# 24/7 working time and 0.15 s per SLA hour: traffic (12 h) is due after 1.8 s, an escalation after 1.2 s
FAST_CLOCK = {"WORKING_CALENDAR": "always", "SLA_HOUR_SECONDS": 0.15}


def client_for(container_factory: Any, config: dict[str, Any]) -> Iterator[Any]:
    container = container_factory(FeedbackService, config)
    container.start()
    with ClusterRpcClient(uri=config["AMQP_URI"], timeout=15) as client:
        yield client.feedback


@pytest.fixture
def feedback(container_factory: Any, service_config: dict[str, Any]) -> Iterator[Any]:
    yield from client_for(container_factory, service_config)


@pytest.fixture
def fast_feedback(container_factory: Any, service_config: dict[str, Any]) -> Iterator[Any]:
    yield from client_for(container_factory, {**service_config, **FAST_CLOCK})


@pytest.fixture
def tap(service_config: dict[str, Any]) -> Iterator[EventTap]:
    with EventTap(service_config["AMQP_URI"], "feedback") as events:
        yield events


def remote_error(call: Callable[..., Any], *args: Any) -> RemoteError:
    with pytest.raises(RemoteError) as caught:
        call(*args)
    return caught.value


def of(question_id: str) -> Callable[[dict[str, Any]], bool]:
    return lambda e: e["payload"]["question_id"] == question_id


def test_ask_route_answer_over_the_broker(feedback: Any, tap: EventTap) -> None:
    q = feedback.ask(QUESTION)
    assert (q["status"], q["unit_code"], q["legs"][0]["rule"]) == ("routed", "csgt-ca-hn", "place-serves-topic")
    received = tap.wait_for("question_received", of(q["id"]))
    routed = tap.wait_for("question_routed", of(q["id"]))
    assert received["source"] == "feedback" and received["payload"]["outlet"] == "Báo Kinh tế & Đô thị"
    assert routed["payload"]["unit_code"] == "csgt-ca-hn" and routed["payload"]["due_at"]

    queue = feedback.queue({"viewer": {"id": "o-csgt", "role": "unit_officer", "unit_code": "csgt-ca-hn"}})
    assert [(i["id"], i["unit_due_at"]) for i in queue["items"]] == [(q["id"], q["legs"][0]["due_at"])]
    started = feedback.start({"actor": CSGT, "question_id": q["id"], "expected_revision": q["revision"]})
    answered = feedback.answer({"actor": CSGT, "question_id": q["id"], "text": "Có 1.200 trường hợp.", "public": True})
    assert (started["status"], answered["status"]) == ("in_progress", "answered")
    event = tap.wait_for("question_answered", of(q["id"]))
    assert event["payload"]["within_deadline"] is True and event["payload"]["journalist_id"] == "j-1"
    assert event["payload"]["public"] is True

    mine = feedback.get({"viewer": {"id": "j-1", "role": "journalist"}, "question_id": q["id"]})
    assert mine["answers"][0]["text"] == "Có 1.200 trường hợp." and [h["action"] for h in mine["history"]] == [
        "received",
        "routed",
        "started",
        "answered",
    ]
    assert (
        remote_error(feedback.get, {"viewer": {"id": "j-2", "role": "journalist"}, "question_id": q["id"]}).exc_type
        == "NotFound"
    )
    public = feedback.public_answers({"q": "phat nguoi duong lang"})
    assert [item["id"] for item in public["items"]] == [q["id"]]
    closed = feedback.close({"actor": JOURNALIST, "question_id": q["id"]})
    assert closed["status"] == "closed"
    tap.wait_for("question_closed", of(q["id"]))
    cards = feedback.scorecards({"unit_codes": ["csgt-ca-hn"]})["items"]
    assert (cards[0]["answered"], cards[0]["answered_on_time"]) == (1, 1)
    assert "traffic" in {c["code"] for c in feedback.categories({})["items"]}


def test_an_overdue_question_escalates_up_the_tree_by_itself(fast_feedback: Any, tap: EventTap) -> None:
    q = fast_feedback.ask(QUESTION)
    very = tap.wait_for("question_overdue", lambda e: of(q["id"])(e) and e["payload"]["stage"] == "very_overdue")
    stages = [e["payload"]["stage"] for e in tap.events("question_overdue") if of(q["id"])(e)]
    assert stages == ["warning", "overdue", "very_overdue"]
    escalations = [e["payload"] for e in tap.events("question_escalated") if of(q["id"])(e)]
    assert [(e["from_unit_code"], e["to_unit_code"], e["level"], e["automatic"]) for e in escalations] == [
        ("csgt-ca-hn", "ca-hn", 1, True),
        ("ca-hn", "ubnd-hn", 2, True),
    ]
    assert very["payload"]["unit_code"] == "ubnd-hn"
    chain = fast_feedback.get({"viewer": {"id": "j-1", "role": "journalist"}, "question_id": q["id"]})["legs"]
    assert [(leg["unit_code"], leg["outcome"], leg["deadline_missed"]) for leg in chain[:2]] == [
        ("csgt-ca-hn", "escalated", True),
        ("ca-hn", "escalated", True),
    ]
    assert (chain[2]["unit_code"], chain[2]["via"], chain[2]["level"]) == ("ubnd-hn", "escalated", 2)
    # an officer of the unit it was escalated away from can still read it, but no longer answer it
    error = remote_error(fast_feedback.answer, {"actor": CSGT, "question_id": q["id"], "text": "Muộn"})
    assert error.exc_type == "Forbidden"


def test_a_misinformation_alert_opens_one_urgent_question(
    feedback: Any, tap: EventTap, service_config: dict[str, Any]
) -> None:
    alert = {
        "alert_id": "al-2026-11-27-001",
        "kind": "known_claim",
        "score": 0.91,
        "claim_text": "Uống nước chanh chữa khỏi sốt xuất huyết",
        "responsible_unit_code": "so-yte",
        "items": [{"url": "https://example.com/bai-viet/1", "source_name": "Mạng xã hội X"}],
    }
    with EventPublisher(service_config["AMQP_URI"], source="monitoring") as publisher:
        first = publisher.emit("misinformation_alert", alert)
        publisher.publish(first)  # the same event again
        again = publisher.emit("misinformation_alert", alert)  # the same alert in a new event
    received = tap.wait_for("question_received", lambda e: e["payload"]["origin"] == "misinformation_alert")
    assert received["payload"]["alert_id"] == "al-2026-11-27-001" and received["payload"]["priority"] == "urgent"
    assert received["causation_id"] in (str(first.event_id), str(again.event_id))
    time.sleep(1.0)
    assert len(tap.events("question_received")) == 1
    queue = feedback.queue({"viewer": {"id": "o-yte", "role": "unit_officer", "unit_code": "so-yte"}})["items"]
    assert [(i["origin"], i["priority"]) for i in queue] == [("misinformation_alert", "urgent")]


def test_bad_input_gets_typed_errors_and_nothing_is_written(feedback: Any) -> None:
    cases = [
        ({**QUESTION, "category": "weather"}, "InvalidInput", "category"),
        ({**QUESTION, "body": ""}, "InvalidInput", "body"),
        ({**QUESTION, "body": "   "}, "InvalidInput", "body"),
        ({**QUESTION, "place": "phuong-khong-co"}, "InvalidInput", "place"),
        ({**QUESTION, "priority": "asap"}, "InvalidInput", "priority"),
        ({**QUESTION, "actor": EDITOR}, "Forbidden", "journalist"),
    ]
    for request, exc_type, word in cases:
        error = remote_error(feedback.ask, request)
        assert (error.exc_type, word in error.value) == (exc_type, True), error.value
    assert feedback.queue({"viewer": {"id": "ed-1", "role": "editor"}})["items"] == []

    q = feedback.ask(QUESTION)
    wrong_unit = remote_error(feedback.answer, {"actor": SO_YTE, "question_id": q["id"], "text": "Trả lời"})
    assert wrong_unit.exc_type == "Forbidden" and "csgt-ca-hn" in wrong_unit.value
    stale = remote_error(feedback.start, {"actor": CSGT, "question_id": q["id"], "expected_revision": 7})
    assert stale.exc_type == "Conflict"
    not_now = remote_error(feedback.clarify, {"actor": JOURNALIST, "question_id": q["id"], "text": "Thêm"})
    assert not_now.exc_type == "InvalidTransition"
    missing = remote_error(feedback.start, {"actor": CSGT, "question_id": "q-khong-co"})
    assert missing.exc_type == "NotFound"
    public = remote_error(feedback.queue, {"viewer": {"id": "anon", "role": "public"}})
    assert public.exc_type == "Forbidden"
    stored = feedback.get({"viewer": {"id": "ed-1", "role": "editor"}, "question_id": q["id"]})
    assert (stored["status"], stored["revision"]) == ("routed", 1)


def test_directory_updates_reach_the_service_once_each(feedback: Any, service_config: dict[str, Any]) -> None:
    q = feedback.ask(QUESTION)
    unit = {"code": "so-gtvt", "name": {"vi": "Sở Giao thông vận tải"}, "kind": "department", "parent_code": "ubnd-hn"}
    with EventPublisher(service_config["AMQP_URI"], source="ubnd-hn") as publisher:
        publisher.emit("directory_updated", {"upserts": [unit], "revision": "r2"})
    reroute = {"actor": EDITOR, "question_id": q["id"], "unit_code": "so-gtvt", "reason": "Đơn vị mới phụ trách"}
    deadline = time.monotonic() + 10
    while True:
        try:
            moved = feedback.reroute(reroute)
            break
        except RemoteError:
            assert time.monotonic() < deadline, "the new unit never reached the service"
            time.sleep(0.2)
    assert moved["unit_code"] == "so-gtvt" and moved["legs"][-1]["reason"] == "Đơn vị mới phụ trách"
    escalated = feedback.escalate({"actor": EDITOR, "question_id": q["id"], "reason": "Cần UBND chỉ đạo"})
    assert escalated["unit_code"] == "ubnd-hn"  # the new unit's parent
    # a removal handled twice would name an unknown unit and be parked: the repeated delivery is skipped
    with EventPublisher(service_config["AMQP_URI"], source="ubnd-hn") as publisher:
        publisher.publish(publisher.emit("directory_updated", {"removals": ["so-gtvt"], "revision": "r3"}))
    deadline = time.monotonic() + 10
    while remote_error_or_none(feedback.reroute, {**reroute, "question_id": q["id"]}) != "DirectoryError":
        assert time.monotonic() < deadline, "the removal never reached the service"
        time.sleep(0.2)
    time.sleep(0.5)
    with ParkingLot(service_config["AMQP_URI"], "feedback") as lot:
        assert lot.list() == []


def remote_error_or_none(call: Callable[..., Any], *args: Any) -> str | None:
    try:
        call(*args)
    except RemoteError as exc:
        return exc.exc_type
    return None


def test_open311_over_rpc(feedback: Any) -> None:
    services = feedback.georeport_services({"locale": "en"})["services"]
    assert {"service_code": "health", "service_name": "Health"}.items() <= next(
        s for s in services if s["service_code"] == "health"
    ).items()
    created = feedback.georeport_create(
        {
            "actor": JOURNALIST,
            "service_code": "urban-order",
            "description": "Rác thải ùn ứ",
            "address_string": "phường Ba Đình",
        }
    )
    request_id = created["requests"][0]["service_request_id"]
    records = feedback.georeport_requests({"viewer": {"id": "j-1", "role": "journalist"}})["requests"]
    assert [(r["service_request_id"], r["status"], r["address_id"]) for r in records] == [
        (request_id, "open", "phuong-ba-dinh")
    ]
