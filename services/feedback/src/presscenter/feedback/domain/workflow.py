"""The question workflow: one pure function per action, returning the new question and its events.

    action                  from -> to                                         who
    ask                     (new) -> received -> routed                         journalist
    open_from_alert         (new) -> received -> routed (urgent, internal)      service (alert intake)
    start                   routed -> in_progress                               unit officer, editor
    request_clarification   routed | in_progress -> awaiting_clarification      unit officer, editor
                            (both clocks pause)
    clarify                 awaiting_clarification -> in_progress (clocks run)  the journalist, editor
    answer                  routed | in_progress | awaiting_clarification       unit officer, editor
                            -> answered
    close                   open | answered -> closed                           the journalist, editor;
                                                                                service (answered only)
    reopen                  answered | closed -> routed, within the window      the journalist, editor
                            (a new round: new clocks, back to the unit that answered)
    reroute                 routed | in_progress | awaiting_clarification       editor
                            -> routed, to another unit (full unit budget; the journalist's clock runs on)
    escalate                routed | in_progress -> routed, to an ancestor      editor
    run_clock               the clock: stage events, automatic escalation when  service
                            the unit's deadline passed, closing answered
                            questions when the reopen window ended

"unit officer" means an officer of the unit holding the question or of a unit above it (see
`permissions`). Every success adds 1 to `revision`, sets `updated_at` and appends history
entries. Refusals raise before anything is built: `Forbidden`, `Conflict` (stale
`expected_revision`, when given), `InvalidTransition`, `InvalidInput` (`field` names the value).

Decisions beyond the issue text:
- a question opened from an alert is internal: nobody may mark its answer public;
- an answer while awaiting clarification ends the pause (the unit chose not to wait);
- a re-route ends an open pause: the new unit starts with the question as it stands;
- escalation waits while the clocks are paused: a paused unit cannot miss its deadline;
- a unit at the top of the tree that misses its deadline keeps the question (history notes it);
- a unit removed from the directory escalates to the city office.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from presscenter.feedback.domain import sla as slas
from presscenter.feedback.domain.calendar import Pause as Span
from presscenter.feedback.domain.calendar import WorkingCalendar
from presscenter.feedback.domain.permissions import OPEN, ActionName, check_actor, check_status
from presscenter.feedback.domain.routing import Decision, RoutingRules
from presscenter.shared.directory import UnitTree
from presscenter.shared.events import feedback as ev
from presscenter.shared.events.common import Actor
from presscenter.shared.events.envelope import EventPayload
from presscenter.shared.events.feedback import QuestionStatus
from presscenter.shared.events.monitoring import MisinformationAlert
from presscenter.shared.rpc.errors import Conflict, InvalidInput, InvalidTransition
from presscenter.shared.rpc.feedback import (
    MAX_BODY,
    MAX_REASON,
    Action,
    Answer,
    Ask,
    Clarification,
    HistoryEntry,
    Leg,
    Pause,
    Question,
    Sla,
)

CLOCK = Actor(kind="service", id="feedback-clock")
ALERT_INTAKE = Actor(kind="service", id="feedback-alert-intake")
ALERT_JOURNALIST = "system:monitoring"
ALERT_CATEGORY = "misinformation"
MAX_ID = 64


@dataclass(frozen=True)
class Context:
    """What the workflow consults besides the question: units, working time, deadlines, routing."""

    tree: UnitTree
    calendar: WorkingCalendar
    policy: slas.SlaPolicy
    rules: RoutingRules


@dataclass(frozen=True)
class Transition:
    """The question after an action and the event payloads to emit (through the outbox), in order."""

    question: Question
    events: tuple[EventPayload, ...] = ()


# --- creating -----------------------------------------------------------------------------------


def ask(ctx: Context, request: Ask, now: datetime, question_id: str) -> Transition:
    """A journalist's question, received and routed in one step."""
    _check_now(now)
    actor = request.actor
    check_actor(actor, "ask", None, ctx.tree)
    _check_id(question_id)
    title = _required_text(request.title, "title", 500)
    body = _required_text(request.body, "body", MAX_BODY)
    category = ctx.rules.category(request.category)
    place = ctx.rules.resolve_place(request.place, ctx.tree)
    for i, asset in enumerate(request.attachments):
        if not asset.strip() or len(asset) > MAX_ID:
            raise InvalidInput(f"a media asset id has 1 to {MAX_ID} characters", f"attachments.{i}")
    place_unit = place.unit_code if place else None
    decision = ctx.rules.route(ctx.tree, category.code, place_unit, title, body)
    if place is not None:
        decision = Decision(decision.unit_code, decision.rule, f"{decision.reason}; {place.how}")
    return _receive(
        ctx,
        now,
        question_id,
        actor,
        decision,
        ctx.policy.budget(category.code, request.priority),
        origin=request.origin,
        journalist_id=actor.id,
        outlet=request.outlet,
        title=title,
        body=body,
        category=category.code,
        place=request.place.strip() if request.place else None,
        place_unit_code=place_unit,
        priority=request.priority,
        language=request.language,
        attachments=tuple(a.strip() for a in request.attachments),
    )


