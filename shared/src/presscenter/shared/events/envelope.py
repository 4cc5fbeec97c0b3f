"""The event envelope every message on the platform travels in.

An envelope is transport-neutral: the same JSON goes through nameko's event exchanges,
the departments' SDK (pika) and the outbox. Payload models are versioned; consumers ignore
fields they do not know, so adding an optional field never breaks anyone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, TypeVar
from uuid import UUID, uuid4

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

SOURCE_PATTERN = r"^[a-z0-9][a-z0-9_.:-]{0,63}$"


def utcnow() -> datetime:
    """The current time, tz-aware, in UTC."""
    return datetime.now(UTC)


class ContractModel(BaseModel):
    """Base of every contract model: unknown fields are ignored, values are immutable."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class EventPayload(ContractModel):
    """Base of every event payload. Subclasses declare their catalog identity."""

    event_type: ClassVar[str]
    event_version: ClassVar[int]
    # nameko source whose `<channel>.events` exchange carries this event.
    channel: ClassVar[str]


P = TypeVar("P", bound=BaseModel)


class EventEnvelope(ContractModel, Generic[P]):
    """Metadata common to every event, around a typed payload."""

    event_id: UUID = Field(default_factory=uuid4, description="Unique id; consumers deduplicate on it.")
    type: str = Field(pattern=r"^[a-z][a-z0-9_]{2,63}$", description="Catalog event type.")
    version: int = Field(ge=1, le=1000, description="Version of the payload schema.")
    occurred_at: AwareDatetime = Field(default_factory=utcnow, description="When it happened (UTC).")
    source: str = Field(pattern=SOURCE_PATTERN, description="Emitting service or unit code.")
    correlation_id: str = Field(
        default_factory=lambda: str(uuid4()),
        min_length=1,
        max_length=128,
        description="Id shared by every event of one business flow.",
    )
    causation_id: UUID | None = Field(default=None, description="event_id of the event that caused this one.")
    payload: P

    @field_validator("occurred_at")
    @classmethod
    def _to_utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)

    def to_message(self) -> dict[str, Any]:
        """The JSON-ready dict that goes on the wire."""
        return self.model_dump(mode="json")


def make_event(
    payload: EventPayload,
    *,
    source: str,
    correlation_id: str | None = None,
    caused_by: EventEnvelope[Any] | None = None,
    event_id: UUID | None = None,
    occurred_at: datetime | None = None,
) -> EventEnvelope[Any]:
    """Wrap `payload` in an envelope; `caused_by` carries the flow's correlation forward."""
    fields: dict[str, Any] = {
        "type": payload.event_type,
        "version": payload.event_version,
        "source": source,
        "payload": payload,
    }
    if caused_by is not None:
        fields["correlation_id"] = caused_by.correlation_id
        fields["causation_id"] = caused_by.event_id
    if correlation_id is not None:
        fields["correlation_id"] = correlation_id
    if event_id is not None:
        fields["event_id"] = event_id
    if occurred_at is not None:
        fields["occurred_at"] = occurred_at
    return EventEnvelope[type(payload)](**fields)  # type: ignore[misc]
