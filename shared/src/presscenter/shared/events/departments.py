"""Events the departments' systems emit into the platform (exchange `departments.events`)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import AwareDatetime, Field

from presscenter.shared.events.common import Contact, Language, LocalizedText, UnitCode
from presscenter.shared.events.envelope import ContractModel, EventPayload


class _DepartmentEvent(EventPayload):
    channel: ClassVar[str] = "departments"


class DepartmentReleaseSubmitted(_DepartmentEvent):
    """A unit's own system submits a release; `external_id` makes resubmission idempotent."""

    event_type: ClassVar[str] = "department_release_submitted"
    event_version: ClassVar[int] = 1
    external_id: str = Field(min_length=1, max_length=128, description="The department's own id.")
    unit_code: UnitCode
    title: str = Field(min_length=1, max_length=500)
    lead: str = Field(default="", max_length=5_000)
    body: str = Field(min_length=1, max_length=200_000, description="Markdown.")
    language: Language = "vi"
    title_en: str | None = Field(default=None, max_length=500)
    body_en: str | None = Field(default=None, max_length=200_000)
    categories: list[str] = Field(default_factory=list, max_length=50)
    places: list[UnitCode] = Field(default_factory=list, max_length=200)
    contacts: list[Contact] = Field(default_factory=list, max_length=20)
    media_asset_ids: list[str] = Field(default_factory=list, max_length=200)
    embargoed_until: AwareDatetime | None = None
    requested_publish_at: AwareDatetime | None = None


class DepartmentIncidentReported(_DepartmentEvent):
    """A unit's system reports an incident the press center must know about."""

    event_type: ClassVar[str] = "department_incident_reported"
    event_version: ClassVar[int] = 1
    external_id: str = Field(min_length=1, max_length=128)
    unit_code: UnitCode
    title: str = Field(min_length=1, max_length=500)
    description: str = Field(default="", max_length=20_000)
    severity: Literal["low", "medium", "high", "critical"]
    places: list[UnitCode] = Field(default_factory=list, max_length=200)
    started_at: AwareDatetime


class DirectoryUnit(ContractModel):
    code: UnitCode
    name: LocalizedText
    kind: str = Field(min_length=1, max_length=32, description="city_office, department, sector, ward, commune ...")
    parent_code: UnitCode | None = None
    topics: list[str] = Field(default_factory=list, max_length=100)
    contacts: list[Contact] = Field(default_factory=list, max_length=20)
    calendar: str | None = Field(default=None, max_length=64, description="Working calendar id.")
    active: bool = True


class DirectoryUpdated(_DepartmentEvent):
    """The unit directory changed: units added, changed or removed."""

    event_type: ClassVar[str] = "directory_updated"
    event_version: ClassVar[int] = 1
    upserts: list[DirectoryUnit] = Field(default_factory=list, max_length=5_000)
    removals: list[UnitCode] = Field(default_factory=list, max_length=5_000)
    revision: str | None = Field(default=None, max_length=64, description="The sender's directory revision.")