def open_from_alert(ctx: Context, alert: MisinformationAlert, now: datetime, question_id: str) -> Transition:
    """An urgent internal question to the unit a misinformation alert names, with the alert's deadline."""
    _check_now(now)
    check_actor(ALERT_INTAKE, "open_from_alert", None, ctx.tree)
    _check_id(question_id)
    unit = alert.responsible_unit_code
    if unit in ctx.tree and ctx.tree.require(unit).active:
        decision = Decision(unit, "alert", f"misinformation alert {alert.alert_id} names {unit} as responsible")
    else:
        root = ctx.tree.root.code
        decision = Decision(root, "alert", f"misinformation alert {alert.alert_id} names {unit}, not an active unit")
    claim = " ".join(alert.claim_text.split()) or "(no claim text)"
    sources = "\n".join(f"- {item.source_name}: {item.url}" for item in alert.items[:20])
    finding = "spread a known false claim" if alert.kind == "known_claim" else "contradict an official release"
    body = f"Monitoring found items that {finding} (score {alert.score:.2f}).\n\nClaim: {claim}\n\nSeen at:\n{sources}"
    if alert.release_id:
        body += f"\n\nContradicted release: {alert.release_id}"
    return _receive(
        ctx,
        now,
        question_id,
        ALERT_INTAKE,
        decision,
        ctx.policy.alert_budget(),
        origin="misinformation_alert",
        alert_id=alert.alert_id,
        journalist_id=ALERT_JOURNALIST,
        title=_clip(f"Thông tin sai sự thật cần phản bác: {claim}", 500),
        body=_clip(body, MAX_BODY),
        category=ALERT_CATEGORY if ALERT_CATEGORY in ctx.rules.categories else "general",
        priority="urgent",
        language="vi",
    )


def _receive(
    ctx: Context,
    now: datetime,
    question_id: str,
    actor: Actor,
    decision: Decision,
    budget: timedelta,
    **fields: Any,
) -> Transition:
    now = now.astimezone(UTC)
    seconds = budget.total_seconds()
    leg = Leg(
        unit_code=decision.unit_code,
        level=0,
        via="routed",
        rule=decision.rule,
        reason=decision.reason,
        started_at=now,
        budget_seconds=seconds,
    )
    history = (
        HistoryEntry(
            at=now,
            actor=actor,
            action="received",
            from_status=None,
            to_status="received",
            revision=1,
            unit_code=decision.unit_code,
            note=f"category {fields['category']}, {fields['priority']}",
        ),
        HistoryEntry(
            at=now,
            actor=actor,
            action="routed",
            from_status="received",
            to_status="routed",
            revision=1,
            unit_code=decision.unit_code,
            note=f"{decision.rule}: {decision.reason}",
        ),
    )
    question = Question(
        id=question_id,
        revision=1,
        status="routed",
        unit_code=decision.unit_code,
        created_at=now,
        updated_at=now,
        sla=Sla(started_at=now, budget_seconds=seconds),
        legs=(leg,),
        history=history,
        **fields,
    )
    question = refresh(ctx, question)
    received = ev.QuestionReceived(
        question_id=question.id,
        status="received",
        journalist_id=question.journalist_id,
        outlet=question.outlet,
        title=question.title,
        category=question.category,
        place=question.place,
        priority=question.priority,
        language=question.language,
        origin=question.origin,
        alert_id=question.alert_id,
    )
    return Transition(question, (received, _routed_event(question, None)))


