"""The feedback app on the embedded datastore with an injectable clock: the SLA clock and its
outbox events, alert intake, queues and who sees them, public answers, scorecards, Open311."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import mongoengine
import pytest
from pymongo import MongoClient

from presscenter.feedback.app import FeedbackApp, alert_question_id
from presscenter.feedback.repository import QuestionRepository
from presscenter.feedback.rulebook import load_rulebook
from presscenter.feedback.settings import FeedbackSettings
from presscenter.shared.directory.store import UnitDirectory
from presscenter.shared.events.catalog import build_event, parse_event
from presscenter.shared.events.common import Actor
from presscenter.shared.events.departments import DirectoryUpdated
from presscenter.shared.plumbing.mongo import connect
from presscenter.shared.rpc import feedback as rpc
from presscenter.shared.rpc.errors import Conflict, Forbidden, NotFound
from presscenter.shared.testing.clock import FakeClock

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
JOURNALIST = Actor(kind="user", id="j-1", role="journalist")
EDITOR = Actor(kind="user", id="ed-1", role="editor", unit_code="ubnd-hn")


def officer(unit: str) -> Actor:
    return Actor(kind="user", id=f"o-{unit}", role="unit_officer", unit_code=unit)


def viewer(role: str, id_: str = "v-1", unit: str | None = None) -> rpc.Viewer:
    return rpc.Viewer(id=id_, role=role, unit_code=unit)  # type: ignore[arg-type]


@pytest.fixture
def db_name(mongo_uri: str, mongo_db_name: str) -> Iterator[str]:
    connect(FeedbackSettings(mongo_uri=mongo_uri, mongo_db=mongo_db_name))
    try:
        yield mongo_db_name
    finally:
        mongoengine.disconnect("feedback")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 27, 16, 0, tzinfo=HANOI))  # a Friday afternoon


@pytest.fixture
def app(db_name: str, mongo_uri: str, clock: FakeClock) -> FeedbackApp:
    directory = UnitDirectory(MongoClient(mongo_uri)[db_name])
    return FeedbackApp(QuestionRepository(), directory, load_rulebook(FeedbackSettings()), clock)


def ask(app: FeedbackApp, actor: Actor = JOURNALIST, **fields: Any) -> rpc.Question:
    request = {
        "actor": actor,
        "title": "Phạt nguội",
        "body": "Xin số liệu phạt nguội tháng 11.",
        "category": "traffic",
        "place": "csgt-ca-hn",
        **fields,
    }
    return app.ask(rpc.Ask(**request))


def outbox(mongo_uri: str, db_name: str, question_id: str) -> list[dict[str, Any]]:
    doc = MongoClient(mongo_uri)[db_name]["questions"].find_one({"_id": question_id})
    assert doc is not None
    return [parse_event(json.loads(entry)["body"]).to_message() for entry in doc["_outbox"]]


def described(events: list[dict[str, Any]]) -> list[str]:
    out = []
    for e in events:
        payload = e["payload"]
        out.append(
            {
                "question_overdue": f"overdue:{payload.get('stage')}",
                "question_escalated": f"escalated:{payload.get('to_unit_code')}",
            }.get(e["type"], e["type"])
        )
    return out


def test_the_clock_warns_escalates_and_records_every_event_in_the_outbox(
    app: FeedbackApp, clock: FakeClock, mongo_uri: str, db_name: str
) -> None:
    q = ask(app, priority="urgent")  # traffic urgent: 3 working hours, due Monday 10:00
    assert app.run_clock() == []
    clock.now = datetime(2026, 11, 28, 12, 0, tzinfo=HANOI)  # Saturday
    assert app.run_clock() == []
    for hh, mm in ((9, 15), (10, 0), (12, 0), (14, 30), (15, 30)):
        clock.now = datetime(2026, 11, 30, hh, mm, tzinfo=HANOI)
        assert app.run_clock() == [q.id], f"{hh}:{mm:02d}"
        assert app.run_clock() == []  # done once
    clock.now = datetime(2026, 12, 30, 9, 0, tzinfo=HANOI)
    assert app.run_clock() == []
    assert described(outbox(mongo_uri, db_name, q.id)) == [
        "question_received",
        "question_routed",
        "overdue:warning",
        "overdue:overdue",
        "escalated:ca-hn",
        "escalated:ubnd-hn",
        "overdue:very_overdue",
    ]
    stored = app.get(rpc.GetQuestion(viewer=viewer("journalist", "j-1"), question_id=q.id))
    assert [leg.unit_code for leg in stored.legs] == ["csgt-ca-hn", "ca-hn", "ubnd-hn"]
    assert stored.sla.stage == "very_overdue" and stored.history[-1].action == "unit_deadline_missed"


def test_clarification_pauses_the_clock_in_storage(app: FeedbackApp, clock: FakeClock) -> None:
    q = ask(app, priority="urgent")
    clock.now = datetime(2026, 11, 30, 9, 0, tzinfo=HANOI)
    app.request_clarification(rpc.RequestClarification(actor=officer("csgt-ca-hn"), question_id=q.id, request="Tuyến?"))
    clock.now = datetime(2026, 12, 10, 9, 0, tzinfo=HANOI)
    assert app.run_clock() == []  # paused: never due
    waiting = app.queue(rpc.QueueQuery(viewer=viewer("editor"), status=["awaiting_clarification"])).items
    assert [(s.id, s.paused, s.due_at) for s in waiting] == [(q.id, True, None)]
    resumed = app.clarify(rpc.Clarify(actor=JOURNALIST, question_id=q.id, text="Đường Láng"))
    assert resumed.sla.due_at == datetime(2026, 12, 10, 10, 0, tzinfo=HANOI)  # 1 h was used before the pause


def test_an_alert_opens_one_question_whatever_the_redeliveries(app: FeedbackApp, mongo_uri: str, db_name: str) -> None:
    payload = {
        "alert_id": "al-42",
        "kind": "contradicts_release",
        "score": 0.8,
        "claim_text": "Hồ Gươm bị lấp",
        "release_id": "r-1",
        "responsible_unit_code": "phuong-hoan-kiem",
        "items": [{"url": "https://example.com/p/1", "source_name": "Diễn đàn Y"}],
    }
    first = build_event("misinformation_alert", payload, source="monitoring")
    again = build_event("misinformation_alert", payload, source="monitoring")  # same alert, new event id
    question = app.intake_alert(first)
    assert question is not None and question.id == alert_question_id("al-42")
    assert app.intake_alert(first) is None and app.intake_alert(again) is None
    assert question.unit_code == "phuong-hoan-kiem" and question.priority == "urgent"
    events = outbox(mongo_uri, db_name, question.id)
    assert [e["type"] for e in events] == ["question_received", "question_routed"]
    assert all(e["correlation_id"] == first.correlation_id for e in events)
    assert events[0]["causation_id"] == str(first.event_id)
    page = app.queue(rpc.QueueQuery(viewer=viewer("unit_officer", unit="phuong-hoan-kiem")))
    assert [s.id for s in page.items] == [question.id]


def test_queues_show_each_viewer_what_it_may_see_most_urgent_first(app: FeedbackApp, clock: FakeClock) -> None:
    normal = ask(app)  # csgt-ca-hn, 12 h
    urgent = ask(app, priority="urgent")  # csgt-ca-hn, 3 h
    at_police = ask(app, category="security", place=None, title="Ma túy", body="Số vụ ma túy năm 2026")  # ca-hn
    other = ask(app, Actor(kind="user", id="j-2", role="journalist"), category="health", place=None)  # so-yte

    def ids(v: rpc.Viewer, **query: Any) -> list[str]:
        return [s.id for s in app.queue(rpc.QueueQuery(viewer=v, **query)).items]

    assert ids(viewer("unit_officer", unit="csgt-ca-hn")) == [urgent.id, normal.id]
    assert ids(viewer("unit_officer", unit="ca-hn")) == [at_police.id]
    assert set(ids(viewer("unit_officer", unit="ca-hn"), include_subunits=True)) == {urgent.id, normal.id, at_police.id}
    assert ids(viewer("unit_officer", unit="ca-hn"), unit_code="csgt-ca-hn") == [urgent.id, normal.id]
    with pytest.raises(Forbidden):
        app.queue(rpc.QueueQuery(viewer=viewer("unit_officer", unit="so-yte"), unit_code="ca-hn"))
    with pytest.raises(Forbidden):
        app.queue(rpc.QueueQuery(viewer=viewer("public")))
    assert set(ids(viewer("journalist", "j-1"))) == {normal.id, urgent.id, at_police.id}
    assert ids(viewer("journalist", "j-2")) == [other.id]
    first = app.queue(rpc.QueueQuery(viewer=viewer("editor"), limit=2))
    rest = app.queue(rpc.QueueQuery(viewer=viewer("editor"), limit=2, cursor=first.next_cursor))
    assert len(first.items) == 2 and rest.next_cursor is None
    assert {s.id for s in [*first.items, *rest.items]} == {normal.id, urgent.id, at_police.id, other.id}
    with pytest.raises(NotFound):
        app.get(rpc.GetQuestion(viewer=viewer("journalist", "j-2"), question_id=normal.id))
    with pytest.raises(NotFound):
        app.get(rpc.GetQuestion(viewer=viewer("unit_officer", unit="so-yte"), question_id=normal.id))


def test_a_stale_expected_revision_is_a_conflict_and_nothing_is_written(app: FeedbackApp) -> None:
    q = ask(app)
    app.start(rpc.QuestionAction(actor=officer("csgt-ca-hn"), question_id=q.id, expected_revision=1))
    with pytest.raises(Conflict):
        app.answer(rpc.AnswerQuestion(actor=officer("csgt-ca-hn"), question_id=q.id, expected_revision=1, text="A"))
    with pytest.raises(Forbidden):
        app.answer(rpc.AnswerQuestion(actor=officer("so-yte"), question_id=q.id, text="A"))
    stored = app.repo.get(q.id)
    assert (stored.status, stored.revision) == ("in_progress", 2)
    with pytest.raises(NotFound):
        app.start(rpc.QuestionAction(actor=EDITOR, question_id="q-nope"))


def test_public_answers_and_scorecards(app: FeedbackApp, clock: FakeClock) -> None:
    shown = ask(app, title="Số liệu phạt nguội tháng 11")
    hidden = ask(app, title="Câu hỏi riêng")
    clock.now = datetime(2026, 11, 30, 9, 0, tzinfo=HANOI)
    app.answer(
        rpc.AnswerQuestion(actor=officer("csgt-ca-hn"), question_id=shown.id, text="1.200 trường hợp", public=True)
    )
    app.answer(rpc.AnswerQuestion(actor=officer("csgt-ca-hn"), question_id=hidden.id, text="Riêng"))
    page = app.public_answers(rpc.PublicAnswersQuery(q="phat nguoi"))
    assert [(a.id, a.answer, a.unit_code) for a in page.items] == [(shown.id, "1.200 trường hợp", "csgt-ca-hn")]
    assert app.public_answers(rpc.PublicAnswersQuery(q="rieng")).items == []
    cards = app.scorecards(rpc.ScorecardQuery(unit_codes=["csgt-ca-hn", "ca-hn"])).items
    assert [(c.unit_code, c.answered, c.answered_on_time, c.median_response_hours) for c in cards] == [
        ("csgt-ca-hn", 2, 2, 2.0),
        ("ca-hn", 0, 0, None),
    ]


def test_directory_updates_reach_routing_and_reroutes(app: FeedbackApp) -> None:
    unit = {
        "code": "so-gtvt",
        "name": {"vi": "Sở Giao thông vận tải"},
        "kind": "department",
        "parent_code": "ubnd-hn",
        "topics": ["traffic-safety"],
    }
    app.directory.apply(DirectoryUpdated.model_validate({"upserts": [unit]}))
    q = ask(app, place=None, title="An toàn giao thông")
    moved = app.reroute(rpc.Reroute(actor=EDITOR, question_id=q.id, unit_code="so-gtvt", reason="Đơn vị mới"))
    assert moved.unit_code == "so-gtvt" and moved.legs[-1].via == "rerouted"


def test_open311_over_the_app(app: FeedbackApp, clock: FakeClock) -> None:
    created = app.georeport_create(
        rpc.GeoReportCreate(actor=JOURNALIST, service_code="health", description="Bệnh viện Bạch Mai quá tải?")
    )
    request_id = created.requests[0]["service_request_id"]
    services = app.georeport_services(rpc.GeoReportServicesQuery(locale="en")).services
    assert "health" in {s.service_code for s in services}
    mine = app.georeport_requests(rpc.GeoReportRequestsQuery(viewer=viewer("journalist", "j-1"), status="open"))
    assert [(r.service_request_id, r.status, r.agency_responsible) for r in mine.requests] == [
        (request_id, "open", "Sở Y tế Hà Nội")
    ]
    assert (
        app.georeport_requests(rpc.GeoReportRequestsQuery(viewer=viewer("journalist", "j-1"), status="closed")).requests
        == []
    )
    assert app.georeport_requests(rpc.GeoReportRequestsQuery(viewer=viewer("journalist", "j-9"))).requests == []
    later = app.georeport_requests(
        rpc.GeoReportRequestsQuery(viewer=viewer("editor"), start_date=clock.now + timedelta(seconds=1))
    )
    assert later.requests == []
