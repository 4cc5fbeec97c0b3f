"""Events of the releases service (exchange `releases.events`)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import AwareDatetime, Field

from presscenter.shared.events.common import Actor, Contact, Language, UnitCode
from presscenter.shared.events.envelope import ContractModel, EventPayload

ReleaseStatus = Literal[
    "draft",
    "submitted",
    "approved",
    "rejected",
    "scheduled",
    "published",
    "failed_to_publish",
    "withdrawn",
]
WithdrawalReason = Literal["published_in_error", "superseded", "withdrawn"]


class ReleaseSnapshot(ContractModel):
    """What subscribers need to show a release without calling back."""

    release_id: str = Field(min_length=1, max_length=64)
    unit_code: UnitCode
    title: str = Field(min_length=1, max_length=500)
    lead: str = Field(default="", max_length=5_000)
    body: str = Field(default="", max_length=200_000, description="Markdown.")
    language: Language = "vi"
    title_en: str | None = Field(default=None, max_length=500)
    categories: list[str] = Field(default_factory=list, max_length=50)
    places: list[UnitCode] = Field(default_factory=list, max_length=200)
    contacts: list[Contact] = Field(default_factory=list, max_length=20)
    media_asset_ids: list[str] = Field(default_factory=list, max_length=200)
    status: ReleaseStatus
    version: int = Field(ge=0, description="Published version; 0 before first publication.")
    embargoed_until: AwareDatetime | None = None
    scheduled_at: AwareDatetime | None = None
    published_at: AwareDatetime | None = None
    refutes_claim_ids: list[str] = Field(
        default_factory=list, description="Registered false claims this release refutes."
    )


class _ReleaseEvent(EventPayload):
    channel: ClassVar[str] = "releases"
    release: ReleaseSnapshot
    actor: Actor


class ReleaseSubmitted(_ReleaseEvent):
    """A release was submitted for review by its unit or a department's system."""

    event_type: ClassVar[str] = "release_submitted"
    event_version: ClassVar[int] = 1


class ReleaseApproved(_ReleaseEvent):
    """An editor approved a submitted release."""

    event_type: ClassVar[str] = "release_approved"
    event_version: ClassVar[int] = 1


class ReleaseRejected(_ReleaseEvent):
    """An editor rejected a submitted release, with the reason."""

    event_type: ClassVar[str] = "release_rejected"
    event_version: ClassVar[int] = 1
    reason: str = Field(min_length=1, max_length=2_000)


class ReleaseScheduled(_ReleaseEvent):
    """An approved release was scheduled for publication."""

    event_type: ClassVar[str] = "release_scheduled"
    event_version: ClassVar[int] = 1
    scheduled_at: AwareDatetime


class ReleasePublished(_ReleaseEvent):
    """A release was published to the press (live stream, feeds, monitoring, national portal)."""

    event_type: ClassVar[str] = "release_published"
    event_version: ClassVar[int] = 1
    forced: bool = False
    force_reason: str | None = Field(default=None, max_length=2_000)


class ReleaseCorrected(_ReleaseEvent):
    """A published release was corrected: a new version with a correction note."""

    event_type: ClassVar[str] = "release_corrected"
    event_version: ClassVar[int] = 1
    correction_note: str = Field(min_length=1, max_length=5_000)
    correction_sequence: int = Field(ge=1)
    previous_version: int = Field(ge=1)


class ReleaseWithdrawn(_ReleaseEvent):
    """A published release was withdrawn; the original stays readable with a notice."""

    event_type: ClassVar[str] = "release_withdrawn"
    event_version: ClassVar[int] = 1
    reason: WithdrawalReason
    note: str = Field(default="", max_length=2_000)
    superseded_by: str | None = Field(default=None, max_length=64)


class ReleasePublishFailed(_ReleaseEvent):
    """A scheduled publication failed: the release waits in failed_to_publish for an editor (an alert)."""

    event_type: ClassVar[str] = "release_publish_failed"
    event_version: ClassVar[int] = 1
    error: str = Field(min_length=1, max_length=2_000)
    scheduled_at: AwareDatetime | None = None


class EmbargoLifted(EventPayload):
    """The embargo of a release ended; its media may become public."""

    channel: ClassVar[str] = "releases"
    event_type: ClassVar[str] = "embargo_lifted"
    event_version: ClassVar[int] = 1
    release_id: str = Field(min_length=1, max_length=64)
    version: int = Field(ge=1)
    embargoed_until: AwareDatetime
    media_asset_ids: list[str] = Field(default_factory=list)
