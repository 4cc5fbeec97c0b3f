"""The question workflow with an injectable clock: states, who may act, pauses, answers, reopen,
re-route, manual and automatic escalation in working time (weekends and Tết included)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from presscenter.feedback.domain import workflow as wf
from presscenter.feedback.domain.calendar import load_calendar
from presscenter.feedback.domain.permissions import allowed_actions
from presscenter.feedback.domain.routing import load_rules
from presscenter.feedback.domain.sla import load_policy
from presscenter.feedback.domain.visibility import can_read
from presscenter.shared.directory import seed_tree
from presscenter.shared.events import feedback as ev
from presscenter.shared.events.common import Actor
from presscenter.shared.events.monitoring import ExampleItem, MisinformationAlert
from presscenter.shared.rpc.errors import Conflict, Forbidden, InvalidInput, InvalidTransition
from presscenter.shared.rpc.feedback import Ask, Question, Viewer

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
H = timedelta(hours=1)
TREE = seed_tree()
RULES = load_rules()
CAL = load_calendar()
POLICY = load_policy(RULES.category_hours())
CTX = wf.Context(TREE, CAL, POLICY, RULES)

JOURNALIST = Actor(kind="user", id="j-1", role="journalist")
OTHER_JOURNALIST = Actor(kind="user", id="j-2", role="journalist")
EDITOR = Actor(kind="user", id="ed-1", role="editor", unit_code="ubnd-hn")


def officer(unit: str) -> Actor:
    return Actor(kind="user", id=f"o-{unit}", role="unit_officer", unit_code=unit)


def ict(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=HANOI)


def ask(now: datetime, **fields: Any) -> wf.Transition:
    request = {
        "actor": JOURNALIST,
        "title": "Phạt nguội trên đường Láng",
        "body": "Xin hỏi số liệu phạt nguội.",
        "category": "traffic",
        "place": "csgt-ca-hn",
        **fields,
    }
    return wf.ask(CTX, Ask(**request), now, "q-1")


def asked(now: datetime, **fields: Any) -> Question:
    return ask(now, **fields).question


def types(transition: wf.Transition | None) -> list[str]:
    assert transition is not None
    return [e.event_type for e in transition.events]


# --- asking ---------------------------------------------------------------------------------------


def test_a_question_is_received_and_routed_with_a_working_time_deadline() -> None:
    t = ask(ict(2026, 11, 27, 16), outlet="Báo Hà Nội Mới")  # Friday 16:00
    q = t.question
    assert types(t) == ["question_received", "question_routed"]
    received, routed = t.events
    assert isinstance(received, ev.QuestionReceived) and received.journalist_id == "j-1"
    assert received.status == "received" and received.outlet == "Báo Hà Nội Mới"
    assert isinstance(routed, ev.QuestionRouted) and routed.unit_code == "csgt-ca-hn"
    assert routed.rule == "place-serves-topic" and "csgt-ca-hn" in routed.reason
    assert (q.status, q.revision, q.unit_code, q.place_unit_code) == ("routed", 1, "csgt-ca-hn", "csgt-ca-hn")
    assert [h.action for h in q.history] == ["received", "routed"]
    # traffic, normal: 12 working hours = Fri 1 h + Mon 7.5 h + Tue 3.5 h
    assert q.sla.due_at == routed.due_at == ict(2026, 12, 1, 11, 30)
    assert q.sla.warning_at == ict(2026, 12, 1, 8, 30)  # 9 h
    assert q.sla.very_overdue_at == ict(2026, 12, 3, 8, 30)  # 24 h
    assert q.leg.due_at == q.sla.due_at and q.leg.level == 0


def test_an_address_is_matched_and_the_reason_says_so() -> None:
    q = asked(ict(2026, 11, 30, 9), category="urban-order", place="15 Hàng Bài, phường Hoàn Kiếm, Hà Nội")
    assert q.unit_code == "phuong-hoan-kiem" and q.place_unit_code == "phuong-hoan-kiem"
    assert "phuong hoan kiem" in q.leg.reason


@pytest.mark.parametrize(
    ("fields", "error", "field"),
    [
        ({"actor": EDITOR}, Forbidden, None),
        ({"actor": officer("so-yte")}, Forbidden, None),
        ({"title": "   "}, InvalidInput, "title"),
        ({"body": " \n "}, InvalidInput, "body"),
        ({"category": "weather"}, InvalidInput, "category"),
        ({"place": "phuong-khong-co"}, InvalidInput, "place"),
        ({"place": "221B Baker Street"}, InvalidInput, "place"),
        ({"attachments": ("m-1", " ")}, InvalidInput, "attachments.1"),
    ],
)
def test_bad_questions_are_refused_naming_the_field(fields: dict[str, Any], error: type, field: str | None) -> None:
    with pytest.raises(error) as caught:
        ask(ict(2026, 11, 30, 9), **fields)
    if field is not None:
        assert caught.value.field == field


# --- who may act -----------------------------------------------------------------------------------


def test_unit_officers_act_for_their_unit_and_the_units_below_it() -> None:
    q = asked(ict(2026, 11, 30, 9))  # at csgt-ca-hn, under ca-hn, under ubnd-hn
    now = ict(2026, 11, 30, 10)
    for unit in ("csgt-ca-hn", "ca-hn", "ubnd-hn"):
        assert wf.start(CTX, q, officer(unit), None, now).question.status == "in_progress"
    for actor in (officer("so-yte"), officer("phuong-hoan-kiem"), JOURNALIST):
        with pytest.raises(Forbidden):
            wf.start(CTX, q, actor, None, now)
    escalated = wf.escalate(CTX, q, EDITOR, None, now, "Cần chỉ đạo của Công an Thành phố").question
    with pytest.raises(Forbidden, match="held by ca-hn"):
        wf.answer(CTX, escalated, officer("csgt-ca-hn"), None, now, "Trả lời")
    assert wf.answer(CTX, escalated, officer("ca-hn"), None, now, "Trả lời").question.status == "answered"


def test_allowed_actions_per_role() -> None:
    q = asked(ict(2026, 11, 30, 9))
    assert allowed_actions(JOURNALIST, q, TREE) == ("close",)
    assert allowed_actions(OTHER_JOURNALIST, q, TREE) == ()
    assert allowed_actions(officer("csgt-ca-hn"), q, TREE) == ("start", "request_clarification", "answer")
    assert allowed_actions(officer("so-yte"), q, TREE) == ()
    assert allowed_actions(EDITOR, q, TREE) == (
        "start",
        "request_clarification",
        "answer",
        "close",
        "reroute",
        "escalate",
    )


def test_transitions_outside_their_statuses_are_refused() -> None:
    now = ict(2026, 11, 30, 10)
    q = asked(ict(2026, 11, 30, 9))
    started = wf.start(CTX, q, officer("csgt-ca-hn"), 1, now).question
    with pytest.raises(InvalidTransition, match="in status in_progress"):
        wf.start(CTX, started, officer("csgt-ca-hn"), None, now)
    with pytest.raises(InvalidTransition):
        wf.clarify(CTX, started, JOURNALIST, None, now, "Thêm thông tin")
    with pytest.raises(InvalidTransition):
        wf.reopen(CTX, started, JOURNALIST, None, now, "Chưa rõ")
    with pytest.raises(Conflict) as stale:
        wf.answer(CTX, started, officer("csgt-ca-hn"), 1, now, "Trả lời")
    assert stale.value.extra["current_revision"] == 2


# --- clarification pauses the clocks ----------------------------------------------------------------


def test_a_clarification_pauses_both_clocks_and_moves_the_deadlines() -> None:
    q = asked(ict(2026, 11, 30, 9), category="education", place=None, title="Học phí năm học mới")
    assert q.unit_code == "so-gddt" and q.sla.due_at == ict(2026, 12, 2, 10)  # 16 h
    waiting = wf.request_clarification(CTX, q, officer("so-gddt"), None, ict(2026, 11, 30, 10), "Trường nào?")
    w = waiting.question
    assert (w.status, w.paused, w.sla.paused) == ("awaiting_clarification", True, True)
    assert w.sla.due_at is None and w.leg.due_at is None and w.sla.warning_at is None
    assert wf.next_check(w) is None
    assert wf.run_clock(CTX, w, ict(2026, 12, 25, 9)) is None  # nothing runs out while waiting
    with pytest.raises(Forbidden):
        wf.clarify(CTX, w, OTHER_JOURNALIST, None, ict(2026, 12, 1, 10), "Trường X")
    resumed = wf.clarify(CTX, w, JOURNALIST, None, ict(2026, 12, 1, 10), "Trường THPT Chu Văn An").question
    # paused Mon 10:00 to Tue 10:00 = 7.5 working hours: the deadline moves from Wed 10:00 to Thu 10:00
    assert resumed.status == "in_progress" and not resumed.paused
    assert resumed.sla.due_at == resumed.leg.due_at == ict(2026, 12, 3, 10)
    assert resumed.clarifications[-1].answer == "Trường THPT Chu Văn An"
    answered = wf.answer(CTX, resumed, officer("so-gddt"), None, ict(2026, 12, 1, 11), "Trả lời").question
    assert answered.legs[0].response_seconds == (2 * H).total_seconds()  # Mon 09-10 and Tue 10-11


def test_answering_while_awaiting_clarification_ends_the_pause() -> None:
    q = asked(ict(2026, 11, 30, 9))
    w = wf.request_clarification(CTX, q, officer("csgt-ca-hn"), None, ict(2026, 11, 30, 10), "Tuyến nào?").question
    a = wf.answer(CTX, w, officer("csgt-ca-hn"), None, ict(2026, 11, 30, 11), "Số liệu chung").question
    assert a.status == "answered" and a.pauses[-1].ended_at == ict(2026, 11, 30, 11)


# --- answering, closing, reopening ------------------------------------------------------------------


def test_the_answer_returns_with_its_deadline_verdict_and_reopen_window() -> None:
    q = asked(ict(2026, 11, 30, 9))
    t = wf.answer(CTX, q, officer("csgt-ca-hn"), None, ict(2026, 11, 30, 15), "Đã phạt 1.200 trường hợp.", True)
    a = t.question
    assert types(t) == ["question_answered"]
    event = t.events[0]
    assert isinstance(event, ev.QuestionAnswered)
    assert (event.unit_code, event.journalist_id, event.within_deadline, event.public) == (
        "csgt-ca-hn",
        "j-1",
        True,
        True,
    )
    assert a.answer is not None and a.answer.within_deadline and a.public
    assert a.leg.outcome == "answered" and not a.leg.deadline_missed
    assert a.reopen_until == CAL.add(ict(2026, 11, 30, 15), 37.5 * H) == ict(2026, 12, 7, 15)
    late = wf.answer(CTX, q, officer("csgt-ca-hn"), None, ict(2026, 12, 2, 9), "Trả lời muộn").question
    assert late.answer is not None and not late.answer.within_deadline


def test_closing_reasons_and_who_may_close() -> None:
    now = ict(2026, 11, 30, 10)
    q = asked(ict(2026, 11, 30, 9))
    withdrawn = wf.close(CTX, q, JOURNALIST, None, now)
    assert types(withdrawn) == ["question_closed"] and withdrawn.question.leg.outcome == "closed"
    with pytest.raises(InvalidInput, match="reason"):
        wf.close(CTX, q, EDITOR, None, now)
    assert wf.close(CTX, q, EDITOR, None, now, "Trùng câu hỏi q-0").question.close_reason == "Trùng câu hỏi q-0"
    with pytest.raises(Forbidden):
        wf.close(CTX, q, officer("csgt-ca-hn"), None, now, "Không thuộc thẩm quyền")
    with pytest.raises(Forbidden):
        wf.close(CTX, q, OTHER_JOURNALIST, None, now)


def test_reopen_within_the_window_starts_a_new_round_at_the_answering_unit() -> None:
    q = asked(ict(2026, 11, 30, 9))
    a = wf.answer(CTX, q, officer("csgt-ca-hn"), None, ict(2026, 11, 30, 15), "Trả lời").question
    closed = wf.close(CTX, a, JOURNALIST, None, ict(2026, 12, 1, 9)).question
    t = wf.reopen(CTX, closed, JOURNALIST, None, ict(2026, 12, 2, 9), "Số liệu tháng 11?")
    r = t.question
    assert types(t) == ["question_routed"] and t.events[0].rule == "reopen"  # type: ignore[attr-defined]
    assert (r.status, r.unit_code, r.sla.round, r.answer, r.closed_at) == ("routed", "csgt-ca-hn", 2, None, None)
    assert r.sla.due_at == CAL.add(ict(2026, 12, 2, 9), 12 * H)
    assert [leg.via for leg in r.legs] == ["routed", "reopened"]
    with pytest.raises(InvalidTransition, match="reopened until"):
        wf.reopen(CTX, a, JOURNALIST, None, ict(2026, 12, 7, 15, 1), "Quá hạn")
    with pytest.raises(Forbidden):
        wf.reopen(CTX, a, OTHER_JOURNALIST, None, ict(2026, 12, 1, 9), "Không phải của tôi")
    never = wf.close(CTX, q, JOURNALIST, None, ict(2026, 11, 30, 10)).question
    with pytest.raises(InvalidTransition, match="without an answer"):
        wf.reopen(CTX, never, JOURNALIST, None, ict(2026, 11, 30, 11), "Mở lại")


def test_every_event_of_a_question_names_the_journalist_who_asked_it() -> None:
    """The gateway's live stream tells the asker of each step from the event alone."""
    q = asked(ict(2026, 11, 27, 16), priority="urgent")
    steps = [
        ask(ict(2026, 11, 27, 16), priority="urgent"),
        wf.reroute(CTX, q, EDITOR, None, ict(2026, 11, 28, 9), "so-xd", "Hạ tầng"),
        wf.escalate(CTX, q, EDITOR, None, ict(2026, 11, 28, 9), "Cần cấp trên"),
        wf.run_clock(CTX, q, ict(2026, 11, 30, 10)),  # overdue, then escalated by the clock
        wf.answer(CTX, q, officer("csgt-ca-hn"), None, ict(2026, 11, 28, 9), "Trả lời"),
        wf.close(CTX, q, JOURNALIST, None, ict(2026, 11, 28, 9)),
    ]
    events = [event for step in steps for event in (step.events if step else ())]
    assert {event.event_type for event in events} == {
        "question_received",
        "question_routed",
        "question_escalated",
        "question_overdue",
        "question_answered",
        "question_closed",
    }
    assert all(event.journalist_id == JOURNALIST.id for event in events)  # type: ignore[attr-defined]


