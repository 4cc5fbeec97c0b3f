"""Releases RPC contracts: the release as clients see it, and every method's request.

The release aggregate (`Release`) is itself the RPC view: the releases domain works on these
models and the gateway reads the same ones. `revision` counts every change and is what callers
must name to change a release (a stale revision is a conflict); `version` is the public version
of the published text (ninjs `version`): 1 at first publication, +1 per correction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, ConfigDict, Field

from presscenter.shared.events.common import Actor, Contact
from presscenter.shared.events.envelope import ContractModel
from presscenter.shared.events.releases import ReleaseStatus, WithdrawalReason

# Documented limits: refused with a clear error above them.
MAX_TITLE = 500
MAX_LEAD = 5_000
MAX_BODY = 200_000

Action = Literal[
    "created",
    "edited",
    "submitted",
    "approved",
    "rejected",
    "scheduled",
    "unscheduled",
    "published",
    "force_published",
    "publish_failed",
    "corrected",
    "withdrawn",
    "embargo_set",
    "embargo_cleared",
    "embargo_lifted",
]


class Content(ContractModel):
    """What a release says. Markdown body, Vietnamese first, English optional."""

    title: str = Field(min_length=1, max_length=MAX_TITLE)
    lead: str = Field(default="", max_length=MAX_LEAD)
    body: str = Field(min_length=1, max_length=MAX_BODY)
    language: Literal["vi", "en"] = "vi"
    title_en: str | None = Field(default=None, max_length=MAX_TITLE)
    lead_en: str | None = Field(default=None, max_length=MAX_LEAD)
    body_en: str | None = Field(default=None, max_length=MAX_BODY)
    categories: tuple[str, ...] = Field(default=(), max_length=50)
    places: tuple[str, ...] = Field(default=(), max_length=200)
    contacts: tuple[Contact, ...] = Field(default=(), max_length=20)
    media_asset_ids: tuple[str, ...] = Field(default=(), max_length=200)
    refutes_claim_ids: tuple[str, ...] = Field(default=(), max_length=50)


class HistoryEntry(ContractModel):
    """One thing someone did to the release; the history is append-only."""

    at: datetime
    actor: Actor
    action: Action
    from_status: ReleaseStatus | None
    to_status: ReleaseStatus
    revision: int
    note: str = ""


class PublishedVersion(ContractModel):
    """An immutable snapshot of the text as published (version 1) or corrected (2, 3 ...)."""

    version: int = Field(ge=1)
    content: Content
    published_at: datetime
    published_by: Actor
    correction_note: str | None = None
    correction_sequence: int = 0
    embargoed_until: datetime | None = None


class Withdrawal(ContractModel):
    reason: WithdrawalReason
    note: str = ""
    superseded_by: str | None = None
    at: datetime
    by: Actor


class Intake(ContractModel):
    """Where a release came from when a department's system submitted it."""

    source: str
    external_id: str
    event_id: str


class Release(ContractModel):
    id: str
    unit_code: str
    content: Content
    status: ReleaseStatus
    revision: int = Field(ge=1)
    version: int = Field(default=0, ge=0, description="Published version; 0 before publication.")
    correction_sequence: int = 0
    embargoed_until: datetime | None = None
    scheduled_at: datetime | None = None
    created_at: datetime
    created_by: Actor
    updated_at: datetime
    first_published_at: datetime | None = None
    version_created_at: datetime | None = None
    embargo_lifted_at: datetime | None = None
    rejection_reason: str | None = None
    failure: str | None = None
    withdrawal: Withdrawal | None = None
    intake: Intake | None = None
    history: tuple[HistoryEntry, ...] = ()
    versions: tuple[PublishedVersion, ...] = ()

    @property
    def is_published(self) -> bool:
        return self.version > 0

    def under_embargo(self, now: datetime) -> bool:
        return self.embargoed_until is not None and now < self.embargoed_until


# --- who is asking --------------------------------------------------------------------------


class Viewer(ContractModel):
    """Who reads: the gateway passes the caller's verified identity with every read."""

    id: str = Field(min_length=1, max_length=128)
    role: Literal["journalist", "unit_officer", "editor", "admin", "system", "public"]
    unit_code: str | None = Field(default=None, max_length=64)
    embargo_entitled: bool = False


# --- requests ---------------------------------------------------------------------------------


class CreateDraft(ContractModel):
    actor: Actor
    unit_code: str = Field(min_length=1, max_length=64)
    content: Content


class ReleaseAction(ContractModel):
    """Submit, approve, unschedule, publish: the release and the revision the caller last read."""

    actor: Actor
    release_id: str = Field(min_length=1, max_length=64)
    expected_revision: int = Field(ge=1)


