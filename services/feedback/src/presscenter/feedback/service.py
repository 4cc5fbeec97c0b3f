"""The feedback nameko service: entrypoints and dependencies only; the work is in `app`.

Run with `nameko run --config config.yaml presscenter.feedback.service`. nameko runs every class
of this module that has entrypoints, so mixins are reached through their module and models
live in modules of their own.
"""

from __future__ import annotations

import os
import socket
import uuid
from typing import Any

from nameko.rpc import rpc
from nameko.timer import timer

from presscenter.feedback.app import FeedbackApp
from presscenter.feedback.repository import QuestionRepository
from presscenter.feedback.rulebook import Rulebook, RulebookProvider
from presscenter.feedback.settings import FeedbackSettings
from presscenter.shared.directory.store import UnitDirectory
from presscenter.shared.events.envelope import EventEnvelope, utcnow
from presscenter.shared.plumbing import health
from presscenter.shared.plumbing.consuming import handle_event
from presscenter.shared.plumbing.leases import LeaseStore
from presscenter.shared.plumbing.mongo import Mongo
from presscenter.shared.plumbing.outbox import OutboxRelay
from presscenter.shared.plumbing.rpc_contract import contract
from presscenter.shared.plumbing.tracing import Tracing
from presscenter.shared.rpc import feedback as f

# nameko fixes timer intervals when the class is defined: read from the environment then.
_STARTUP = FeedbackSettings()
CLOCK_LEASE = "feedback-clock"
_OWNER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class FeedbackService(health.HealthEndpoints):
    """Questions' RPC, the misinformation-alert and directory intake, and the SLA clock."""

    name = "feedback"
    db = Mongo(FeedbackSettings)
    tracer = Tracing(FeedbackSettings)
    outbox = OutboxRelay(FeedbackSettings, collections=["questions"])
    rulebook: Rulebook = RulebookProvider()  # type: ignore[assignment]

    @property
    def app(self) -> FeedbackApp:
        return FeedbackApp(QuestionRepository(), UnitDirectory(self.db), self.rulebook, utcnow)

    # --- asking and answering ------------------------------------------------------------------

    @rpc
    @contract(f.Ask)
    def ask(self, request: f.Ask) -> f.Question:
        return self.app.ask(request)

    @rpc
    @contract(f.QuestionAction)
    def start(self, request: f.QuestionAction) -> f.Question:
        return self.app.start(request)

    @rpc
    @contract(f.RequestClarification)
    def request_clarification(self, request: f.RequestClarification) -> f.Question:
        return self.app.request_clarification(request)

    @rpc
    @contract(f.Clarify)
    def clarify(self, request: f.Clarify) -> f.Question:
        return self.app.clarify(request)

    @rpc
    @contract(f.AnswerQuestion)
    def answer(self, request: f.AnswerQuestion) -> f.Question:
        return self.app.answer(request)

    @rpc
    @contract(f.CloseQuestion)
    def close(self, request: f.CloseQuestion) -> f.Question:
        return self.app.close(request)

    @rpc
    @contract(f.ReopenQuestion)
    def reopen(self, request: f.ReopenQuestion) -> f.Question:
        return self.app.reopen(request)

    @rpc
    @contract(f.Reroute)
    def reroute(self, request: f.Reroute) -> f.Question:
        return self.app.reroute(request)

    @rpc
    @contract(f.Escalate)
    def escalate(self, request: f.Escalate) -> f.Question:
        return self.app.escalate(request)

    # --- reading ---------------------------------------------------------------------------------

    @rpc
    @contract(f.GetQuestion)
    def get(self, request: f.GetQuestion) -> f.Question:
        return self.app.get(request)

    @rpc
    @contract(f.QueueQuery)
    def queue(self, request: f.QueueQuery) -> f.QuestionPage:
        return self.app.queue(request)

    @rpc
    @contract(f.PublicAnswersQuery)
    def public_answers(self, request: f.PublicAnswersQuery) -> f.PublicAnswerPage:
        return self.app.public_answers(request)

    @rpc
    @contract(f.ScorecardQuery)
    def scorecards(self, request: f.ScorecardQuery) -> f.Scorecards:
        return self.app.scorecards(request)

    @rpc
    @contract(f.CategoriesQuery)
    def categories(self, request: f.CategoriesQuery) -> f.CategoryList:
        return self.app.categories(request)

    # --- Open311 GeoReport v2 (served over HTTP by the gateway) -------------------------------------

    @rpc
    @contract(f.GeoReportServicesQuery)
    def georeport_services(self, request: f.GeoReportServicesQuery) -> f.GeoReportServiceList:
        return self.app.georeport_services(request)

    @rpc
    @contract(f.GeoReportRequestsQuery)
    def georeport_requests(self, request: f.GeoReportRequestsQuery) -> f.GeoReportRequestList:
        return self.app.georeport_requests(request)

    @rpc
    @contract(f.GeoReportCreate)
    def georeport_create(self, request: f.GeoReportCreate) -> f.GeoReportCreated:
        return self.app.georeport_create(request)

    # --- the unit directory ----------------------------------------------------------------------------

    @rpc
    @contract(f.UnitsQuery)
    def units(self, request: f.UnitsQuery) -> f.UnitPage:
        return self.app.units(request)

    @rpc
    @contract(f.GetUnit)
    def unit(self, request: f.GetUnit) -> f.UnitDetail:
        return self.app.unit(request)

    # --- coming in -----------------------------------------------------------------------------------

    @handle_event("monitoring", "misinformation_alert")
    def on_misinformation_alert(self, event: EventEnvelope[Any]) -> None:
        self.app.intake_alert(event)

    @handle_event("departments", "directory_updated")
    def on_directory_updated(self, event: EventEnvelope[Any]) -> None:
        UnitDirectory(self.db).apply(event.payload)

    # --- the clock -----------------------------------------------------------------------------------

    @timer(interval=_STARTUP.clock_interval)
    def tick(self) -> None:
        """Warnings, overdue stages, automatic escalation, closing; one replica at a time holds the lease."""
        if LeaseStore(self.db).acquire(CLOCK_LEASE, _OWNER, ttl_s=max(5.0, 10 * _STARTUP.clock_interval)):
            self.app.run_clock()
