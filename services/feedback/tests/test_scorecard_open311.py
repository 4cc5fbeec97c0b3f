"""Unit scorecards from questions' turns, and the Open311 GeoReport v2 mapping."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from presscenter.feedback import open311
from presscenter.feedback.domain import workflow as wf
from presscenter.feedback.domain.calendar import load_calendar
from presscenter.feedback.domain.routing import load_rules
from presscenter.feedback.domain.scorecard import scorecards
from presscenter.feedback.domain.sla import load_policy
from presscenter.shared.directory import seed_tree
from presscenter.shared.events.common import Actor
from presscenter.shared.rpc.errors import InvalidInput
from presscenter.shared.rpc.feedback import Ask, GeoReportCreate, Question

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
TREE = seed_tree()
RULES = load_rules()
CTX = wf.Context(TREE, load_calendar(), load_policy(RULES.category_hours()), RULES)
JOURNALIST = Actor(kind="user", id="j-1", role="journalist")
EDITOR = Actor(kind="user", id="ed-1", role="editor")


def officer(unit: str) -> Actor:
    return Actor(kind="user", id=f"o-{unit}", role="unit_officer", unit_code=unit)


def ict(d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 11, d, hh, mm, tzinfo=HANOI) if d <= 30 else datetime(2026, 12, d - 30, hh, mm, tzinfo=HANOI)


def asked(qid: str, when: datetime, **fields: Any) -> Question:
    request = {
        "actor": JOURNALIST,
        "title": "Câu hỏi",
        "body": "Nội dung",
        "category": "traffic",
        "place": "csgt-ca-hn",
        **fields,
    }
    return wf.ask(CTX, Ask(**request), when, qid).question


def test_scorecards_count_each_units_turns_on_their_own_deadlines() -> None:
    on_time = wf.answer(CTX, asked("q-1", ict(30, 9)), officer("csgt-ca-hn"), None, ict(30, 11), "A").question
    late = wf.answer(CTX, asked("q-2", ict(30, 9)), officer("csgt-ca-hn"), None, ict(33, 9), "B").question
    escalating = asked("q-3", ict(27, 16), priority="urgent")
    for when in (ict(30, 10), ict(30, 12)):
        step = wf.run_clock(CTX, escalating, when)
        assert step is not None
        escalating = step.question
    answered_by_city = wf.answer(CTX, escalating, officer("ubnd-hn"), None, ict(30, 14), "C").question
    still_open = asked("q-4", ict(27, 16), priority="urgent")
    questions = [on_time, late, answered_by_city, still_open]

    cards = {c.unit_code: c for c in scorecards(questions, TREE, ict(30, 16))}
    csgt = cards["csgt-ca-hn"]
    assert (csgt.received, csgt.answered, csgt.answered_on_time, csgt.escalated_away) == (4, 2, 1, 1)
    assert (csgt.open, csgt.overdue_open, csgt.on_time_share) == (1, 1, 0.5)
    assert csgt.median_response_hours == pytest.approx((2 + 22.5) / 2)  # 2 h, and Mon 09:00 to Thu 09:00
    assert (cards["ca-hn"].received, cards["ca-hn"].escalated_away, cards["ca-hn"].answered) == (1, 1, 0)
    city = cards["ubnd-hn"]
    # escalated at 12:00, answered at 14:00: only 13:30-14:00 is working time
    assert (city.answered, city.answered_on_time, city.median_response_hours) == (1, 1, 0.5)
    assert cards["so-yte"].received == 0 and cards["so-yte"].on_time_share is None
    only = scorecards(questions, TREE, ict(30, 16), ["ca-hn"], since=ict(30, 10, 30))
    assert [(c.unit_code, c.received) for c in only] == [("ca-hn", 0)]


def test_the_service_list_is_the_category_list() -> None:
    services = open311.service_list(RULES, "vi")
    assert [s.service_code for s in services] == list(RULES.categories)
    health = next(s for s in services if s.service_code == "health")
    assert (health.service_name, health.description, health.type, health.metadata) == (
        "Y tế",
        "Health",
        "realtime",
        False,
    )
    assert next(s for s in open311.service_list(RULES, "en") if s.service_code == "health").service_name == "Health"


def test_request_records_follow_the_question() -> None:
    q = asked("q-9", ict(30, 9), place="12 Hàng Bài, phường Hoàn Kiếm")
    record = open311.request_record(q, TREE, HANOI, RULES, "vi")
    assert (record.service_request_id, record.status, record.service_code) == ("q-9", "open", "traffic")
    assert record.service_name == "Giao thông" and record.agency_responsible == "Phường Hoàn Kiếm"
    assert record.requested_datetime == "2026-11-30T09:00:00+07:00"
    assert record.expected_datetime == "2026-12-01T15:00:00+07:00"
    assert record.address == "12 Hàng Bài, phường Hoàn Kiếm" and record.address_id == "phuong-hoan-kiem"
    assert record.status_notes == "Đang xử lý tại Phường Hoàn Kiếm, hạn 2026-12-01T15:00:00+07:00"
    escalated = wf.escalate(CTX, q, EDITOR, None, ict(30, 10), "Lên UBND").question
    english = open311.request_record(escalated, TREE, HANOI, RULES, "en")
    assert english.status_notes is not None and english.status_notes.endswith("escalated 1 time")
    answered = wf.answer(CTX, escalated, officer("ubnd-hn"), None, ict(30, 11), "Đã xử lý  xong.").question
    done = open311.request_record(answered, TREE, HANOI, RULES, "vi")
    assert done.status == "closed" and done.expected_datetime is None
    assert (
        done.status_notes == "Văn phòng UBND Thành phố Hà Nội đã trả lời lúc 2026-11-30T11:00:00+07:00: Đã xử lý xong."
    )
    by_code = open311.request_record(asked("q-10", ict(30, 9)), TREE, HANOI, RULES, "en")
    assert by_code.address == "Traffic Police Division, Hanoi City Police" and by_code.address_id == "csgt-ca-hn"


def test_a_georeport_post_becomes_a_journalists_question() -> None:
    post = GeoReportCreate(
        actor=JOURNALIST,
        service_code="urban-order",
        description="Lấn chiếm vỉa hè\nChi tiết...",
        address_string="phố Huế, phường Hai Bà Trưng",
        attribute={"priority": "urgent"},
        media_url="https://example.com/a.jpg",
    )
    request = open311.ask_from_georeport(post, RULES)
    assert (request.title, request.category, request.priority, request.origin) == (
        "Lấn chiếm vỉa hè",
        "urban-order",
        "urgent",
        "open311",
    )
    assert request.place == "phố Huế, phường Hai Bà Trưng" and request.body.endswith("Media: https://example.com/a.jpg")
    q = wf.ask(CTX, request, ict(30, 9), "q-11").question
    assert q.unit_code == "phuong-hai-ba-trung"
    response = open311.created(q, TREE, HANOI, "en")
    assert response.requests[0]["service_request_id"] == "q-11"
    assert response.requests[0]["service_notice"].startswith("Sent to Hai Ba Trung Ward, due 2026-11-30T")
    assert open311.statuses_for("closed") == ["answered", "closed"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"service_code": "potholes"}, "service_code"),
        ({"attribute": {"priority": "asap"}}, "attribute.priority"),
        ({"address_id": "phuong-ba-dinh", "address_string": "Ba Đình"}, "address_id"),
        ({"description": "   "}, "description"),
    ],
)
def test_bad_georeport_posts_are_refused_by_field(fields: dict[str, Any], field: str) -> None:
    post = GeoReportCreate(**{"actor": JOURNALIST, "service_code": "health", "description": "Câu hỏi", **fields})
    with pytest.raises(InvalidInput) as caught:
        open311.ask_from_georeport(post, RULES)
    assert caught.value.field == field


def test_times_are_w3c_in_the_citys_offset() -> None:
    assert open311.w3c(ict(30, 9) + timedelta(microseconds=5), HANOI) == "2026-11-30T09:00:00+07:00"