# --- the unit's work ------------------------------------------------------------------------------


def start(ctx: Context, q: Question, actor: Actor, expected: int | None, now: datetime) -> Transition:
    _guard(ctx, q, actor, "start", expected, now)
    return _updated(_advance(ctx, q, actor, now, "started", "in_progress"), "started", actor)


def request_clarification(
    ctx: Context, q: Question, actor: Actor, expected: int | None, now: datetime, request: str
) -> Transition:
    """The unit needs more from the journalist: both clocks pause until the journalist clarifies."""
    _guard(ctx, q, actor, "request_clarification", expected, now)
    text = _required_text(request, "request", MAX_BODY)
    if q.origin == "misinformation_alert":
        raise InvalidTransition("a question opened from an alert has no journalist to clarify it", "status")
    clarification = Clarification(requested_at=now, requested_by=actor, request=text)
    waiting = _advance(
        ctx,
        q,
        actor,
        now,
        "clarification_requested",
        "awaiting_clarification",
        _clip(text, 200),
        pauses=(*q.pauses, Pause(started_at=now)),
        clarifications=(*q.clarifications, clarification),
    )
    return _updated(waiting, "clarification_requested", actor)


def clarify(ctx: Context, q: Question, actor: Actor, expected: int | None, now: datetime, text: str) -> Transition:
    """The journalist's clarification: the clocks run again, the deadlines move by the pause."""
    _guard(ctx, q, actor, "clarify", expected, now)
    text = _required_text(text, "text", MAX_BODY)
    pending = q.clarifications[-1]
    answered = pending.model_copy(update={"answered_at": now, "answered_by": actor, "answer": text})
    clarified = _advance(
        ctx,
        q,
        actor,
        now,
        "clarified",
        "in_progress",
        _clip(text, 200),
        pauses=_end_pause(q.pauses, now),
        clarifications=(*q.clarifications[:-1], answered),
    )
    return _updated(clarified, "clarified", actor)


def _updated(q: Question, action: ev.UpdateAction, actor: Actor) -> Transition:
    """`q` after a step that neither routes, answers nor closes it, with the event that tells of it."""
    event = ev.QuestionUpdated(
        question_id=q.id,
        status=q.status,
        journalist_id=q.journalist_id,
        action=action,
        unit_code=q.unit_code,
        updated_by=actor,
        due_at=None if q.status == "awaiting_clarification" else q.leg.due_at,
    )
    return Transition(q, (event,))


