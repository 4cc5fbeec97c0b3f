"""Feedback RPC contracts: the question as clients see it, and every method's request.

The question aggregate (`Question`) is itself the RPC view, as in releases. Its `legs` are the
escalation chain: one leg per unit that held the question, each with the routing rule and the
reason that sent it there, its own working-time deadline and how it ended. `sla` is the
journalist's clock of the current round (a reopen starts a new round). Times are UTC; durations
are working seconds of the unit's calendar.

`expected_revision` is optional on every action: when given, a stale one is a `Conflict`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, ConfigDict, Field

from presscenter.shared.events.common import Actor, Contact, Language, LocalizedText, Priority
from presscenter.shared.events.envelope import ContractModel
from presscenter.shared.events.feedback import QuestionStatus

MAX_TITLE = 500
MAX_BODY = 20_000
MAX_REASON = 2_000
MAX_ATTACHMENTS = 20

Stage = Literal["on_time", "warning", "overdue", "very_overdue"]
Origin = Literal["journalist", "misinformation_alert", "open311", "portal"]
LegVia = Literal["routed", "rerouted", "escalated", "reopened"]
LegOutcome = Literal["open", "answered", "escalated", "rerouted", "closed"]
Action = Literal[
    "received",
    "routed",
    "started",
    "clarification_requested",
    "clarified",
    "answered",
    "closed",
    "reopened",
    "rerouted",
    "escalated",
    "warning",
    "overdue",
    "very_overdue",
    "unit_deadline_missed",
]


class Pause(ContractModel):
    """A span the clocks stood still: the unit waited for the journalist's clarification."""

    started_at: datetime
    ended_at: datetime | None = None


class Leg(ContractModel):
    """One unit's turn with the question, with the decision that sent it there."""

    unit_code: str
    level: int = Field(ge=0, description="Escalation level: 0 until the first escalation.")
    via: LegVia
    rule: str = Field(description="routing rule, 'reroute', 'escalation' or 'reopen'")
    reason: str
    by: Actor | None = None
    started_at: datetime
    budget_seconds: float = Field(gt=0, description="The unit's budget in working seconds.")
    due_at: datetime | None = Field(default=None, description="None while the clock is paused.")
    ended_at: datetime | None = None
    outcome: LegOutcome = "open"
    deadline_missed: bool = False
    response_seconds: float | None = Field(default=None, description="Working seconds to the unit's answer.")


class Sla(ContractModel):
    """The journalist's clock of the current round, in working time."""

    round: int = Field(default=1, ge=1)
    started_at: datetime
    budget_seconds: float = Field(gt=0)
    warning_at: datetime | None = None
    due_at: datetime | None = None
    very_overdue_at: datetime | None = None
    stage: Stage = "on_time"
    paused: bool = False


class Clarification(ContractModel):
    requested_at: datetime
    requested_by: Actor
    request: str
    answered_at: datetime | None = None
    answered_by: Actor | None = None
    answer: str | None = None


class Answer(ContractModel):
    round: int
    text: str
    unit_code: str
    answered_by: Actor
    answered_at: datetime
    within_deadline: bool = Field(description="Answered by the question's (journalist's) deadline.")


class HistoryEntry(ContractModel):
    at: datetime
    actor: Actor
    action: Action
    from_status: QuestionStatus | None
    to_status: QuestionStatus
    revision: int
    unit_code: str
    note: str = ""


class Question(ContractModel):
    id: str
    revision: int = Field(ge=1)
    status: QuestionStatus
    origin: Origin = "journalist"
    alert_id: str | None = None
    journalist_id: str
    outlet: str | None = None
    title: str
    body: str
    category: str
    place: str | None = None
    place_unit_code: str | None = None
    priority: Priority = "normal"
    language: Language = "vi"
    attachments: tuple[str, ...] = ()
    unit_code: str = Field(description="The unit responsible now.")
    created_at: datetime
    updated_at: datetime
    sla: Sla
    legs: tuple[Leg, ...]
    pauses: tuple[Pause, ...] = ()
    clarifications: tuple[Clarification, ...] = ()
    answers: tuple[Answer, ...] = ()
    public: bool = False
    reopen_until: datetime | None = Field(default=None, description="An answered question may be reopened until then.")
    closed_at: datetime | None = None
    close_reason: str | None = None
    history: tuple[HistoryEntry, ...] = ()

    @property
    def leg(self) -> Leg:
        """The current unit's leg."""
        return self.legs[-1]

    @property
    def escalation_level(self) -> int:
        return self.leg.level

    @property
    def paused(self) -> bool:
        return bool(self.pauses) and self.pauses[-1].ended_at is None

    @property
    def answer(self) -> Answer | None:
        """The answer of the current round, if any."""
        return self.answers[-1] if self.answers and self.answers[-1].round == self.sla.round else None


