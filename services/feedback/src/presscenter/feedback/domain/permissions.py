"""Who may do what to a question, and in which status: one table for the workflow and the tests.

Principals: `journalist`, `unit_officer`, `editor`, `admin` (an editor's rights), `service` (the
feedback clock and the alert intake). Scopes:

- `own_question`: a journalist acts only on the questions they asked;
- `acting_unit`: a unit officer acts for the unit holding the question or a unit above it (a
  supervising unit may act for its children; the city office for every unit). An officer of a
  unit the question was escalated away from can still read it but no longer act on it;
- `any`: editors, admins and the service.

Checks run in this order, so every refusal names the first thing wrong: the principal has a
grant and the grant's scope covers the question (`Forbidden`), then the expected revision
(`Conflict`), then the status (`InvalidTransition`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, get_args

from presscenter.shared.directory import DirectoryError, UnitTree
from presscenter.shared.events.common import Actor
from presscenter.shared.events.feedback import QuestionStatus
from presscenter.shared.rpc.errors import Forbidden, InvalidTransition
from presscenter.shared.rpc.feedback import Question

Principal = Literal["journalist", "unit_officer", "editor", "admin", "service"]
USER_ROLES: frozenset[str] = frozenset({"journalist", "unit_officer", "editor", "admin"})
ActionName = Literal[
    "ask",
    "open_from_alert",
    "start",
    "request_clarification",
    "clarify",
    "answer",
    "close",
    "reopen",
    "reroute",
    "escalate",
    "run_clock",
]
ACTIONS: tuple[ActionName, ...] = get_args(ActionName)
Scope = Literal["any", "own_question", "acting_unit"]

OPEN: frozenset[QuestionStatus] = frozenset({"received", "routed", "in_progress", "awaiting_clarification"})


@dataclass(frozen=True)
class Grant:
    principal: Principal
    scope: Scope = "any"
    only_in: frozenset[QuestionStatus] | None = None  # narrower than the rule's statuses


@dataclass(frozen=True)
class Rule:
    from_statuses: frozenset[QuestionStatus] | None  # None: the action creates the question
    grants: tuple[Grant, ...]

    def grant_for(self, principal: Principal | None) -> Grant | None:
        return next((grant for grant in self.grants if grant.principal == principal), None)


def _in(*statuses: QuestionStatus) -> frozenset[QuestionStatus]:
    return frozenset(statuses)


EDITORS = (Grant("editor"), Grant("admin"))
UNIT_OR_EDITORS = (Grant("unit_officer", "acting_unit"), *EDITORS)
ASKER_OR_EDITORS = (Grant("journalist", "own_question"), *EDITORS)

PERMISSIONS: Mapping[ActionName, Rule] = MappingProxyType(
    {
        "ask": Rule(None, (Grant("journalist"),)),
        "open_from_alert": Rule(None, (Grant("service"),)),
        "start": Rule(_in("routed"), UNIT_OR_EDITORS),
        "request_clarification": Rule(_in("routed", "in_progress"), UNIT_OR_EDITORS),
        "clarify": Rule(_in("awaiting_clarification"), ASKER_OR_EDITORS),
        "answer": Rule(_in("routed", "in_progress", "awaiting_clarification"), UNIT_OR_EDITORS),
        "close": Rule(OPEN | {"answered"}, (*ASKER_OR_EDITORS, Grant("service", only_in=_in("answered")))),
        "reopen": Rule(_in("answered", "closed"), ASKER_OR_EDITORS),
        "reroute": Rule(_in("routed", "in_progress", "awaiting_clarification"), EDITORS),
        # not while awaiting clarification: the new unit's deadline would be unknown until the clock runs
        "escalate": Rule(_in("routed", "in_progress"), EDITORS),
        "run_clock": Rule(OPEN | {"answered"}, (Grant("service"),)),
    }
)


def principal_of(actor: Actor) -> Principal | None:
    if actor.kind == "service":
        return "service"
    if actor.kind == "user" and actor.role in USER_ROLES:
        return actor.role  # type: ignore[return-value]
    return None


def acts_for(tree: UnitTree, officer_unit: str | None, question_unit: str) -> bool:
    """Whether an officer of `officer_unit` acts for a question held by `question_unit`."""
    if not officer_unit:
        return False
    if officer_unit == question_unit:
        return True
    try:
        return question_unit in tree and tree.is_within(question_unit, officer_unit)
    except DirectoryError:  # the officer's unit is no longer in the directory
        return False


def _in_scope(actor: Actor, grant: Grant, question: Question | None, tree: UnitTree) -> bool:
    if grant.scope == "any" or question is None:
        return True
    if grant.scope == "own_question":
        return question.journalist_id == actor.id
    return acts_for(tree, actor.unit_code, question.unit_code)


def check_actor(actor: Actor, action: ActionName, question: Question | None, tree: UnitTree) -> Grant:
    """The actor's grant for `action` on `question` (None when creating); `Forbidden` without one."""
    rule = PERMISSIONS[action]
    principal = principal_of(actor)
    grant = rule.grant_for(principal)
    label = principal or actor.role or f"{actor.kind} without a role"
    if grant is None:
        allowed = ", ".join(g.principal for g in rule.grants)
        raise Forbidden(f"role {label} may not {action} questions (allowed: {allowed})", role=label)
    if not _in_scope(actor, grant, question, tree):
        assert question is not None
        if grant.scope == "own_question":
            raise Forbidden(f"a journalist may {action} only their own questions", role=label)
        raise Forbidden(
            f"unit {actor.unit_code or '(none)'} may not {action} question {question.id}: it is held by "
            f"{question.unit_code}, which is neither that unit nor below it",
            role=label,
        )
    return grant


def check_status(actor: Actor, action: ActionName, question: Question, tree: UnitTree) -> None:
    """`InvalidTransition` when `action` is not allowed in the question's status (or the actor's grant)."""
    rule = PERMISSIONS[action]
    grant = rule.grant_for(principal_of(actor))
    statuses = rule.from_statuses or frozenset()
    if grant is not None and grant.only_in is not None:
        statuses = statuses & grant.only_in
    if question.status not in statuses:
        allowed = allowed_actions(actor, question, tree)
        raise InvalidTransition(
            f"cannot {action} question {question.id} in status {question.status}; "
            f"allowed for you now: {', '.join(allowed) or 'none'}",
            "status",
            status=question.status,
            allowed=list(allowed),
        )


def allowed_actions(actor: Actor, question: Question, tree: UnitTree) -> tuple[ActionName, ...]:
    """Every action `actor` may do on `question` in its current status, in table order."""
    out: list[ActionName] = []
    for action in ACTIONS:
        rule = PERMISSIONS[action]
        grant = rule.grant_for(principal_of(actor))
        if grant is None or rule.from_statuses is None or action == "run_clock":
            continue
        statuses = rule.from_statuses if grant.only_in is None else rule.from_statuses & grant.only_in
        if question.status in statuses and _in_scope(actor, grant, question, tree):
            out.append(action)
    return tuple(out)
