"""SLA policy: budgets per category and priority, escalation budgets, stages and their order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from presscenter.feedback.domain.calendar import WorkingCalendar, load_calendar
from presscenter.feedback.domain.routing import load_rules
from presscenter.feedback.domain.sla import PolicyError, SlaPolicy, later_stages, load_policy, marks, stage_at

H = timedelta(hours=1)
POLICY = load_policy(load_rules().category_hours())


def test_budgets_come_from_the_category_or_the_policy() -> None:
    assert POLICY.budget("health", "urgent") == 3 * H  # the category's own
    assert POLICY.budget("traffic", "normal") == 12 * H
    assert POLICY.budget("education", "normal") == 16 * H  # the policy's default
    assert POLICY.budget("education", "urgent") == 4 * H
    assert POLICY.escalation_budget("normal") == 8 * H
    assert POLICY.alert_budget() == 2 * H
    assert POLICY.reopen_window() == 37.5 * H  # five working days


def test_a_scaled_policy_shortens_every_budget() -> None:
    fast = POLICY.scaled(timedelta(seconds=0.1))
    assert fast.budget("education", "normal") == timedelta(seconds=1.6)
    assert fast.escalation_budget("urgent") == timedelta(seconds=0.2)


def test_stage_marks_follow_working_time() -> None:
    cal = load_calendar()
    start = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)  # Friday 16:00 in Hanoi
    m = marks(cal, POLICY, start, 4 * H, [])
    assert m.warning_at == datetime(2026, 11, 30, 3, 0, tzinfo=UTC)  # Monday 10:00: 3 h of 4
    assert m.due_at == datetime(2026, 11, 30, 4, 0, tzinfo=UTC)  # Monday 11:00
    assert m.very_overdue_at == datetime(2026, 11, 30, 9, 30, tzinfo=UTC)  # Monday 16:30: 8 h
    assert stage_at(m, start) == "on_time"
    assert stage_at(m, m.warning_at) == "warning"
    assert stage_at(m, m.due_at) == "overdue"
    assert stage_at(m, m.very_overdue_at + H) == "very_overdue"


def test_a_paused_clock_has_no_marks_after_the_pause() -> None:
    cal = WorkingCalendar.always()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    m = marks(cal, POLICY, start, 4 * H, [(start + 3.5 * H, None)])
    assert m.warning_at == start + 3 * H and m.due_at is None and m.very_overdue_at is None
    assert stage_at(m, start + 100 * H) == "warning"


def test_stages_fire_in_order_once() -> None:
    assert later_stages("on_time", "overdue") == ["warning", "overdue"]
    assert later_stages("warning", "very_overdue") == ["overdue", "very_overdue"]
    assert later_stages("overdue", "overdue") == []


def test_bad_policies_are_refused() -> None:
    with pytest.raises(PolicyError):
        SlaPolicy(
            hours={"normal": 1, "urgent": 1},
            escalation_hours={"normal": 1, "urgent": 1},
            alert_hours=1,
            warning_ratio=1.2,
        )
    with pytest.raises(PolicyError, match="urgent"):
        SlaPolicy.from_data(
            {"hours": {"normal": 1}, "escalation_hours": {"normal": 1, "urgent": 1}, "alert_hours": 1}, {}
        )
    with pytest.raises(PolicyError):
        SlaPolicy.from_data({"hours": {"normal": 1, "urgent": 1}}, {})