# --- who is asking --------------------------------------------------------------------------


class Viewer(ContractModel):
    """Who reads: the gateway passes the caller's verified identity with every read."""

    id: str = Field(min_length=1, max_length=128)
    role: Literal["journalist", "unit_officer", "editor", "admin", "system", "service", "public"]
    unit_code: str | None = Field(default=None, max_length=64)


# --- requests ---------------------------------------------------------------------------------


class Ask(ContractModel):
    """A journalist's question. `place` is a unit code or an address (ward or commune named)."""

    actor: Actor
    outlet: str | None = Field(default=None, max_length=200)
    title: str = Field(min_length=1, max_length=MAX_TITLE)
    body: str = Field(min_length=1, max_length=MAX_BODY)
    category: str = Field(min_length=1, max_length=64)
    place: str | None = Field(default=None, max_length=500)
    priority: Priority = "normal"
    language: Language = "vi"
    attachments: tuple[str, ...] = Field(default=(), max_length=MAX_ATTACHMENTS, description="Media asset ids.")
    origin: Literal["journalist", "open311", "portal"] = "journalist"


class QuestionAction(ContractModel):
    actor: Actor
    question_id: str = Field(min_length=1, max_length=64)
    expected_revision: int | None = Field(default=None, ge=1, description="When given, a stale one is a Conflict.")


class RequestClarification(QuestionAction):
    request: str = Field(min_length=1, max_length=MAX_BODY, description="What the unit needs to know.")


class Clarify(QuestionAction):
    text: str = Field(min_length=1, max_length=MAX_BODY)


class AnswerQuestion(QuestionAction):
    text: str = Field(min_length=1, max_length=MAX_BODY)
    public: bool = Field(default=False, description="Show the question and answer in the public Q&A.")


class CloseQuestion(QuestionAction):
    reason: str = Field(default="", max_length=MAX_REASON)


class ReopenQuestion(QuestionAction):
    reason: str = Field(min_length=1, max_length=MAX_REASON)


class Reroute(QuestionAction):
    unit_code: str = Field(min_length=1, max_length=64)
    reason: str = Field(min_length=1, max_length=MAX_REASON)


class Escalate(QuestionAction):
    reason: str = Field(min_length=1, max_length=MAX_REASON)
    to_unit_code: str | None = Field(default=None, max_length=64, description="An ancestor; the parent if omitted.")


class GetQuestion(ContractModel):
    viewer: Viewer
    question_id: str = Field(min_length=1, max_length=64)


class QueueQuery(ContractModel):
    """A unit's queue (the viewer's unit by default), most urgent first; journalists get their own."""

    viewer: Viewer
    unit_code: str | None = Field(default=None, max_length=64)
    include_subunits: bool = Field(default=False, description="Also the questions of the units below.")
    status: list[QuestionStatus] = Field(default_factory=list)
    stage: list[Stage] = Field(default_factory=list)
    cursor: str | None = Field(default=None, max_length=200)
    limit: int = Field(default=20, ge=1, le=100)


class QuestionSummary(ContractModel):
    id: str
    revision: int
    title: str
    category: str
    priority: Priority
    status: QuestionStatus
    origin: Origin
    unit_code: str
    journalist_id: str
    escalation_level: int
    created_at: datetime
    updated_at: datetime
    due_at: datetime | None = Field(default=None, description="The question's (journalist's) deadline.")
    unit_due_at: datetime | None = Field(default=None, description="The current unit's deadline.")
    stage: Stage
    paused: bool


class QuestionPage(ContractModel):
    items: list[QuestionSummary]
    next_cursor: str | None = None