def test_starting_asking_for_and_giving_a_clarification_each_tell_of_the_step() -> None:
    q = asked(ict(2026, 11, 30, 9))
    unit = officer("csgt-ca-hn")
    started = wf.start(CTX, q, unit, None, ict(2026, 11, 30, 9, 30))
    waiting = wf.request_clarification(CTX, started.question, unit, None, ict(2026, 11, 30, 10), "Đoạn nào?")
    clarified = wf.clarify(CTX, waiting.question, JOURNALIST, None, ict(2026, 11, 30, 11), "Đoạn Ngã Tư Sở.")
    updates = [step.events[0] for step in (started, waiting, clarified)]
    assert all(isinstance(event, ev.QuestionUpdated) for event in updates)
    assert [(e.action, e.status, e.journalist_id, e.unit_code) for e in updates] == [  # type: ignore[attr-defined]
        ("started", "in_progress", JOURNALIST.id, "csgt-ca-hn"),
        ("clarification_requested", "awaiting_clarification", JOURNALIST.id, "csgt-ca-hn"),
        ("clarified", "in_progress", JOURNALIST.id, "csgt-ca-hn"),
    ]
    assert updates[1].due_at is None  # type: ignore[attr-defined]  # the clocks wait for the journalist
    assert updates[2].due_at == clarified.question.leg.due_at == CAL.add(q.leg.due_at, H)  # type: ignore[attr-defined,arg-type]
    assert updates[0].updated_by == unit and updates[2].updated_by == JOURNALIST  # type: ignore[attr-defined]


