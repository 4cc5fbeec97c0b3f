"""The media service starts against the real broker, the embedded datastore and its object store,
and is healthy; without a reachable object store it starts but is not ready."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests
from nameko.testing.services import entrypoint_hook

from presscenter.media.service import MediaService
from presscenter.shared.testing.embedded_mongo import free_port
from presscenter.shared.testing.service_health import EXPECTED_CHECKS, assert_discoverable, assert_healthy


def test_nameko_run_finds_only_the_media_service() -> None:
    assert_discoverable("presscenter.media.service", MediaService)


def test_media_answers_health_rpc_and_probes(
    container_factory: Any, service_config: dict[str, Any], probe_port: int, tmp_path: Path
) -> None:
    container = container_factory(MediaService, {**service_config, "MEDIA_STORAGE_DIR": str(tmp_path)})
    container.start()
    report = assert_healthy(container, probe_port, EXPECTED_CHECKS | {"storage"})
    assert report.service == "media"


def test_media_is_not_ready_while_its_object_store_is_unreachable(
    container_factory: Any, service_config: dict[str, Any], probe_port: int
) -> None:
    config = {**service_config, "MEDIA_STORAGE": "s3", "MEDIA_S3_ENDPOINT": f"127.0.0.1:{free_port()}"}
    container = container_factory(MediaService, config)
    container.start()
    with entrypoint_hook(container, "health") as health:
        report = health()
    assert report["status"] == "down" and not report["checks"]["storage"]["ok"]
    assert report["checks"]["mongo"]["ok"] and report["checks"]["amqp"]["ok"]
    assert requests.get(f"http://127.0.0.1:{probe_port}/health/ready", timeout=30).status_code == 503