class PublicAnswersQuery(ContractModel):
    q: str | None = Field(default=None, max_length=200, description="Keywords; diacritics-insensitive.")
    category: str | None = Field(default=None, max_length=64)
    unit_code: str | None = Field(default=None, max_length=64)
    cursor: str | None = Field(default=None, max_length=200)
    limit: int = Field(default=20, ge=1, le=100)


class PublicAnswer(ContractModel):
    """An answered question marked public: no journalist identity."""

    id: str
    title: str
    body: str
    category: str
    unit_code: str
    asked_at: datetime
    answered_at: datetime
    answer: str
    escalation_level: int
    within_deadline: bool


class PublicAnswerPage(ContractModel):
    items: list[PublicAnswer]
    next_cursor: str | None = None


class ScorecardQuery(ContractModel):
    unit_codes: list[str] = Field(default_factory=list, max_length=500, description="Every unit when empty.")
    since: AwareDatetime | None = Field(default=None, description="Count turns that started at or after this.")
    until: AwareDatetime | None = Field(default=None, description="... and before this.")


class Scorecard(ContractModel):
    """How a unit answers the press. Counted per turn (leg): a unit a question was escalated to is
    judged on its own deadline."""

    unit_code: str
    name: str
    received: int = Field(description="Turns the unit had.")
    answered: int
    answered_on_time: int
    on_time_share: float | None = Field(description="answered_on_time / answered; None before any answer.")
    median_response_hours: float | None = Field(description="Working hours to answer, median.")
    escalated_away: int = Field(description="Turns escalated up after the unit missed its deadline.")
    overdue_open: int = Field(description="Open turns past the unit's deadline now.")
    open: int


class Scorecards(ContractModel):
    items: list[Scorecard]
    computed_at: datetime


class CategoriesQuery(ContractModel):
    language: Language = "vi"


class CategoryView(ContractModel):
    code: str
    name: str
    group: str
    topics: tuple[str, ...]
    normal_hours: float
    urgent_hours: float


class CategoryList(ContractModel):
    items: list[CategoryView]


# --- Open311 GeoReport v2 -------------------------------------------------------------------------


class GeoReportService(ContractModel):
    """One entry of GeoReport v2 `services.json`."""

    service_code: str
    service_name: str
    description: str
    metadata: bool = False
    type: Literal["realtime", "batch", "blackbox"] = "realtime"
    keywords: str = ""
    group: str = ""


class GeoReportRequest(ContractModel):
    """One entry of GeoReport v2 `requests.json` (times in the city's offset, as the spec shows)."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    service_request_id: str
    status: Literal["open", "closed"]
    status_notes: str | None = None
    service_name: str
    service_code: str
    description: str
    agency_responsible: str
    service_notice: str | None = None
    requested_datetime: str
    updated_datetime: str
    expected_datetime: str | None = None
    address: str | None = None
    address_id: str | None = None
    zipcode: str | None = None
    lat: float | None = None
    long: float | None = None
    media_url: str | None = None


class GeoReportServicesQuery(ContractModel):
    locale: Language = "vi"


class GeoReportServiceList(ContractModel):
    services: list[GeoReportService]


class GeoReportRequestsQuery(ContractModel):
    """GeoReport v2 GET requests: the viewer sees what `queue`/`get` would let it see."""

    viewer: Viewer
    service_request_ids: list[str] = Field(default_factory=list, max_length=100)
    service_code: str | None = Field(default=None, max_length=64)
    start_date: AwareDatetime | None = None
    end_date: AwareDatetime | None = None
    status: Literal["open", "closed"] | None = None
    limit: int = Field(default=50, ge=1, le=100)
    locale: Language = "vi"


class GeoReportRequestList(ContractModel):
    requests: list[GeoReportRequest]


class GeoReportCreate(ContractModel):
    """GeoReport v2 POST requests, as a journalist's question (the gateway authenticated the actor)."""

    actor: Actor
    service_code: str = Field(min_length=1, max_length=64)
    description: str = Field(min_length=1, max_length=MAX_BODY)
    title: str | None = Field(default=None, max_length=MAX_TITLE, description="Not in the spec; derived when absent.")
    address_string: str | None = Field(default=None, max_length=500)
    address_id: str | None = Field(default=None, max_length=64, description="A unit code of the directory.")
    media_url: str | None = Field(default=None, max_length=2_000)
    attribute: dict[str, Any] = Field(default_factory=dict, description="attribute[priority]=urgent|normal")
    outlet: str | None = Field(default=None, max_length=200)
    locale: Language = "vi"