def answer(
    ctx: Context, q: Question, actor: Actor, expected: int | None, now: datetime, text: str, public: bool = False
) -> Transition:
    """The responsible unit's answer, returned to the journalist; `public` puts it in the public Q&A."""
    _guard(ctx, q, actor, "answer", expected, now)
    text = _required_text(text, "text", MAX_BODY)
    if public and q.origin == "misinformation_alert":
        raise InvalidInput("a question opened from a misinformation alert is internal: it cannot be public", "public")
    pauses = _end_pause(q.pauses, now)
    spans = _spans(pauses)
    due = slas.deadline(ctx.calendar, q.sla.started_at, timedelta(seconds=q.sla.budget_seconds), spans)
    within = due is not None and now <= due
    leg = q.leg
    leg_done = leg.model_copy(
        update={
            "outcome": "answered",
            "ended_at": now,
            "deadline_missed": leg.deadline_missed or (leg.due_at is not None and leg.due_at < now),
            "response_seconds": ctx.calendar.elapsed(leg.started_at, now, spans).total_seconds(),
        }
    )
    result = Answer(
        round=q.sla.round, text=text, unit_code=q.unit_code, answered_by=actor, answered_at=now, within_deadline=within
    )
    reopen_until = ctx.calendar.add(now, ctx.policy.reopen_window())
    note = ("on time" if within else "after the deadline") + (", public" if public else "")
    new = _advance(
        ctx,
        q,
        actor,
        now,
        "answered",
        "answered",
        note,
        pauses=pauses,
        legs=(*q.legs[:-1], leg_done),
        answers=(*q.answers, result),
        public=public,
        reopen_until=reopen_until,
    )
    event = ev.QuestionAnswered(
        question_id=q.id,
        status="answered",
        unit_code=q.unit_code,
        journalist_id=q.journalist_id,
        answered_by=actor,
        answered_at=now,
        within_deadline=within,
        public=public,
    )
    return Transition(new, (event,))


def close(ctx: Context, q: Question, actor: Actor, expected: int | None, now: datetime, reason: str = "") -> Transition:
    """Close: the journalist accepts the answer or withdraws the question; an editor closes with a reason."""
    _guard(ctx, q, actor, "close", expected, now)
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"reason has {len(reason)} characters, at most {MAX_REASON} allowed", "reason")
    if q.status in OPEN and actor.role in ("editor", "admin") and not reason:
        raise InvalidInput("closing an unanswered question needs a reason", "reason")
    changes: dict[str, Any] = {"closed_at": now, "close_reason": reason or None}
    if q.status in OPEN:
        changes["pauses"] = _end_pause(q.pauses, now)
        changes["legs"] = (*q.legs[:-1], q.leg.model_copy(update={"outcome": "closed", "ended_at": now}))
    new = _advance(ctx, q, actor, now, "closed", "closed", reason, **changes)
    closed = ev.QuestionClosed(
        question_id=q.id, status="closed", journalist_id=q.journalist_id, closed_by=actor, reason=reason
    )
    return Transition(new, (closed,))


def reopen(ctx: Context, q: Question, actor: Actor, expected: int | None, now: datetime, reason: str) -> Transition:
    """A follow-up within the window: a new round at the unit that answered, with fresh clocks."""
    _guard(ctx, q, actor, "reopen", expected, now)
    reason = _required_text(reason, "reason", MAX_REASON)
    last = q.answer
    if last is None:
        raise InvalidTransition(f"question {q.id} was closed without an answer: ask a new question", "status")
    if q.reopen_until is not None and now > q.reopen_until:
        raise InvalidTransition(
            f"question {q.id} could be reopened until {_iso(q.reopen_until)}: ask a new question", "reopen_until"
        )
    budget = _budget(ctx, q)
    unit = last.unit_code if last.unit_code in ctx.tree else ctx.tree.root.code
    leg = Leg(
        unit_code=unit,
        level=q.leg.level,
        via="reopened",
        rule="reopen",
        reason=reason,
        by=actor,
        started_at=now,
        budget_seconds=budget.total_seconds(),
    )
    sla = Sla(round=q.sla.round + 1, started_at=now, budget_seconds=budget.total_seconds())
    new = _advance(
        ctx,
        q,
        actor,
        now,
        "reopened",
        "routed",
        reason,
        unit_code=unit,
        legs=(*q.legs, leg),
        sla=sla,
        closed_at=None,
        close_reason=None,
        reopen_until=None,
        public=False,
    )
    return Transition(new, (_routed_event(new, None),))


# --- editors --------------------------------------------------------------------------------------