# --- editors: re-route and escalate -----------------------------------------------------------------


def test_reroute_gives_the_new_unit_a_full_budget_and_keeps_the_journalists_clock() -> None:
    q = asked(ict(2026, 11, 30, 9))
    now = ict(2026, 11, 30, 14)
    t = wf.reroute(CTX, q, EDITOR, None, now, "so-xd", "Câu hỏi về hạ tầng đường, không phải xử phạt")
    r = t.question
    event = t.events[0]
    assert isinstance(event, ev.QuestionRouted) and event.rerouted_by == EDITOR and event.rule == "reroute"
    assert (r.unit_code, r.status, r.sla.due_at) == ("so-xd", "routed", q.sla.due_at)
    assert r.leg.due_at == CAL.add(now, 12 * H) and r.legs[0].outcome == "rerouted"
    for unit, error in (("so-xd", InvalidInput), ("so-khong-co", InvalidInput)):
        with pytest.raises(error):
            wf.reroute(CTX, r, EDITOR, None, now, unit, "Lý do")
    with pytest.raises(Forbidden):
        wf.reroute(CTX, q, officer("ubnd-hn"), None, now, "so-xd", "Lý do")


def test_manual_escalation_goes_to_the_parent_or_a_named_ancestor() -> None:
    q = asked(ict(2026, 11, 30, 9))
    now = ict(2026, 11, 30, 10)
    t = wf.escalate(CTX, q, EDITOR, None, now, "Cần Công an Thành phố trả lời")
    event = t.events[0]
    assert isinstance(event, ev.QuestionEscalated)
    assert (event.from_unit_code, event.to_unit_code, event.level, event.automatic) == ("csgt-ca-hn", "ca-hn", 1, False)
    assert event.due_at == CAL.add(now, 8 * H)  # the escalation budget
    to_top = wf.escalate(CTX, q, EDITOR, None, now, "Lên thẳng UBND", "ubnd-hn").question
    assert to_top.unit_code == "ubnd-hn" and to_top.escalation_level == 1
    with pytest.raises(InvalidInput, match="not above"):
        wf.escalate(CTX, q, EDITOR, None, now, "Sai", "so-yte")
    with pytest.raises(InvalidTransition, match="top of the unit tree"):
        wf.escalate(CTX, to_top, EDITOR, None, now, "Không còn cấp trên")
    waiting = wf.request_clarification(CTX, q, officer("csgt-ca-hn"), None, now, "Tuyến nào?").question
    with pytest.raises(InvalidTransition):
        wf.escalate(CTX, waiting, EDITOR, None, now, "Đang chờ")


