"""Settings from the environment, overridden by nameko's config."""

from __future__ import annotations

import pytest

from presscenter.shared.settings import ServiceSettings


class DemoSettings(ServiceSettings):
    service_name = "demo"


def test_list_settings_read_comma_separated_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETRY_DELAYS_MS", "100, 200,400")
    assert DemoSettings().retry_delays_ms == [100, 200, 400]


def test_nameko_config_overrides_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONGO_URI", "mongodb://from-env:27017")
    assert DemoSettings.load({}).mongo_uri == "mongodb://from-env:27017"
    assert DemoSettings.load({"MONGO_URI": "mongodb://from-config:27017"}).mongo_uri == "mongodb://from-config:27017"
