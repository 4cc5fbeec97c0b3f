"""Answer deadlines in working time: budgets per category and priority, and the clock's stages.

Two clocks run on one calendar and share the question's pauses:

- the question's clock (the journalist's promise), from the moment it was asked (or reopened):
  `warning` at `warning_ratio` of the budget, `overdue` at 100 %, `very_overdue` at
  `very_overdue_ratio`. A re-route does not reset it: the platform's mistake is not the
  journalist's problem.
- each unit's clock (a leg of the escalation chain), from the moment the unit got the question:
  the first unit has the question's budget, a unit it was escalated to the escalation budget, a
  unit it was re-routed to the full budget again. A missed unit deadline escalates the question.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any, Literal, get_args

from presscenter.feedback.domain.calendar import Pause, WorkingCalendar
from presscenter.shared.events.common import Priority

Stage = Literal["on_time", "warning", "overdue", "very_overdue"]
STAGES: tuple[Stage, ...] = get_args(Stage)
PRIORITIES: tuple[Priority, ...] = get_args(Priority)
POLICY_FILE = "sla_policy.json"


class PolicyError(ValueError):
    """The SLA policy data is not valid."""


def _hours(data: Mapping[str, Any], what: str) -> dict[Priority, float]:
    out: dict[Priority, float] = {}
    for priority in PRIORITIES:
        value = data.get(priority)
        if not isinstance(value, int | float) or value <= 0:
            raise PolicyError(f"{what}: '{priority}' needs a positive number of hours, got {value!r}")
        out[priority] = float(value)
    return out


@dataclass(frozen=True)
class SlaPolicy:
    """Budgets in working hours; `hour` is how long one of those hours lasts (tests shorten it)."""

    hours: Mapping[Priority, float]
    escalation_hours: Mapping[Priority, float]
    alert_hours: float
    category_hours: Mapping[str, Mapping[Priority, float]] = field(default_factory=dict)
    warning_ratio: float = 0.75
    very_overdue_ratio: float = 2.0
    reopen_window_hours: float = 37.5
    hour: timedelta = timedelta(hours=1)

    def __post_init__(self) -> None:
        if not 0 < self.warning_ratio < 1 < self.very_overdue_ratio:
            raise PolicyError("ratios must satisfy 0 < warning_ratio < 1 < very_overdue_ratio")
        if self.alert_hours <= 0 or self.reopen_window_hours <= 0 or self.hour <= timedelta(0):
            raise PolicyError("alert_hours, reopen_window_hours and the hour length must be positive")

    @classmethod
    def from_data(cls, data: Mapping[str, Any], category_hours: Mapping[str, Mapping[Priority, float]]) -> SlaPolicy:
        try:
            return cls(
                hours=_hours(data["hours"], "hours"),
                escalation_hours=_hours(data["escalation_hours"], "escalation_hours"),
                alert_hours=float(data["alert_hours"]),
                category_hours=dict(category_hours),
                warning_ratio=float(data.get("warning_ratio", 0.75)),
                very_overdue_ratio=float(data.get("very_overdue_ratio", 2.0)),
                reopen_window_hours=float(data.get("reopen_window_hours", 37.5)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, PolicyError):
                raise
            raise PolicyError(f"invalid SLA policy: {type(exc).__name__}: {exc}") from None

    def scaled(self, hour: timedelta) -> SlaPolicy:
        """The same policy with hours of `hour` length (e.g. seconds, for a fast test clock)."""
        return replace(self, hour=hour)

    def _length(self, hours: float) -> timedelta:
        return self.hour * hours

    def budget(self, category: str, priority: Priority) -> timedelta:
        """The question's budget: the category's hours when it has its own, else the policy's."""
        per_category = self.category_hours.get(category)
        return self._length(per_category[priority] if per_category else self.hours[priority])

    def escalation_budget(self, priority: Priority) -> timedelta:
        return self._length(self.escalation_hours[priority])

    def alert_budget(self) -> timedelta:
        return self._length(self.alert_hours)

    def reopen_window(self) -> timedelta:
        return self._length(self.reopen_window_hours)


def load_policy(category_hours: Mapping[str, Mapping[Priority, float]], path: str | None = None) -> SlaPolicy:
    """The shipped policy (or the JSON file at `path`), with the categories' own budgets."""
    if path:
        text = Path(path).read_text(encoding="utf-8")
    else:
        text = resources.files(__package__).joinpath("data", POLICY_FILE).read_text(encoding="utf-8")
    return SlaPolicy.from_data(json.loads(text), category_hours)


@dataclass(frozen=True)
class Marks:
    """When a clock reaches each stage; None while an open pause holds it before that point."""

    warning_at: datetime | None
    due_at: datetime | None
    very_overdue_at: datetime | None

    def at(self, stage: Stage) -> datetime | None:
        return {"warning": self.warning_at, "overdue": self.due_at, "very_overdue": self.very_overdue_at}.get(stage)


def deadline(calendar: WorkingCalendar, start: datetime, budget: timedelta, pauses: Iterable[Pause]) -> datetime | None:
    """`budget` of working time after `start`, not counting pauses; None while paused before it."""
    return calendar.add(start, budget, pauses)


def marks(
    calendar: WorkingCalendar, policy: SlaPolicy, start: datetime, budget: timedelta, pauses: Iterable[Pause]
) -> Marks:
    """The three stage instants of a clock started at `start` with `budget`."""
    spans = list(pauses)
    return Marks(
        warning_at=deadline(calendar, start, budget * policy.warning_ratio, spans),
        due_at=deadline(calendar, start, budget, spans),
        very_overdue_at=deadline(calendar, start, budget * policy.very_overdue_ratio, spans),
    )


def stage_at(clock_marks: Marks, now: datetime) -> Stage:
    """The stage a clock with `clock_marks` has reached at `now`."""
    reached: Stage = "on_time"
    for stage in STAGES[1:]:
        at = clock_marks.at(stage)
        if at is None or at > now:
            break
        reached = stage
    return reached


def later_stages(current: Stage, reached: Stage) -> list[Stage]:
    """The stages after `current` up to and including `reached`, in order (each fires once)."""
    return list(STAGES[STAGES.index(current) + 1 : STAGES.index(reached) + 1])