# --- the clock --------------------------------------------------------------------------------------


def test_the_clock_warns_escalates_up_the_tree_and_marks_very_overdue_in_working_time() -> None:
    q = asked(ict(2026, 11, 27, 16), priority="urgent")  # Friday 16:00, traffic urgent: 3 working hours
    assert q.sla.due_at == ict(2026, 11, 30, 10)
    assert wf.run_clock(CTX, q, ict(2026, 11, 28, 12)) is None  # Saturday: nothing
    assert wf.next_check(q) == q.sla.warning_at == ict(2026, 11, 30, 9, 15)

    t = wf.run_clock(CTX, q, ict(2026, 11, 30, 9, 15))
    assert types(t) == ["question_overdue"] and t.events[0].stage == "warning"  # type: ignore[union-attr]
    q = t.question  # type: ignore[union-attr]
    assert wf.run_clock(CTX, q, ict(2026, 11, 30, 9, 30)) is None  # each stage fires once

    t = wf.run_clock(CTX, q, ict(2026, 11, 30, 10))
    assert types(t) == ["question_overdue", "question_escalated"]
    overdue, escalated = t.events  # type: ignore[union-attr]
    assert overdue.stage == "overdue" and overdue.unit_code == "csgt-ca-hn"  # type: ignore[attr-defined]
    assert (escalated.to_unit_code, escalated.level, escalated.automatic) == ("ca-hn", 1, True)  # type: ignore[attr-defined]
    assert escalated.due_at == ict(2026, 11, 30, 12)  # type: ignore[attr-defined]  # 2 h escalation budget
    q = t.question  # type: ignore[union-attr]
    assert q.revision == 3 and q.status == "routed"

    t = wf.run_clock(CTX, q, ict(2026, 11, 30, 12))
    assert types(t) == ["question_escalated"]
    q = t.question  # type: ignore[union-attr]
    assert q.unit_code == "ubnd-hn" and q.escalation_level == 2
    assert q.leg.due_at == ict(2026, 11, 30, 15, 30)  # 12:00 + 2 h over the lunch break

    t = wf.run_clock(CTX, q, ict(2026, 11, 30, 14, 30))  # 6 h = 200 % of 3 h
    assert types(t) == ["question_overdue"] and t.events[0].stage == "very_overdue"  # type: ignore[union-attr]
    q = t.question  # type: ignore[union-attr]

    t = wf.run_clock(CTX, q, ict(2026, 11, 30, 15, 30))  # the city office missed too: nobody above
    assert t is not None and t.events == () and t.question.history[-1].action == "unit_deadline_missed"
    q = t.question
    assert wf.next_check(q) is None and wf.run_clock(CTX, q, ict(2026, 12, 30, 9)) is None
    assert [(leg.unit_code, leg.outcome, leg.deadline_missed) for leg in q.legs] == [
        ("csgt-ca-hn", "escalated", True),
        ("ca-hn", "escalated", True),
        ("ubnd-hn", "open", True),
    ]
    assert [leg.level for leg in q.legs] == [0, 1, 2]


