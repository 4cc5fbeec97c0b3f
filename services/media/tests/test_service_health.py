"""The media service starts against the real broker and the embedded datastore and is healthy."""

from __future__ import annotations

from typing import Any

from presscenter.media.service import MediaService
from presscenter.shared.testing.service_health import assert_discoverable, assert_healthy


def test_nameko_run_finds_only_the_media_service() -> None:
    assert_discoverable("presscenter.media.service", MediaService)


def test_media_answers_health_rpc_and_probes(
    container_factory: Any, service_config: dict[str, Any], probe_port: int
) -> None:
    container = container_factory(MediaService, service_config)
    container.start()
    report = assert_healthy(container, probe_port)
    assert report.service == "media"