def reroute(
    ctx: Context, q: Question, actor: Actor, expected: int | None, now: datetime, unit_code: str, reason: str
) -> Transition:
    """An editor sends the question to another unit; that unit gets the full budget from now."""
    _guard(ctx, q, actor, "reroute", expected, now)
    reason = _required_text(reason, "reason", MAX_REASON)
    unit = ctx.tree.require(unit_code, "unit_code")
    if not unit.active:
        raise InvalidInput(f"unit {unit_code} is inactive", "unit_code")
    if unit_code == q.unit_code:
        raise InvalidInput(f"question {q.id} is already with {unit_code}", "unit_code")
    budget = _budget(ctx, q)
    leg = Leg(
        unit_code=unit_code,
        level=q.leg.level,
        via="rerouted",
        rule="reroute",
        reason=reason,
        by=actor,
        started_at=now,
        budget_seconds=budget.total_seconds(),
    )
    previous = q.leg.model_copy(update={"outcome": "rerouted", "ended_at": now})
    new = _advance(
        ctx,
        q,
        actor,
        now,
        "rerouted",
        "routed",
        f"{q.unit_code} → {unit_code}: {reason}",
        unit_code=unit_code,
        pauses=_end_pause(q.pauses, now),
        legs=(*q.legs[:-1], previous, leg),
    )
    return Transition(new, (_routed_event(new, actor),))


def escalate(
    ctx: Context,
    q: Question,
    actor: Actor,
    expected: int | None,
    now: datetime,
    reason: str,
    to_unit_code: str | None = None,
) -> Transition:
    """An editor escalates the question to the parent unit (or a named ancestor)."""
    _guard(ctx, q, actor, "escalate", expected, now)
    reason = _required_text(reason, "reason", MAX_REASON)
    above = ctx.tree.ancestors(q.unit_code) if q.unit_code in ctx.tree else [ctx.tree.root]
    ancestors = [unit.code for unit in above if unit.active]
    if not ancestors:
        raise InvalidTransition(f"{q.unit_code} is the top of the unit tree: no one to escalate to", "unit_code")
    target = to_unit_code or ancestors[0]
    if target not in ancestors:
        raise InvalidInput(f"{target} is not above {q.unit_code}; units above: {', '.join(ancestors)}", "to_unit_code")
    return _escalate(ctx, q, actor, now, target, reason, automatic=False)


def _escalate(
    ctx: Context, q: Question, actor: Actor, now: datetime, target: str, reason: str, *, automatic: bool
) -> Transition:
    budget = ctx.policy.escalation_budget(q.priority)
    level = q.leg.level + 1
    leg = Leg(
        unit_code=target,
        level=level,
        via="escalated",
        rule="escalation",
        reason=reason,
        by=None if automatic else actor,
        started_at=now,
        budget_seconds=budget.total_seconds(),
    )
    previous = q.leg.model_copy(update={"outcome": "escalated", "ended_at": now})
    status: QuestionStatus = "routed" if q.status == "in_progress" else q.status
    new = _advance(
        ctx,
        q,
        actor,
        now,
        "escalated",
        status,
        f"{q.unit_code} → {target} (level {level}): {reason}",
        unit_code=target,
        legs=(*q.legs[:-1], previous, leg),
    )
    assert new.leg.due_at is not None, "escalation happens only while the clocks run"
    event = ev.QuestionEscalated(
        question_id=q.id,
        status=new.status,
        journalist_id=q.journalist_id,
        from_unit_code=q.unit_code,
        to_unit_code=target,
        level=level,
        due_at=new.leg.due_at,
        automatic=automatic,
        reason=reason,
    )
    return Transition(new, (event,))


# --- the clock ------------------------------------------------------------------------------------