def test_a_late_clock_fires_every_missed_stage_in_order() -> None:
    q = asked(ict(2026, 11, 27, 16), priority="urgent")
    t = wf.run_clock(CTX, q, ict(2026, 11, 30, 16))
    assert [getattr(e, "stage", e.event_type) for e in t.events] == [  # type: ignore[union-attr]
        "warning",
        "overdue",
        "very_overdue",
        "question_escalated",
    ]
    assert t.question.leg.due_at == ict(2026, 12, 1, 9)  # type: ignore[union-attr]


def test_the_clock_stands_still_over_tet() -> None:
    q = asked(ict(2026, 2, 13, 15, 30), category="health", place=None, title="Bệnh viện trực Tết", priority="urgent")
    assert q.unit_code == "so-yte" and q.sla.due_at == ict(2026, 2, 23, 9, 30)  # Fri 1.5 h, Mon 23 Feb 1.5 h
    assert wf.run_clock(CTX, q, ict(2026, 2, 18, 10)) is None
    assert wf.next_check(q) == ict(2026, 2, 23, 8, 45)


def test_answered_questions_close_when_the_reopen_window_ends() -> None:
    q = asked(ict(2026, 11, 30, 9))
    a = wf.answer(CTX, q, officer("csgt-ca-hn"), None, ict(2026, 11, 30, 15), "Trả lời").question
    assert wf.next_check(a) == a.reopen_until
    assert wf.run_clock(CTX, a, ict(2026, 12, 7, 14)) is None
    t = wf.run_clock(CTX, a, ict(2026, 12, 7, 15))
    assert types(t) == ["question_closed"] and t.question.status == "closed"  # type: ignore[union-attr]
    assert t.events[0].closed_by == wf.CLOCK  # type: ignore[union-attr]
    assert wf.next_check(t.question) is None  # type: ignore[union-attr]