class GeoReportCreated(ContractModel):
    """GeoReport v2 POST response: one entry with the new request's id."""

    requests: list[dict[str, Any]]


# --- the unit directory (feedback keeps the tree it routes and escalates along) -------------------


class UnitsQuery(ContractModel):
    """Units of the directory, in tree order (root first, level by level, siblings by code)."""

    q: str | None = Field(
        default=None,
        max_length=200,
        description="Words of the unit's Vietnamese or English name or of its code, diacritics-insensitive; "
        "each word may be the start of one ('hoan ki' finds 'Phường Hoàn Kiếm').",
    )
    parent: str | None = Field(default=None, max_length=64, description="Only the units directly under this one.")
    kind: str | None = Field(default=None, max_length=32, description="city_office, department, sector, ward, ...")
    include_inactive: bool = Field(default=False, description="Also units that no longer take questions.")
    cursor: str | None = Field(default=None, max_length=200)
    limit: int = Field(default=50, ge=1, le=200)


class UnitView(ContractModel):
    """One unit as the directory holds it, with its place in the tree."""

    code: str
    name: LocalizedText
    kind: str
    parent_code: str | None = None
    topics: tuple[str, ...] = ()
    contacts: tuple[Contact, ...] = ()
    calendar: str | None = None
    active: bool = True
    depth: int = Field(ge=0, description="Levels below the root (the city office is 0).")
    child_count: int = Field(ge=0)


class UnitPage(ContractModel):
    items: list[UnitView]
    next_cursor: str | None = None
    revision: str = Field(description="The directory's revision (the sender's, or the shipped seed's).")


class GetUnit(ContractModel):
    code: str = Field(min_length=1, max_length=64)


class UnitDetail(ContractModel):
    """One unit, the chain above it (nearest first, ending with the root: the escalation chain) and
    the units directly under it."""

    unit: UnitView
    ancestors: list[UnitView]
    children: list[UnitView]
    revision: str


# Methods to register in presscenter.shared.rpc.catalog (plain data: importing RpcSpec here would be circular).
METHODS: tuple[tuple[str, type[ContractModel], type[ContractModel], str], ...] = (
    ("ask", Ask, Question, "A journalist asks: routed at once to the responsible unit, with a deadline."),
    ("get", GetQuestion, Question, "One question with its routing, escalation chain and history, if visible."),
    ("queue", QueueQuery, QuestionPage, "A unit's queue with deadlines, most urgent first; journalists: their own."),
    ("start", QuestionAction, Question, "The unit starts working on a routed question."),
    ("request_clarification", RequestClarification, Question, "The unit asks the journalist; the clock pauses."),
    ("clarify", Clarify, Question, "The journalist answers the unit's request; the clock runs again."),
    ("answer", AnswerQuestion, Question, "The responsible unit answers, optionally for the public Q&A."),
    ("close", CloseQuestion, Question, "Close: the journalist accepts or withdraws, an editor closes."),
    ("reopen", ReopenQuestion, Question, "Reopen an answered question within the window: a new round."),
    ("reroute", Reroute, Question, "An editor sends the question to another unit, with a reason."),
    ("escalate", Escalate, Question, "An editor escalates the question up the unit tree, with a reason."),
    ("public_answers", PublicAnswersQuery, PublicAnswerPage, "Answered questions marked public, newest first."),
    ("scorecards", ScorecardQuery, Scorecards, "Per unit: answered on time, median working hours, escalations."),
    ("categories", CategoriesQuery, CategoryList, "The question categories with their deadlines."),
    ("georeport_services", GeoReportServicesQuery, GeoReportServiceList, "Open311 GeoReport v2 service list."),
    ("georeport_requests", GeoReportRequestsQuery, GeoReportRequestList, "Open311 GeoReport v2 request records."),
    ("georeport_create", GeoReportCreate, GeoReportCreated, "Open311 GeoReport v2 request creation (asks)."),
    ("units", UnitsQuery, UnitPage, "The unit directory: search by name, filter by parent and kind, in tree order."),
    ("unit", GetUnit, UnitDetail, "One unit of the directory with the chain above it and the units under it."),
)
