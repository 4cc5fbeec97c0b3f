"""Events of the feedback service (exchange `feedback.events`)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import AwareDatetime, Field

from presscenter.shared.events.common import Actor, Language, Priority, UnitCode
from presscenter.shared.events.envelope import EventPayload

QuestionStatus = Literal["received", "routed", "in_progress", "awaiting_clarification", "answered", "closed"]
UpdateAction = Literal["started", "clarification_requested", "clarified"]


class _QuestionEvent(EventPayload):
    channel: ClassVar[str] = "feedback"
    question_id: str = Field(min_length=1, max_length=64)
    status: QuestionStatus
    journalist_id: str | None = Field(
        default=None,
        max_length=128,
        description="The account that asked: the gateway's live stream tells it of every step of its question.",
    )


class QuestionReceived(_QuestionEvent):
    """A journalist's question (or one opened from an alert) was received."""

    event_type: ClassVar[str] = "question_received"
    event_version: ClassVar[int] = 1
    journalist_id: str = Field(min_length=1, max_length=128)
    outlet: str | None = Field(default=None, max_length=200)
    title: str = Field(min_length=1, max_length=500)
    category: str = Field(min_length=1, max_length=64)
    place: str | None = Field(default=None, max_length=500, description="Unit code or address.")
    priority: Priority = "normal"
    language: Language = "vi"
    origin: Literal["journalist", "misinformation_alert", "open311", "portal"] = "journalist"
    alert_id: str | None = Field(default=None, max_length=64, description="The misinformation alert that opened it.")


class QuestionRouted(_QuestionEvent):
    """A question was routed (or re-routed) to the responsible unit, with its deadline."""

    event_type: ClassVar[str] = "question_routed"
    event_version: ClassVar[int] = 1
    unit_code: UnitCode
    rule: str = Field(min_length=1, max_length=200, description="The routing rule that matched.")
    reason: str = Field(default="", max_length=2_000)
    rerouted_by: Actor | None = None
    due_at: AwareDatetime


class QuestionEscalated(_QuestionEvent):
    """An overdue question was escalated up the unit tree with a new deadline."""

    event_type: ClassVar[str] = "question_escalated"
    event_version: ClassVar[int] = 1
    from_unit_code: UnitCode
    to_unit_code: UnitCode
    level: int = Field(ge=1, description="How many times it has been escalated.")
    due_at: AwareDatetime
    automatic: bool = True
    reason: str = Field(default="", max_length=2_000)


class QuestionOverdue(_QuestionEvent):
    """A question's SLA clock reached its warning, overdue or very-overdue stage."""

    event_type: ClassVar[str] = "question_overdue"
    event_version: ClassVar[int] = 1
    unit_code: UnitCode
    due_at: AwareDatetime
    stage: Literal["warning", "overdue", "very_overdue"]


class QuestionAnswered(_QuestionEvent):
    """The responsible unit answered a question."""

    event_type: ClassVar[str] = "question_answered"
    event_version: ClassVar[int] = 1
    unit_code: UnitCode
    journalist_id: str = Field(min_length=1, max_length=128)
    answered_by: Actor
    answered_at: AwareDatetime
    within_deadline: bool
    public: bool = Field(default=False, description="The answer is shown in the public Q&A.")


class QuestionUpdated(_QuestionEvent):
    """A unit started work on a question, asked the journalist to clarify it, or the journalist clarified it."""

    event_type: ClassVar[str] = "question_updated"
    event_version: ClassVar[int] = 1
    action: UpdateAction
    unit_code: UnitCode
    updated_by: Actor
    due_at: AwareDatetime | None = Field(
        default=None, description="The unit's deadline after the step; none while the clocks wait for the journalist."
    )


class QuestionClosed(_QuestionEvent):
    """A question was closed."""

    event_type: ClassVar[str] = "question_closed"
    event_version: ClassVar[int] = 1
    closed_by: Actor
    reason: str = Field(default="", max_length=2_000)
