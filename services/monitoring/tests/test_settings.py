"""Monitoring settings: environment values, including comma-separated feed urls, and the analysis they configure."""

from __future__ import annotations

from datetime import timedelta

import pytest

from presscenter.monitoring.settings import MonitoringSettings


def test_feed_urls_come_comma_separated_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FEED_URLS", "https://a.vn/rss, https://b.vn/atom.xml")
    monkeypatch.setenv("TREND_MIN_VOLUME", "12")
    settings = MonitoringSettings.load({})
    assert settings.feed_urls == ["https://a.vn/rss", "https://b.vn/atom.xml"]
    assert settings.engine().trends.min_volume == 12
    assert MonitoringSettings.load({"FEED_URLS": "http://x.vn/rss"}).feed_urls == ["http://x.vn/rss"]


def test_the_analysis_follows_the_settings() -> None:
    engine = MonitoringSettings.load({"COOLDOWN_HOURS": 2, "STORY_HORIZON_HOURS": 24, "CLAIM_THRESHOLD": 0.6}).engine()
    assert engine.alert_cooldown == engine.trends.cooldown == timedelta(hours=2)
    assert engine.stories.horizon == timedelta(hours=24) and engine.claims.match_threshold == 0.6