def test_a_unit_removed_from_the_directory_escalates_to_the_city_office() -> None:
    q = asked(ict(2026, 11, 27, 16), priority="urgent")
    tree = TREE.apply(removals=["csgt-ca-hn"])
    t = wf.run_clock(wf.Context(tree, CAL, POLICY, RULES), q, ict(2026, 11, 30, 10))
    assert t is not None and t.question.unit_code == "ubnd-hn"


def test_escalation_skips_inactive_units() -> None:
    q = asked(ict(2026, 11, 27, 16), priority="urgent")
    tree = TREE.apply(upserts=[TREE.require("ca-hn").model_copy(update={"active": False})])
    ctx = wf.Context(tree, CAL, POLICY, RULES)
    t = wf.run_clock(ctx, q, ict(2026, 11, 30, 10))
    assert t is not None and t.question.unit_code == "ubnd-hn" and t.question.escalation_level == 1
    with pytest.raises(InvalidInput, match="not above"):
        wf.escalate(ctx, q, EDITOR, None, ict(2026, 11, 30, 9), "Lên Công an", "ca-hn")


# --- misinformation alerts --------------------------------------------------------------------------


def alert(unit: str = "so-yte") -> MisinformationAlert:
    return MisinformationAlert(
        alert_id="al-1",
        kind="known_claim",
        score=0.93,
        claim_id="c-7",
        claim_text="Uống nước chanh chữa khỏi sốt xuất huyết",
        responsible_unit_code=unit,
        items=[ExampleItem(url="https://example.com/post/1", title="Bài đăng", source_name="Mạng xã hội X")],
    )