class EditDraft(ReleaseAction):
    content: Content


class Reject(ReleaseAction):
    reason: str = Field(min_length=1, max_length=2_000)


class ForcePublish(ReleaseAction):
    reason: str = Field(min_length=1, max_length=2_000)


class Schedule(ReleaseAction):
    at: AwareDatetime


class SetEmbargo(ReleaseAction):
    until: AwareDatetime | None = Field(description="None clears the embargo (before publication only).")


class Correct(ReleaseAction):
    content: Content
    note: str = Field(min_length=1, max_length=5_000)


class Withdraw(ReleaseAction):
    reason: WithdrawalReason
    note: str = Field(default="", max_length=2_000)
    superseded_by: str | None = Field(default=None, max_length=64)


class GetRelease(ContractModel):
    viewer: Viewer
    release_id: str = Field(min_length=1, max_length=64)


class SearchReleases(ContractModel):
    viewer: Viewer
    q: str | None = Field(default=None, max_length=200, description="Keywords; diacritics-insensitive.")
    unit_code: str | None = Field(default=None, max_length=64)
    category: str | None = Field(default=None, max_length=64)
    place: str | None = Field(default=None, max_length=64)
    status: list[ReleaseStatus] = Field(default_factory=list)
    published_from: AwareDatetime | None = None
    published_to: AwareDatetime | None = None
    cursor: str | None = Field(default=None, max_length=200)
    limit: int = Field(default=20, ge=1, le=100)


class ReleaseSummary(ContractModel):
    """A release in a list: everything but the body and the history."""

    id: str
    unit_code: str
    title: str
    lead: str
    language: Literal["vi", "en"]
    status: ReleaseStatus
    revision: int
    version: int
    categories: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    embargoed_until: datetime | None = None
    scheduled_at: datetime | None = None
    first_published_at: datetime | None = None
    version_created_at: datetime | None = None
    updated_at: datetime


class ReleasePage(ContractModel):
    items: list[ReleaseSummary]
    next_cursor: str | None = None


class GetNinjs(ContractModel):
    viewer: Viewer
    release_id: str = Field(min_length=1, max_length=64)
    version: int | None = Field(default=None, ge=1, description="A published version; the latest when omitted.")
    record_download: bool = Field(
        default=False,
        description="Record the viewer (an account, not the public) as a recipient of the version served, "
        "so it is told when that version is corrected or withdrawn.",
    )


class NinjsDocument(ContractModel):
    """An IPTC ninjs 3.1 document (see https://iptc.org/std/ninjs/)."""

    model_config = ConfigDict(extra="allow", frozen=True)
    uri: str
    version: str
    pubStatus: str


class GetFeed(ContractModel):
    format: Literal["atom", "json"]
    limit: int = Field(default=50, ge=1, le=500)


class Feed(ContractModel):
    content_type: str
    body: str


class DeliveryAttemptView(ContractModel):
    at: datetime
    status: int | None = None
    error: str | None = None


class PortalDelivery(ContractModel):
    """One push of one published version (or its correction or withdrawal) to the national portal."""

    id: str
    release_id: str
    version: int
    action: Literal["published", "corrected", "withdrawn"]
    state: Literal["pending", "delivered", "failed"]
    attempts: list[DeliveryAttemptView] = Field(default_factory=list)
    delivered_at: datetime | None = None


class PortalDeliveries(ContractModel):
    items: list[PortalDelivery]


class GetDeliveries(ContractModel):
    viewer: Viewer
    release_id: str = Field(min_length=1, max_length=64)


class PortalInbound(ContractModel):
    """A payload from the national portal, its signature already verified by the gateway."""

    payload: dict[str, Any]
    received_at: AwareDatetime


class GetRecipients(ContractModel):
    """Who downloaded which version of a release: editors, admins, systems and the release's unit's officers."""

    viewer: Viewer
    release_id: str = Field(min_length=1, max_length=64)


class VersionDownload(ContractModel):
    version: int = Field(ge=1)
    first_at: datetime = Field(description="When the account first downloaded this version.")


class Recipient(ContractModel):
    """One account that downloaded a release, and which versions."""

    account_id: str
    role: str
    unit_code: str | None = None
    latest_version: int = Field(ge=1, description="The newest version this account has.")
    downloads: list[VersionDownload] = Field(description="One per version downloaded, ascending.")


class ReleaseRecipients(ContractModel):
    release_id: str
    version: int = Field(ge=0, description="The release's current published version.")
    items: list[Recipient]