def run_clock(ctx: Context, q: Question, now: datetime) -> Transition | None:
    """What the clock does to `q` at `now`, or None when nothing is due.

    Fires each stage of the journalist's clock once, in order; escalates to the parent unit when
    the current unit missed its deadline; closes an answered question once its reopen window ended.
    """
    _check_now(now)
    if q.status == "answered":
        if q.reopen_until is None or now < q.reopen_until:
            return None
        return close(ctx, q, CLOCK, None, now, "the reopen window ended")
    if q.status not in OPEN or q.paused:
        return None
    check_actor(CLOCK, "run_clock", q, ctx.tree)
    current = refresh(ctx, q)
    events: list[EventPayload] = []
    entries: list[tuple[Action, str]] = []
    reached = slas.stage_at(_sla_marks(current), now)
    stages = slas.later_stages(current.sla.stage, reached)
    due = current.sla.due_at
    for stage in stages:
        assert due is not None
        events.append(
            ev.QuestionOverdue(
                question_id=q.id,
                status=q.status,
                journalist_id=q.journalist_id,
                unit_code=q.unit_code,
                due_at=due,
                stage=stage,
            )
        )
        entries.append((stage, f"the question is due {_iso(due)}"))
    if stages:
        current = current.model_copy(update={"sla": current.sla.model_copy(update={"stage": reached})})
    leg = current.leg
    if leg.due_at is not None and leg.due_at <= now and not leg.deadline_missed:
        missed = leg.model_copy(update={"deadline_missed": True})
        current = current.model_copy(update={"legs": (*current.legs[:-1], missed)})
        target = _escalation_target(ctx.tree, leg.unit_code)
        if target is None:
            entries.append(("unit_deadline_missed", f"{leg.unit_code} missed {_iso(leg.due_at)}; no unit above it"))
        else:
            stepped = _with_history(ctx, q, current, now, entries)
            reason = f"{leg.unit_code} missed its deadline {_iso(leg.due_at)}"
            escalated = _escalate(ctx, stepped, CLOCK, now, target, reason, automatic=True)
            return Transition(escalated.question, (*events, *escalated.events))
    if not entries:
        return None
    return Transition(_with_history(ctx, q, current, now, entries, bump=True), tuple(events))


def _escalation_target(tree: UnitTree, unit_code: str) -> str | None:
    """The nearest active unit above `unit_code` (the city office for a unit no longer in the tree)."""
    if unit_code not in tree:
        return tree.root.code
    return next((unit.code for unit in tree.ancestors(unit_code) if unit.active), None)


def _with_history(
    ctx: Context,
    original: Question,
    current: Question,
    now: datetime,
    entries: list[tuple[Action, str]],
    bump: bool = False,
) -> Question:
    """`current` with the clock's history entries (one revision for the whole tick when `bump`)."""
    revision = original.revision + 1
    added = tuple(
        HistoryEntry(
            at=now,
            actor=CLOCK,
            action=action,
            from_status=original.status,
            to_status=original.status,
            revision=revision,
            unit_code=original.unit_code,
            note=note,
        )
        for action, note in entries
    )
    fields: dict[str, Any] = {"history": (*current.history, *added)}
    if bump:
        fields |= {"revision": revision, "updated_at": now}
    return refresh(ctx, current.model_copy(update=fields))


def next_check(q: Question) -> datetime | None:
    """When the clock must next look at `q`: its next stage, its unit's deadline or its reopen window's end."""
    if q.status == "answered":
        return q.reopen_until
    if q.status not in OPEN or q.paused:
        return None
    candidates: list[datetime] = []
    following = slas.later_stages(q.sla.stage, "very_overdue")[:1]
    if following:
        at = _sla_marks(q).at(following[0])
        if at is not None:
            candidates.append(at)
    if q.leg.due_at is not None and not q.leg.deadline_missed:
        candidates.append(q.leg.due_at)
    return min(candidates) if candidates else None


# --- deadlines ------------------------------------------------------------------------------------


