"""The releases service pushes to a local stand-in of the national portal, and takes its payloads in.

The portal is a real HTTP server here (`PortalReceiver`) that verifies every signature; it fails
its first request, so the push is retried by the service's own clock.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ClusterRpcClient

from presscenter.releases.service import ReleasesService
from presscenter.releases.testing.portal_receiver import SECRET, PortalReceiver, Reply
from presscenter.shared.events.envelope import utcnow
from presscenter.shared.testing.waiting import eventually

EDITOR = {"kind": "user", "id": "editor-1", "role": "editor", "unit_code": "ubnd-hn"}
EDITOR_VIEW = {"id": "editor-1", "role": "editor"}
CONTENT = {
    "title": "Thông cáo về kỳ thi tuyển sinh lớp 10",
    "body": "Lịch thi chính thức.",
    "categories": ["education"],
}


@pytest.fixture
def portal() -> Iterator[PortalReceiver]:
    with PortalReceiver(script=[Reply(503)]) as receiver:
        yield receiver


@pytest.fixture
def releases(container_factory: Any, service_config: dict[str, Any], portal: PortalReceiver) -> Iterator[Any]:
    config = {**service_config, "PORTAL_ENDPOINT": portal.url, "PORTAL_SECRETS": SECRET}
    container = container_factory(ReleasesService, config)
    container.start()
    with ClusterRpcClient(uri=service_config["AMQP_URI"], timeout=15) as client:
        yield client.releases


def step(release: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"actor": EDITOR, "release_id": release["id"], "expected_revision": release["revision"], **extra}


def test_published_then_withdrawn_release_reaches_the_portal_once_each_signed_and_retried(
    releases: Any, portal: PortalReceiver
) -> None:
    release = releases.create_draft({"actor": EDITOR, "unit_code": "so-gddt", "content": CONTENT})
    release = releases.publish_now(step(releases.approve(step(releases.submit(step(release))))))

    def delivered(action: str) -> list[dict[str, Any]]:
        items = releases.portal_deliveries({"viewer": EDITOR_VIEW, "release_id": release["id"]})["items"]
        return [d for d in items if d["action"] == action and d["state"] == "delivered"]

    record = eventually(lambda: delivered("published"), timeout=15)[0]
    assert [a["status"] for a in record["attempts"]] == [503, 200]
    assert portal.stored[record["id"]]["pubStatus"] == "usable"

    releases.withdraw(step(release, reason="published_in_error", note=""))
    eventually(lambda: delivered("withdrawn"), timeout=15)
    assert len(portal.stored) == 2 and all(p.signature_error is None for p in portal.posts)
    assert portal.stored[f"{release['id']}/v1/withdrawn"]["pubStatus"] == "canceled"
    time.sleep(1.5)  # further clock passes send nothing more
    assert len(portal.posts) == 3


def test_portal_payloads_become_submitted_releases_once(releases: Any) -> None:
    payload = {"kind": "release", "guid": "portal-2026-77", "headline": "Chỉ đạo của Chính phủ về phòng chống bão",
               "body_text": "Các địa phương chủ động ứng phó.", "language": "vi"}  # fmt: skip
    first = releases.portal_inbound({"payload": payload, "received_at": utcnow().isoformat()})
    again = releases.portal_inbound({"payload": payload, "received_at": utcnow().isoformat()})
    assert first["id"] == again["id"] and first["status"] == "submitted" and first["unit_code"] == "ubnd-hn"
    assert first["intake"]["source"] == "portal" and first["intake"]["external_id"] == "portal-2026-77"
    with pytest.raises(RemoteError) as bad:
        releases.portal_inbound({"payload": {"kind": "release", "guid": "x"}, "received_at": utcnow().isoformat()})
    assert bad.value.exc_type == "InvalidInput" and "headline" in bad.value.value
