"""Settings of the monitoring service: environment variables, over `ServiceSettings`' defaults."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import NoDecode

from presscenter.monitoring.analysis.claims import ClaimSettings
from presscenter.monitoring.analysis.engine import EngineSettings
from presscenter.monitoring.analysis.stories import StorySettings
from presscenter.monitoring.analysis.trends import TrendSettings
from presscenter.shared.settings import ServiceSettings


class MonitoringSettings(ServiceSettings):
    """Database `presscenter_monitoring` unless MONGO_DB says otherwise."""

    service_name = "monitoring"

    feed_urls: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="RSS/Atom feeds to poll, comma-separated."
    )
    feed_interval: float = Field(300.0, gt=0, description="Seconds between feed polls.")
    feed_timeout: float = Field(10.0, gt=0, description="Seconds to wait for one feed.")
    claim_threshold: float = Field(0.52, gt=0, le=1, description="Score from which an item matches a claim.")
    story_threshold: float = Field(0.75, gt=0, le=1, description="Similarity from which items share a story.")
    story_horizon_hours: float = Field(72.0, gt=0, description="Stories older than this take no new items.")
    trend_window_minutes: float = Field(30.0, gt=0, description="Sliding window of trend detection.")
    trend_min_volume: int = Field(8, ge=2, description="Items a term needs in the window to trend.")
    trend_min_sources: int = Field(5, ge=1, description="Distinct sources a trend needs.")
    trend_min_stories: int = Field(4, ge=1, description="Distinct stories a trend needs.")
    trend_min_growth: float = Field(12.0, gt=1, description="Volume over expected volume a trend needs.")
    trend_warmup_hours: float = Field(3.0, ge=0, description="Event time to watch before any trend is raised.")
    cooldown_hours: float = Field(6.0, gt=0, description="No second alert for the same claim or trend within this.")
    max_item_chars: int = Field(100_000, ge=100, description="Longer items are parked, not analysed.")
    analysis_lease_seconds: float = Field(
        10.0, ge=1.0, description="How long the active analyser's lease lasts unrenewed (standby takeover time)."
    )

    @field_validator("feed_urls", mode="before")
    @classmethod
    def _split_urls(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    def engine(self) -> EngineSettings:
        """The analysis settings these values describe."""
        return EngineSettings(
            stories=StorySettings(threshold=self.story_threshold, horizon=timedelta(hours=self.story_horizon_hours)),
            claims=ClaimSettings(match_threshold=self.claim_threshold),
            trends=TrendSettings(
                window=timedelta(minutes=self.trend_window_minutes),
                min_volume=self.trend_min_volume,
                min_sources=self.trend_min_sources,
                min_stories=self.trend_min_stories,
                min_growth=self.trend_min_growth,
                warmup=timedelta(hours=self.trend_warmup_hours),
                cooldown=timedelta(hours=self.cooldown_hours),
            ),
            alert_cooldown=timedelta(hours=self.cooldown_hours),
        )