def refresh(ctx: Context, q: Question) -> Question:
    """`q` with the journalist's clock and the current unit's deadline computed from its pauses."""
    spans = _spans(q.pauses)
    marks = slas.marks(ctx.calendar, ctx.policy, q.sla.started_at, timedelta(seconds=q.sla.budget_seconds), spans)
    sla = q.sla.model_copy(
        update={
            "warning_at": marks.warning_at,
            "due_at": marks.due_at,
            "very_overdue_at": marks.very_overdue_at,
            "paused": q.paused,
        }
    )
    legs = q.legs
    if q.leg.outcome == "open":
        due = slas.deadline(ctx.calendar, q.leg.started_at, timedelta(seconds=q.leg.budget_seconds), spans)
        legs = (*legs[:-1], q.leg.model_copy(update={"due_at": due}))
    return q.model_copy(update={"sla": sla, "legs": legs})


def _sla_marks(q: Question) -> slas.Marks:
    return slas.Marks(q.sla.warning_at, q.sla.due_at, q.sla.very_overdue_at)


def _budget(ctx: Context, q: Question) -> timedelta:
    if q.origin == "misinformation_alert":
        return ctx.policy.alert_budget()
    return ctx.policy.budget(q.category, q.priority)


def _spans(pauses: Iterable[Pause]) -> list[Span]:
    return [(p.started_at, p.ended_at) for p in pauses]


def _end_pause(pauses: tuple[Pause, ...], now: datetime) -> tuple[Pause, ...]:
    if pauses and pauses[-1].ended_at is None:
        return (*pauses[:-1], pauses[-1].model_copy(update={"ended_at": now}))
    return pauses


# --- the mechanics --------------------------------------------------------------------------------


def _guard(ctx: Context, q: Question, actor: Actor, action: ActionName, expected: int | None, now: datetime) -> None:
    """Role and scope, then revision, then status: the first thing wrong is the one reported."""
    _check_now(now)
    check_actor(actor, action, q, ctx.tree)
    if expected is not None and expected != q.revision:
        raise Conflict(
            f"question {q.id} is at revision {q.revision}, you sent {expected}: reload and retry",
            "expected_revision",
            current_revision=q.revision,
        )
    check_status(actor, action, q, ctx.tree)


def _advance(
    ctx: Context,
    q: Question,
    actor: Actor,
    now: datetime,
    action: Action,
    to_status: QuestionStatus,
    note: str = "",
    **changes: Any,
) -> Question:
    """`q` with `changes`, the next revision, one more history entry and its deadlines recomputed."""
    unknown = set(changes) - set(Question.model_fields)
    if unknown:  # the model ignores unknown fields: a misspelt change would vanish silently
        raise TypeError(f"Question has no field {', '.join(sorted(unknown))}")
    revision = q.revision + 1
    entry = HistoryEntry(
        at=now,
        actor=actor,
        action=action,
        from_status=q.status,
        to_status=to_status,
        revision=revision,
        unit_code=changes.get("unit_code", q.unit_code),
        note=note,
    )
    fields = dict(q) | changes
    fields |= {"status": to_status, "revision": revision, "updated_at": now, "history": (*q.history, entry)}
    return refresh(ctx, Question(**fields))


def _routed_event(q: Question, rerouted_by: Actor | None) -> ev.QuestionRouted:
    assert q.leg.due_at is not None, "a routed question's clock runs"
    return ev.QuestionRouted(
        question_id=q.id,
        status="routed",
        journalist_id=q.journalist_id,
        unit_code=q.unit_code,
        rule=q.leg.rule,
        reason=_clip(q.leg.reason, MAX_REASON),
        rerouted_by=rerouted_by,
        due_at=q.leg.due_at,
    )


def _check_now(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")


def _check_id(question_id: str) -> None:
    if not isinstance(question_id, str) or not 0 < len(question_id) <= MAX_ID:
        raise InvalidInput(f"a question id has 1 to {MAX_ID} characters", "question_id")


def _required_text(value: str, field: str, limit: int) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise InvalidInput(f"{field} is blank", field)
    if len(text) > limit:
        raise InvalidInput(f"{field} has {len(text)} characters, at most {limit} allowed", field)
    return text


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _iso(value: datetime | None) -> str:
    return value.astimezone(UTC).isoformat() if value is not None else "never"
