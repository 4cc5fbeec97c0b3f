"""Monitoring RPC contracts: the claim registry, trends, alerts, stories and spread series.

A claim is a registered false (or misleading) statement, ClaimReview-like: its text, rating,
topic, the unit responsible for answering it and, once published, the release that refutes it.
`revision` counts every change; an update names the revision it was based on (409 if stale).
Times are UTC; `published` times are the items' own.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AnyHttpUrl, AwareDatetime, Field

from presscenter.shared.events.common import UnitCode
from presscenter.shared.events.envelope import ContractModel
from presscenter.shared.events.monitoring import ExampleItem

ClaimId = str
ClaimRating = Literal["false", "misleading", "unproven", "satire"]
ClaimStatus = Literal["active", "retired"]
CLAIM_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"
MAX_CLAIM_TEXT = 2_000


class ClaimFields(ContractModel):
    text: str = Field(min_length=3, max_length=MAX_CLAIM_TEXT, description="The claim as it is told.")
    rating: ClaimRating = "false"
    topic: str | None = Field(default=None, max_length=200)
    unit_code: UnitCode = Field(description="Directory unit responsible for answering it.")
    refuted_by_release: str | None = Field(default=None, max_length=64, description="Release that refutes it.")
    source_url: AnyHttpUrl | None = Field(default=None, description="Where it was first seen, if known.")


class AddClaim(ClaimFields):
    claim_id: str | None = Field(
        default=None, pattern=CLAIM_ID_PATTERN, description="Your id for it; one is made up when absent."
    )


class UpdateClaim(ContractModel):
    claim_id: str = Field(pattern=CLAIM_ID_PATTERN)
    expected_revision: int = Field(ge=1)
    text: str | None = Field(default=None, min_length=3, max_length=MAX_CLAIM_TEXT)
    rating: ClaimRating | None = None
    topic: str | None = Field(default=None, max_length=200)
    unit_code: UnitCode | None = None
    refuted_by_release: str | None = Field(default=None, max_length=64)
    status: ClaimStatus | None = Field(default=None, description="`retired` claims are no longer matched.")


class GetClaim(ContractModel):
    claim_id: str = Field(pattern=CLAIM_ID_PATTERN)


class ListClaims(ContractModel):
    status: ClaimStatus | None = None
    topic: str | None = Field(default=None, max_length=200)
    unit_code: UnitCode | None = None
    refuted: bool | None = Field(default=None, description="Only claims with (true) or without (false) a refutation.")
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0, le=100_000)


class Claim(ClaimFields):
    claim_id: str
    status: ClaimStatus
    revision: int = Field(ge=1)
    created_at: AwareDatetime
    updated_at: AwareDatetime
    refuted_at: AwareDatetime | None = None
    spread_items: int = Field(default=0, ge=0, description="Items seen spreading it.")
    refutation_items: int = Field(default=0, ge=0, description="Items seen reporting its refutation.")
    first_seen_at: AwareDatetime | None = None
    last_seen_at: AwareDatetime | None = None
    variants: list[str] = Field(default_factory=list, description="Ways of telling it learned from items.")


class ClaimPage(ContractModel):
    items: list[Claim]
    total: int = Field(ge=0)


class ListTrends(ContractModel):
    since: AwareDatetime | None = None
    until: AwareDatetime | None = None
    term: str | None = Field(default=None, max_length=100, description="Only trends with this term (any diacritics).")
    limit: int = Field(default=50, ge=1, le=200)


class Trend(ContractModel):
    trend_id: str
    detected_at: AwareDatetime
    window_start: AwareDatetime
    terms: list[str]
    volume: int = Field(ge=0)
    expected: float = Field(ge=0)
    growth: float
    distinct_sources: int = Field(ge=0)
    story_ids: list[str]
    item_count: int = Field(ge=0)
    examples: list[ExampleItem]


class TrendPage(ContractModel):
    items: list[Trend]


AlertKind = Literal["known_claim", "contradicts_release"]


class ListAlerts(ContractModel):
    claim_id: str | None = Field(default=None, pattern=CLAIM_ID_PATTERN)
    kind: AlertKind | None = Field(default=None, description="Only alerts of this kind.")
    release_id: str | None = Field(
        default=None, min_length=1, max_length=64, description="Only alerts about items contradicting this release."
    )
    unit_code: UnitCode | None = None
    since: AwareDatetime | None = None
    limit: int = Field(default=50, ge=1, le=200)


class Alert(ContractModel):
    alert_id: str
    kind: Literal["known_claim", "contradicts_release"]
    claim_id: str | None
    claim_text: str
    release_id: str | None = None
    responsible_unit_code: str
    topic: str | None = None
    release_says: str | None = Field(
        default=None, description="For `contradicts_release`: the release's statement the items state otherwise."
    )
    score: float = Field(ge=0, le=1)
    raised_at: AwareDatetime
    first_seen_at: AwareDatetime
    last_seen_at: AwareDatetime
    item_count: int = Field(ge=1, description="Items attached while the alert was open (cool-down).")
    distinct_sources: int = Field(ge=1)
    items: list[ExampleItem] = Field(description="The first items (at most 50).")


class AlertPage(ContractModel):
    items: list[Alert]


class GetStory(ContractModel):
    story_id: str = Field(min_length=1, max_length=80)
    limit: int = Field(default=50, ge=1, le=200, description="How many of its items to list, newest first.")


class StoryItem(ExampleItem):
    item_id: str
    source_type: str
    published_at: AwareDatetime
    shared_from_url: AnyHttpUrl | None = None
    engagement: int = Field(ge=0, description="Shares + comments + reactions.")
    claim_id: str | None = None
    stance: Literal["spread", "refute"] | None = None


class Story(ContractModel):
    story_id: str
    first_seen_at: AwareDatetime
    last_seen_at: AwareDatetime
    first_item: ExampleItem
    item_count: int = Field(ge=1)
    distinct_sources: int = Field(ge=1)
    sources: list[str]
    engagement: int = Field(ge=0)
    claim_id: str | None = None
    items: list[StoryItem]


class GetSpread(ContractModel):
    claim_id: str = Field(pattern=CLAIM_ID_PATTERN)
    bucket_minutes: int = Field(default=60, ge=1, le=24 * 60)
    since: AwareDatetime | None = None
    until: AwareDatetime | None = None


class SpreadPoint(ContractModel):
    start: AwareDatetime
    rumour_items: int = Field(ge=0)
    rumour_sources: int = Field(ge=0)
    rumour_engagement: int = Field(ge=0)
    refutation_items: int = Field(ge=0)
    refutation_sources: int = Field(ge=0)
    refutation_engagement: int = Field(ge=0)


class Cascade(ContractModel):
    """Items linked by `shared_from`, from the first shared url down."""

    root_url: str
    items: int = Field(ge=1)
    depth: int = Field(ge=0)
    sources: int = Field(ge=1)


class Spread(ContractModel):
    """Rumour and refutation side by side (Hoaxy-like), per time bucket."""

    claim_id: str
    bucket_minutes: int
    refuted_by_release: str | None = None
    first_rumour_at: AwareDatetime | None = None
    first_refutation_at: AwareDatetime | None = None
    rumour_items: int = Field(ge=0)
    refutation_items: int = Field(ge=0)
    rumour_sources: int = Field(ge=0)
    refutation_sources: int = Field(ge=0)
    rumour_velocity_per_hour: float = Field(ge=0, description="Rumour items per hour over its first six hours.")
    points: list[SpreadPoint]
    cascades: list[Cascade] = Field(description="The largest share cascades of the rumour.")


# (method, request, response, summary) for the lead to register in rpc/catalog.py as RpcSpec(service="monitoring", ...).
METHODS = (
    ("add_claim", AddClaim, Claim, "Register a false claim to watch for."),
    ("update_claim", UpdateClaim, Claim, "Change or retire a claim, naming the revision it was read at."),
    ("get_claim", GetClaim, Claim, "One claim with its spread counts and learned variants."),
    ("list_claims", ListClaims, ClaimPage, "Claims by status, topic, unit or refutation."),
    ("list_trends", ListTrends, TrendPage, "Detected trends, newest first."),
    ("list_alerts", ListAlerts, AlertPage, "Misinformation alerts, newest first."),
    ("get_story", GetStory, Story, "A story: first appearance, sources, items."),
    ("spread", GetSpread, Spread, "Rumour vs refutation items per time bucket for a claim."),
)
