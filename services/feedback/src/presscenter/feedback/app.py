"""The feedback application: workflow + storage + directory + rulebook, without nameko.

Each action loads the question, runs the domain step and stores the result together with its
events in one atomic write guarded by the revision it read. Without an `expected_revision` from
the caller, a concurrent change is retried on the fresh question (twice); with one, it is the
caller's `Conflict`. Time comes from `clock`.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from presscenter.feedback import open311
from presscenter.feedback.domain import directory_view
from presscenter.feedback.domain import workflow as wf
from presscenter.feedback.domain.scorecard import scorecards
from presscenter.feedback.domain.visibility import FULL_ACCESS_ROLES, can_read, supervised_units
from presscenter.feedback.repository import QuestionRepository, micros, summary
from presscenter.feedback.rulebook import Rulebook
from presscenter.shared.directory import seed_revision
from presscenter.shared.directory.store import DOC_ID, UnitDirectory
from presscenter.shared.events.envelope import EventEnvelope, make_event
from presscenter.shared.events.monitoring import MisinformationAlert
from presscenter.shared.rpc import feedback as rpc
from presscenter.shared.rpc.errors import Conflict, Forbidden, NotFound

_log = logging.getLogger(__name__)
SOURCE = "feedback"
RETRIES = 3
# a question the clock could not handle is looked at again after this long, not on every tick
RETRY_LATER = timedelta(minutes=1)
Step = Callable[..., wf.Transition]


def new_question_id() -> str:
    return f"q-{uuid.uuid4().hex[:16]}"


def alert_question_id(alert_id: str) -> str:
    """The same alert always maps to the same question: a redelivered or repeated alert is a no-op."""
    return f"a-{hashlib.sha256(alert_id.encode()).hexdigest()[:16]}"


class FeedbackApp:
    def __init__(
        self,
        repo: QuestionRepository,
        directory: UnitDirectory,
        rulebook: Rulebook,
        clock: Callable[[], datetime],
    ):
        self.repo = repo
        self.directory = directory
        self.rulebook = rulebook
        self.clock = clock

    def context(self) -> wf.Context:
        return self.rulebook.context(self.directory.tree())

    # --- storing transitions ----------------------------------------------------------------

    @staticmethod
    def _envelopes(transition: wf.Transition, caused_by: EventEnvelope[Any] | None = None) -> list[EventEnvelope[Any]]:
        return [make_event(p, source=SOURCE, caused_by=caused_by) for p in transition.events]

    def _step(self, r: rpc.QuestionAction, step: Step, *args: Any) -> rpc.Question:
        """Run `step` on the stored question and store the result, guarded by the revision it read."""
        ctx = self.context()
        for attempt in range(RETRIES):
            question = self.repo.get(r.question_id)
            transition = step(ctx, question, r.actor, r.expected_revision, self.clock(), *args)
            try:
                self.repo.update(transition.question, question.revision, self._envelopes(transition))
            except Conflict:
                if r.expected_revision is not None or attempt == RETRIES - 1:
                    raise
                continue
            return transition.question
        raise AssertionError("unreachable")

    # --- the RPC surface: acting --------------------------------------------------------------

    def ask(self, request: rpc.Ask) -> rpc.Question:
        transition = wf.ask(self.context(), request, self.clock(), new_question_id())
        self.repo.insert(transition.question, self._envelopes(transition))
        return transition.question

    def start(self, r: rpc.QuestionAction) -> rpc.Question:
        return self._step(r, wf.start)

    def request_clarification(self, r: rpc.RequestClarification) -> rpc.Question:
        return self._step(r, wf.request_clarification, r.request)

    def clarify(self, r: rpc.Clarify) -> rpc.Question:
        return self._step(r, wf.clarify, r.text)

    def answer(self, r: rpc.AnswerQuestion) -> rpc.Question:
        return self._step(r, wf.answer, r.text, r.public)

    def close(self, r: rpc.CloseQuestion) -> rpc.Question:
        return self._step(r, wf.close, r.reason)

    def reopen(self, r: rpc.ReopenQuestion) -> rpc.Question:
        return self._step(r, wf.reopen, r.reason)

    def reroute(self, r: rpc.Reroute) -> rpc.Question:
        return self._step(r, wf.reroute, r.unit_code, r.reason)

    def escalate(self, r: rpc.Escalate) -> rpc.Question:
        return self._step(r, wf.escalate, r.reason, r.to_unit_code)

    # --- the RPC surface: reading -------------------------------------------------------------

    def get(self, r: rpc.GetQuestion) -> rpc.Question:
        """The question if the viewer may read it; the same NotFound otherwise, so ids do not leak."""
        question = self.repo.get(r.question_id)
        if not can_read(question, r.viewer, self.directory.tree()):
            raise NotFound(f"no question {r.question_id}", "question_id")
        return question

    def queue(self, r: rpc.QueueQuery) -> rpc.QuestionPage:
        clauses = self._visible(r.viewer, r.unit_code, r.include_subunits)
        if r.status:
            clauses.append({"status": {"$in": list(r.status)}})
        if r.stage:
            clauses.append({"stage": {"$in": list(r.stage)}})
        items, next_cursor = self.repo.page(clauses, r.cursor, r.limit)
        return rpc.QuestionPage(items=[summary(q) for q in items], next_cursor=next_cursor)

    def _visible(self, viewer: rpc.Viewer, unit_code: str | None, include_subunits: bool) -> list[dict[str, Any]]:
        """Query clauses for what `viewer` may list (see `domain.visibility`), narrowed to a unit."""
        tree = self.directory.tree()
        clauses: list[dict[str, Any]] = []
        if viewer.role == "journalist":
            clauses.append({"journalist_id": viewer.id})
        elif viewer.role == "unit_officer":
            allowed = supervised_units(viewer, tree)
            unit_code = unit_code or viewer.unit_code
            if not allowed or unit_code not in allowed:
                raise Forbidden(
                    f"a unit officer of {viewer.unit_code or '(no unit)'} sees the queues of that unit and the "
                    f"units below it, not {unit_code}",
                    role="unit_officer",
                )
        elif viewer.role not in FULL_ACCESS_ROLES:
            raise Forbidden("the public reads answered questions through public_answers", role=viewer.role)
        if unit_code:
            tree.require(unit_code, "unit_code")
            units = [unit_code]
            if include_subunits and unit_code in tree:
                units += [unit.code for unit in tree.descendants(unit_code)]
            clauses.append({"unit_code": {"$in": units}})
        return clauses

    def public_answers(self, r: rpc.PublicAnswersQuery) -> rpc.PublicAnswerPage:
        items, next_cursor = self.repo.public_page(r.q, r.category, r.unit_code, r.cursor, r.limit)
        return rpc.PublicAnswerPage(items=items, next_cursor=next_cursor)

    def scorecards(self, r: rpc.ScorecardQuery) -> rpc.Scorecards:
        tree = self.directory.tree()
        for i, code in enumerate(r.unit_codes):
            tree.require(code, f"unit_codes.{i}")
        now = self.clock()
        cards = scorecards(self.repo.with_legs_at(r.unit_codes), tree, now, r.unit_codes, r.since, r.until)
        return rpc.Scorecards(items=cards, computed_at=now)

    def categories(self, r: rpc.CategoriesQuery) -> rpc.CategoryList:
        policy = self.rulebook.policy
        items = []
        for category in self.rulebook.rules.categories.values():
            normal, urgent = (policy.budget(category.code, p) / policy.hour for p in ("normal", "urgent"))
            name = category.name_vi if r.language == "vi" else category.name_en
            items.append(
                rpc.CategoryView(
                    code=category.code,
                    name=name,
                    group=category.group,
                    topics=category.topics,
                    normal_hours=normal,
                    urgent_hours=urgent,
                )
            )
        return rpc.CategoryList(items=items)

    # --- the unit directory ----------------------------------------------------------------------

    def directory_revision(self) -> str:
        head = self.directory.collection.find_one({"_id": DOC_ID}, {"revision": 1})
        return str(head["revision"]) if head and head.get("revision") else seed_revision()

    def units(self, r: rpc.UnitsQuery) -> rpc.UnitPage:
        return directory_view.find_units(self.directory.tree(), r, self.directory_revision())

    def unit(self, r: rpc.GetUnit) -> rpc.UnitDetail:
        return directory_view.unit_detail(self.directory.tree(), r, self.directory_revision())

    # --- Open311 GeoReport v2 -----------------------------------------------------------------

    def georeport_services(self, r: rpc.GeoReportServicesQuery) -> rpc.GeoReportServiceList:
        return rpc.GeoReportServiceList(services=open311.service_list(self.rulebook.rules, r.locale))

    def georeport_requests(self, r: rpc.GeoReportRequestsQuery) -> rpc.GeoReportRequestList:
        """The records the viewer may read; the public reads those answered for the public Q&A."""
        clauses = [{"public": True}] if r.viewer.role == "public" else self._visible(r.viewer, None, False)
        if r.service_request_ids:
            clauses.append({"_id": {"$in": list(r.service_request_ids)}})
        if r.service_code:
            clauses.append({"category": r.service_code})
        if r.status:
            clauses.append({"status": {"$in": open311.statuses_for(r.status)}})
        if r.start_date:
            clauses.append({"sort_key": {"$gte": micros(r.start_date)}})
        if r.end_date:
            clauses.append({"sort_key": {"$lt": micros(r.end_date)}})
        tree = self.directory.tree()
        records = [
            open311.request_record(q, tree, self.rulebook.tz, self.rulebook.rules, r.locale)
            for q in self.repo.find(clauses, r.limit)
        ]
        return rpc.GeoReportRequestList(requests=records)

    def georeport_create(self, r: rpc.GeoReportCreate) -> rpc.GeoReportCreated:
        question = self.ask(open311.ask_from_georeport(r, self.rulebook.rules))
        return open311.created(question, self.directory.tree(), self.rulebook.tz, r.locale)

    # --- monitoring's alerts ------------------------------------------------------------------

    def intake_alert(self, event: EventEnvelope[MisinformationAlert]) -> rpc.Question | None:
        """An urgent question for the alert's responsible unit, once per alert id whatever the redeliveries."""
        question_id = alert_question_id(event.payload.alert_id)
        if self.repo.exists(question_id):
            return None
        transition = wf.open_from_alert(self.context(), event.payload, self.clock(), question_id)
        if not self.repo.insert(transition.question, self._envelopes(transition, caused_by=event)):
            return None
        return transition.question

    # --- the clock ------------------------------------------------------------------------------

    def run_clock(self, limit: int = 100) -> list[str]:
        """Stage events, automatic escalations and closes for every question due now; the ids changed.

        A question changed meanwhile (a conflict) is left for the next pass; one that fails is
        logged and looked at again a minute later, without holding up the others.
        """
        now = self.clock()
        ctx = self.context()
        changed = []
        for question_id in self.repo.due(now, limit):
            question = self.repo.get(question_id)
            try:
                transition = wf.run_clock(ctx, question, now)
            except Exception:
                _log.exception("the clock failed on question %s", question_id)
                self.repo.reschedule(question_id, question.revision, micros(now + RETRY_LATER))
                continue
            if transition is None:
                upcoming = wf.next_check(question)
                if upcoming is not None and upcoming <= now:
                    _log.warning("question %s: the clock found nothing due at %s", question_id, upcoming)
                    upcoming = now + RETRY_LATER
                self.repo.reschedule(question_id, question.revision, micros(upcoming))
                continue
            try:
                self.repo.update(transition.question, question.revision, self._envelopes(transition))
            except Conflict:
                continue
            changed.append(question_id)
        return changed
