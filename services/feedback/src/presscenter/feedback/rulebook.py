"""The rulebook: working calendar, SLA policy and routing rules, loaded once from settings and data.

`RulebookProvider` loads it when the container starts (a bad file stops the start with the
reason) and injects it into workers; `Rulebook.context(tree)` pairs it with the current unit tree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from nameko.extensions import DependencyProvider

from presscenter.feedback.domain.calendar import WorkingCalendar, load_calendar
from presscenter.feedback.domain.routing import RoutingRules, load_rules
from presscenter.feedback.domain.sla import SlaPolicy, load_policy
from presscenter.feedback.domain.workflow import Context
from presscenter.feedback.settings import FeedbackSettings
from presscenter.shared.directory import UnitTree


@dataclass(frozen=True)
class Rulebook:
    calendar: WorkingCalendar
    policy: SlaPolicy
    rules: RoutingRules
    tz: tzinfo

    def context(self, tree: UnitTree) -> Context:
        return Context(tree=tree, calendar=self.calendar, policy=self.policy, rules=self.rules)


def load_rulebook(settings: FeedbackSettings) -> Rulebook:
    rules = load_rules(settings.categories_file, settings.routing_rules_file)
    policy = load_policy(rules.category_hours(), settings.sla_policy_file)
    return Rulebook(
        calendar=load_calendar(settings.working_calendar, settings.working_hours),
        policy=policy.scaled(timedelta(seconds=settings.sla_hour_seconds)),
        rules=rules,
        tz=ZoneInfo(settings.city_timezone),
    )


class RulebookProvider(DependencyProvider):
    """Injects the `Rulebook` loaded from the container's settings at setup."""

    def setup(self) -> None:
        self.rulebook = load_rulebook(FeedbackSettings.load())

    def get_dependency(self, worker_ctx: Any) -> Rulebook:
        return self.rulebook
