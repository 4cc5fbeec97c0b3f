"""Events of the monitoring desk (exchange `monitoring.events`; items arrive on `departments.events`)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import AnyHttpUrl, AwareDatetime, Field

from presscenter.shared.events.common import Language, UnitCode
from presscenter.shared.events.envelope import ContractModel, EventPayload

SourceType = Literal["news", "social", "forum", "official"]


class Engagement(ContractModel):
    shares: int = Field(default=0, ge=0)
    comments: int = Field(default=0, ge=0)
    reactions: int = Field(default=0, ge=0)
    views: int = Field(default=0, ge=0)


class ItemObserved(EventPayload):
    """An item seen online, sent by crawlers and departments' systems through the SDK."""

    channel: ClassVar[str] = "departments"
    event_type: ClassVar[str] = "item_observed"
    event_version: ClassVar[int] = 1
    source_name: str = Field(min_length=1, max_length=200)
    source_type: SourceType
    url: AnyHttpUrl
    title: str = Field(default="", max_length=1_000)
    text: str = Field(default="", max_length=100_000)
    published_at: AwareDatetime
    language: Language = "vi"
    engagement: Engagement = Field(default_factory=Engagement)
    shared_from_url: AnyHttpUrl | None = None


class ExampleItem(ContractModel):
    url: AnyHttpUrl
    title: str = Field(default="", max_length=1_000)
    source_name: str = Field(max_length=200)


class TrendDetected(EventPayload):
    """A burst of terms or stories against the baseline, across enough distinct sources."""

    channel: ClassVar[str] = "monitoring"
    event_type: ClassVar[str] = "trend_detected"
    event_version: ClassVar[int] = 1
    trend_id: str = Field(min_length=1, max_length=64)
    terms: list[str] = Field(min_length=1, max_length=50)
    story_ids: list[str] = Field(default_factory=list, max_length=200)
    window: str = Field(description="Sliding window, ISO 8601 duration, e.g. PT1H.")
    volume: int = Field(ge=0)
    baseline: float = Field(ge=0)
    growth: float = Field(description="Volume over baseline.")
    distinct_sources: int = Field(ge=0)
    examples: list[ExampleItem] = Field(default_factory=list, max_length=20)
    window_start: AwareDatetime | None = Field(default=None, description="Start of the window that burst.")


class MisinformationAlert(EventPayload):
    """Items spread a registered false claim or contradict an official release."""

    channel: ClassVar[str] = "monitoring"
    event_type: ClassVar[str] = "misinformation_alert"
    event_version: ClassVar[int] = 1
    alert_id: str = Field(min_length=1, max_length=64)
    kind: Literal["known_claim", "contradicts_release"]
    score: float = Field(ge=0, le=1)
    claim_id: str | None = Field(default=None, max_length=64)
    claim_text: str = Field(max_length=5_000)
    release_id: str | None = Field(default=None, max_length=64)
    responsible_unit_code: UnitCode
    topic: str | None = Field(default=None, max_length=200)
    items: list[ExampleItem] = Field(min_length=1, max_length=50)
    first_seen_at: AwareDatetime | None = Field(default=None, description="When the first matching item was published.")
    refuted_by_release_id: str | None = Field(
        default=None, max_length=64, description="The release that already refutes the claim, if one was published."
    )
