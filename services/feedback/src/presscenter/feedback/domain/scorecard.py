"""Unit scorecards: how each unit answers the press, counted per turn (leg) with the question.

A unit is judged on its own deadline: the first unit on the question's budget, a unit the question
was escalated or re-routed to on the budget it was given then. Response time is working time
from the turn's start to the answer, clarification pauses excluded.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from statistics import median

from presscenter.shared.directory import UnitTree
from presscenter.shared.rpc.feedback import Leg, Question, Scorecard

HOUR_SECONDS = 3600.0


@dataclass
class _Tally:
    received: int = 0
    answered: int = 0
    on_time: int = 0
    escalated_away: int = 0
    overdue_open: int = 0
    open: int = 0
    response_seconds: list[float] = field(default_factory=list)

    def count(self, leg: Leg, now: datetime) -> None:
        self.received += 1
        if leg.outcome == "answered":
            self.answered += 1
            if not leg.deadline_missed and leg.due_at is not None and leg.ended_at is not None:
                self.on_time += int(leg.ended_at <= leg.due_at)
            if leg.response_seconds is not None:
                self.response_seconds.append(leg.response_seconds)
        elif leg.outcome == "escalated":
            self.escalated_away += 1
        elif leg.outcome == "open":
            self.open += 1
            if leg.deadline_missed or (leg.due_at is not None and leg.due_at < now):
                self.overdue_open += 1


def scorecards(
    questions: Iterable[Question],
    tree: UnitTree,
    now: datetime,
    unit_codes: Sequence[str] = (),
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Scorecard]:
    """One scorecard per unit in `unit_codes` (every unit of the tree when empty), in tree order."""
    wanted = list(unit_codes) if unit_codes else [unit.code for unit in tree]
    tallies = {code: _Tally() for code in wanted}
    for question in questions:
        for leg in question.legs:
            tally = tallies.get(leg.unit_code)
            if tally is None or (since and leg.started_at < since) or (until and leg.started_at >= until):
                continue
            tally.count(leg, now)
    cards = []
    for code in wanted:
        tally = tallies[code]
        unit = tree.get(code)
        middle = median(tally.response_seconds) / HOUR_SECONDS if tally.response_seconds else None
        cards.append(
            Scorecard(
                unit_code=code,
                name=unit.name.vi if unit else code,
                received=tally.received,
                answered=tally.answered,
                answered_on_time=tally.on_time,
                on_time_share=round(tally.on_time / tally.answered, 4) if tally.answered else None,
                median_response_hours=round(middle, 4) if middle is not None else None,
                escalated_away=tally.escalated_away,
                overdue_open=tally.overdue_open,
                open=tally.open,
            )
        )
    return cards
