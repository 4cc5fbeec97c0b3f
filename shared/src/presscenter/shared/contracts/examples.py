"""One small, valid example payload per catalog event: shown in docs/asyncapi.yaml, used by tests.

A new event (or version) should get an example here; the catalog tests insist on it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import NAMESPACE_URL, uuid5

from presscenter.shared.events.catalog import CatalogEntry, build_event

EXAMPLE_TIME = datetime(2025, 9, 1, 2, 0, tzinfo=UTC)
_UNIT = "so-giao-thong"
_EDITOR = {"kind": "user", "id": "u-editor-7", "role": "editor", "unit_code": "vp-ubnd"}
_OFFICER = {"kind": "user", "id": "u-officer-12", "role": "unit_officer", "unit_code": _UNIT}


def _release(status: str, **extra: Any) -> dict[str, Any]:
    return {
        "release_id": "rel-2025-0142",
        "unit_code": _UNIT,
        "title": "Phân luồng giao thông dịp Quốc khánh 2/9",
        "lead": "Sở Giao thông Vận tải thông báo phương án phân luồng từ ngày 1 đến 3/9.",
        "body": "Các tuyến đường sau cấm phương tiện từ 6 giờ đến 22 giờ ...",
        "categories": ["giao-thong"],
        "places": ["quan-ba-dinh"],
        "status": status,
        "version": 1,
        **extra,
    }


def _question(status: str, **extra: Any) -> dict[str, Any]:
    return {"question_id": "q-2025-0311", "status": status, **extra}


_ITEM = {
    "url": "https://example.org/bai-viet/123",
    "title": "Tin đồn cấm xe máy toàn thành phố",
    "source_name": "Diễn đàn X",
}

PAYLOADS: dict[tuple[str, int], dict[str, Any]] = {
    ("release_submitted", 1): {"release": _release("submitted"), "actor": _OFFICER},
    ("release_approved", 1): {"release": _release("approved"), "actor": _EDITOR},
    ("release_rejected", 1): {
        "release": _release("rejected"),
        "actor": _EDITOR,
        "reason": "Thiếu số điện thoại liên hệ.",
    },
    ("release_scheduled", 1): {
        "release": _release("scheduled", scheduled_at="2025-09-01T01:00:00Z"),
        "actor": _EDITOR,
        "scheduled_at": "2025-09-01T01:00:00Z",
    },
    ("release_published", 1): {
        "release": _release("published", published_at="2025-09-01T01:00:00Z"),
        "actor": _EDITOR,
    },
    ("release_corrected", 1): {
        "release": _release("published", version=2, published_at="2025-09-01T01:00:00Z"),
        "actor": _EDITOR,
        "correction_note": "Sửa giờ cấm đường: 6 giờ thay vì 5 giờ.",
        "correction_sequence": 1,
        "previous_version": 1,
    },
    ("release_withdrawn", 1): {
        "release": _release("withdrawn"),
        "actor": _EDITOR,
        "reason": "superseded",
        "superseded_by": "rel-2025-0150",
    },
    ("release_publish_failed", 1): {
        "release": _release("failed_to_publish", scheduled_at="2025-09-01T01:00:00Z"),
        "actor": {"kind": "service", "id": "releases"},
        "error": "media asset ast-77 is not ready",
        "scheduled_at": "2025-09-01T01:00:00Z",
    },
    ("embargo_lifted", 1): {
        "release_id": "rel-2025-0142",
        "version": 1,
        "embargoed_until": "2025-09-01T01:00:00Z",
        "media_asset_ids": ["ast-77"],
    },
    ("question_received", 1): _question(
        "received",
        journalist_id="j-0042",
        outlet="Báo Tin Tức",
        title="Khi nào thông xe cầu Vĩnh Tuy 2?",
        category="giao-thong",
        place="quan-long-bien",
    ),
    ("question_routed", 1): _question(
        "routed", unit_code=_UNIT, rule="category:giao-thong", due_at="2025-09-03T10:00:00Z"
    ),
    ("question_escalated", 1): _question(
        "routed",
        from_unit_code=_UNIT,
        to_unit_code="vp-ubnd",
        level=1,
        due_at="2025-09-04T10:00:00Z",
        reason="Quá hạn trả lời.",
    ),
    ("question_overdue", 1): _question("routed", unit_code=_UNIT, due_at="2025-09-03T10:00:00Z", stage="overdue"),
    ("question_answered", 1): _question(
        "answered",
        unit_code=_UNIT,
        journalist_id="j-0042",
        answered_by=_OFFICER,
        answered_at="2025-09-02T08:30:00Z",
        within_deadline=True,
    ),
    ("question_updated", 1): _question(
        "awaiting_clarification",
        journalist_id="j-0042",
        action="clarification_requested",
        unit_code=_UNIT,
        updated_by=_OFFICER,
    ),
    ("question_closed", 1): _question("closed", journalist_id="j-0042", closed_by=_EDITOR),
    ("item_observed", 1): {
        "source_name": "Diễn đàn X",
        "source_type": "forum",
        "url": "https://example.org/bai-viet/123",
        "title": "Tin đồn cấm xe máy toàn thành phố",
        "published_at": "2025-09-01T00:15:00Z",
        "engagement": {"shares": 120, "comments": 45},
    },
    ("trend_detected", 1): {
        "trend_id": "tr-2025-0901-01",
        "terms": ["cấm xe máy", "quốc khánh"],
        "window": "PT1H",
        "volume": 240,
        "baseline": 12.5,
        "growth": 19.2,
        "distinct_sources": 17,
        "examples": [_ITEM],
    },
    ("misinformation_alert", 1): {
        "alert_id": "al-2025-0007",
        "kind": "contradicts_release",
        "score": 0.87,
        "claim_text": "Cấm xe máy toàn thành phố từ ngày 1/9.",
        "release_id": "rel-2025-0142",
        "responsible_unit_code": _UNIT,
        "items": [_ITEM],
    },
    ("asset_ready", 1): {
        "asset_id": "ast-77",
        "content_type": "image/jpeg",
        "size": 482113,
        "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "access": "internal",
        "renditions": ["thumbnail", "web"],
    },
    ("asset_rejected", 1): {"asset_id": "ast-78", "reason_code": "checksum_mismatch", "reason": "sha256 differs."},
    ("asset_released", 1): {"asset_id": "ast-77", "release_id": "rel-2025-0142"},
    ("department_release_submitted", 1): {
        "external_id": "sgtvt-2025-881",
        "unit_code": _UNIT,
        "title": "Phân luồng giao thông dịp Quốc khánh 2/9",
        "body": "Các tuyến đường sau cấm phương tiện từ 6 giờ đến 22 giờ ...",
        "contacts": [{"name": "Nguyễn Văn A", "phone": "024 3825 0000"}],
    },
    ("department_incident_reported", 1): {
        "external_id": "sgtvt-inc-19",
        "unit_code": _UNIT,
        "title": "Sụt lún mặt đường Nguyễn Trãi",
        "severity": "high",
        "started_at": "2025-09-01T01:40:00Z",
    },
    ("directory_updated", 1): {
        "upserts": [
            {
                "code": _UNIT,
                "name": {"vi": "Sở Giao thông Vận tải", "en": "Department of Transport"},
                "kind": "department",
                "parent_code": "vp-ubnd",
                "topics": ["giao-thong"],
            }
        ],
        "revision": "2025-09-01.1",
    },
}


def example_source(cat: CatalogEntry) -> str:
    """A plausible `source` for the event: the unit for departments' events, else the service."""
    if cat.type == "item_observed":
        return "crawler-01"
    return _UNIT if cat.channel == "departments" else cat.channel


def example_message(cat: CatalogEntry) -> dict[str, Any] | None:
    """The full wire message of the example, with fixed ids and time; None without an example.

    Raises `InvalidEvent` when the example no longer fits the payload model.
    """
    payload = PAYLOADS.get((cat.type, cat.version))
    if payload is None:
        return None
    envelope = build_event(
        cat.type,
        payload,
        source=example_source(cat),
        version=cat.version,
        event_id=uuid5(NAMESPACE_URL, f"presscenter:example:{cat.type}:v{cat.version}"),
        occurred_at=EXAMPLE_TIME,
        correlation_id="flow-2025-0901-0001",
    )
    return envelope.to_message()