def test_an_alert_opens_an_urgent_internal_question_with_the_alert_deadline() -> None:
    t = wf.open_from_alert(CTX, alert(), ict(2026, 11, 30, 9), "a-1")
    q = t.question
    assert types(t) == ["question_received", "question_routed"]
    assert t.events[0].alert_id == "al-1" and t.events[0].origin == "misinformation_alert"  # type: ignore[attr-defined]
    assert (q.unit_code, q.priority, q.category, q.origin) == (
        "so-yte",
        "urgent",
        "misinformation",
        "misinformation_alert",
    )
    assert q.sla.due_at == ict(2026, 11, 30, 11) and "nước chanh" in q.title and "example.com" in q.body
    with pytest.raises(InvalidInput, match="internal"):
        wf.answer(CTX, q, officer("so-yte"), None, ict(2026, 11, 30, 10), "Phản bác", True)
    with pytest.raises(InvalidTransition):
        wf.request_clarification(CTX, q, officer("so-yte"), None, ict(2026, 11, 30, 10), "?")
    assert wf.open_from_alert(CTX, alert("so-khong-co"), ict(2026, 11, 30, 9), "a-2").question.unit_code == "ubnd-hn"


# --- who may read -----------------------------------------------------------------------------------


def test_visibility_follows_the_asker_and_the_escalation_chain() -> None:
    q = asked(ict(2026, 11, 30, 9))
    escalated = wf.escalate(CTX, q, EDITOR, None, ict(2026, 11, 30, 10), "Lên trên").question

    def viewer(role: str, id_: str = "v", unit: str | None = None) -> Viewer:
        return Viewer(id=id_, role=role, unit_code=unit)  # type: ignore[arg-type]

    assert can_read(escalated, viewer("journalist", "j-1"), TREE)
    assert not can_read(escalated, viewer("journalist", "j-2"), TREE)
    assert can_read(escalated, viewer("editor"), TREE)
    assert can_read(escalated, viewer("unit_officer", unit="csgt-ca-hn"), TREE)  # it passed through
    assert can_read(escalated, viewer("unit_officer", unit="ca-hn"), TREE)
    assert can_read(escalated, viewer("unit_officer", unit="ubnd-hn"), TREE)  # supervises everything
    assert not can_read(escalated, viewer("unit_officer", unit="so-yte"), TREE)
    assert not can_read(escalated, viewer("public"), TREE)
