"""Release objects for tests, built directly with the model (no workflow, no store).

Shipped in the package (like `nameko.testing`) so every test module imports it the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from presscenter.releases.domain.model import Content, HistoryEntry, Intake, PublishedVersion, Release, Withdrawal
from presscenter.shared.events.common import Actor, Contact

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
BASE_URI = "https://presscenter.hanoi.gov.vn"
UNIT = "so-gtvt"
UNIT_NAMES = {UNIT: "Sở Giao thông vận tải Hà Nội", "q-hoan-kiem": "Quận Hoàn Kiếm", "vp-ubnd": "Văn phòng UBND"}
EDITOR = Actor(kind="user", id="editor-1", role="editor", unit_code="vp-ubnd")
OFFICER = Actor(kind="user", id="officer-1", role="unit_officer", unit_code=UNIT)

TITLE = "Phân luồng giao thông phục vụ Lễ hội Hoa Đào"
LEAD = "Sở Giao thông vận tải Hà Nội thông báo phân luồng quanh hồ Hoàn Kiếm từ ngày 5/3."
BODY = """## Thời gian

Từ **06:00 ngày 5/3** đến hết ngày 7/3.

- Cấm xe ô tô trên phố Đinh Tiên Hoàng
- Xe buýt đi theo lộ trình tạm thời

Chi tiết xem [bản đồ](https://hanoi.gov.vn/ban-do?id=5&lang=vi).
"""


def content(**changes: object) -> Content:
    """A Vietnamese release text; `changes` override any field."""
    fields: dict[str, object] = {
        "title": TITLE,
        "lead": LEAD,
        "body": BODY,
        "categories": ("giao-thong", "le-hoi"),
        "places": ("q-hoan-kiem",),
        "contacts": (Contact(name="Nguyễn Văn An", phone="+84 24 3825 1234", email="an.nv@hanoi.gov.vn"),),
    }
    return Content.model_validate(fields | changes)


@dataclass(frozen=True)
class Correction:
    after: timedelta
    content: Content
    note: str


def published(
    release_id: str = "rel-1",
    *,
    at: datetime = NOW,
    text: Content | None = None,
    corrections: Sequence[Correction] = (),
    embargoed_until: datetime | None = None,
    withdrawal: Withdrawal | None = None,
    intake: Intake | None = None,
    unit_code: str = UNIT,
) -> Release:
    """A release published at `at` (version 1), then corrected once per item of `corrections`."""
    versions = [
        PublishedVersion(
            version=1, content=text or content(), published_at=at, published_by=EDITOR, embargoed_until=embargoed_until
        )
    ]
    for sequence, correction in enumerate(corrections, start=1):
        versions.append(
            PublishedVersion(
                version=sequence + 1,
                content=correction.content,
                published_at=at + correction.after,
                published_by=EDITOR,
                correction_note=correction.note,
                correction_sequence=sequence,
                embargoed_until=embargoed_until,
            )
        )
    latest = versions[-1]
    history = [
        HistoryEntry(at=at, actor=EDITOR, action="published", from_status="approved", to_status="published", revision=4)
    ]
    history += [
        HistoryEntry(
            at=v.published_at,
            actor=EDITOR,
            action="corrected",
            from_status="published",
            to_status="published",
            revision=4 + v.correction_sequence,
            note=v.correction_note or "",
        )
        for v in versions[1:]
    ]
    return Release(
        id=release_id,
        unit_code=unit_code,
        content=latest.content,
        status="withdrawn" if withdrawal else "published",
        revision=len(history) + 3 + (1 if withdrawal else 0),
        version=latest.version,
        correction_sequence=latest.correction_sequence,
        embargoed_until=embargoed_until,
        created_at=at - timedelta(hours=2),
        created_by=OFFICER,
        updated_at=withdrawal.at if withdrawal else latest.published_at,
        first_published_at=at,
        version_created_at=latest.published_at,
        withdrawal=withdrawal,
        intake=intake,
        history=tuple(history),
        versions=tuple(versions),
    )


def unpublished(release_id: str = "rel-draft", status: str = "draft", *, at: datetime = NOW) -> Release:
    """A release that never went out (draft, submitted, approved, scheduled, rejected)."""
    return Release.model_validate(
        {
            "id": release_id,
            "unit_code": UNIT,
            "content": content(),
            "status": status,
            "revision": 1,
            "created_at": at,
            "created_by": OFFICER,
            "updated_at": at,
            "scheduled_at": at + timedelta(hours=1) if status == "scheduled" else None,
        }
    )


def withdrawal(at: datetime, reason: str = "withdrawn", superseded_by: str | None = None, note: str = "") -> Withdrawal:
    return Withdrawal.model_validate(
        {"reason": reason, "superseded_by": superseded_by, "note": note, "at": at, "by": EDITOR}
    )
