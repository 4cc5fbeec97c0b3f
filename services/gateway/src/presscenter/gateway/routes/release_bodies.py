"""Request bodies of the releases API, and the examples its OpenAPI document shows.

Bodies never carry who acts: the actor is the verified caller. Unknown members are refused (422),
so a client sending `actor` learns that at once. Every example is built through the shared
contract models at import, so it cannot drift from them.
"""

from __future__ import annotations

from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from presscenter.shared.events.releases import WithdrawalReason
from presscenter.shared.rpc.releases import (
    Content,
    NinjsDocument,
    PortalDeliveries,
    Release,
    ReleasePage,
    ReleaseSummary,
)

CONTENT_EXAMPLE: dict[str, Any] = {
    "title": "Hà Nội tăng cường phòng chống sốt xuất huyết",
    "lead": "Sở Y tế Hà Nội khuyến cáo người dân diệt bọ gậy, loăng quăng mỗi tuần.",
    "body": "Từ ngày 2/3, các phường triển khai chiến dịch **diệt bọ gậy** tại khu dân cư.",
    "language": "vi",
    "categories": ["health"],
    "places": ["phuong-hoan-kiem"],
    "contacts": [{"name": "Văn phòng Sở Y tế", "phone": "024 3998 5765"}],
}
_OFFICER = {"kind": "user", "id": "7d3e5c1a9b2f4e6d8c0a1b2c3d4e5f60", "role": "unit_officer", "unit_code": "so-yte"}
_EDITOR = {"kind": "user", "id": "1a2b3c4d5e6f708192a3b4c5d6e7f809", "role": "editor", "unit_code": "ubnd-hn"}

RELEASE_EXAMPLE: dict[str, Any] = Release.model_validate(
    {
        "id": "r-5f0c2a9e1b7d4c3a",
        "unit_code": "so-yte",
        "content": CONTENT_EXAMPLE,
        "status": "published",
        "revision": 4,
        "version": 1,
        "created_at": "2026-03-02T07:30:00Z",
        "created_by": _OFFICER,
        "updated_at": "2026-03-02T08:00:00Z",
        "first_published_at": "2026-03-02T08:00:00Z",
        "version_created_at": "2026-03-02T08:00:00Z",
        "history": [
            {
                "at": "2026-03-02T07:30:00Z",
                "actor": _OFFICER,
                "action": "created",
                "from_status": None,
                "to_status": "draft",
                "revision": 1,
            },
            {
                "at": "2026-03-02T07:35:00Z",
                "actor": _OFFICER,
                "action": "submitted",
                "from_status": "draft",
                "to_status": "submitted",
                "revision": 2,
            },
            {
                "at": "2026-03-02T07:50:00Z",
                "actor": _EDITOR,
                "action": "approved",
                "from_status": "submitted",
                "to_status": "approved",
                "revision": 3,
            },
            {
                "at": "2026-03-02T08:00:00Z",
                "actor": _EDITOR,
                "action": "published",
                "from_status": "approved",
                "to_status": "published",
                "revision": 4,
            },
        ],
        "versions": [
            {"version": 1, "content": CONTENT_EXAMPLE, "published_at": "2026-03-02T08:00:00Z", "published_by": _EDITOR},
        ],
    }
).model_dump(mode="json")

_SUMMARY = ReleaseSummary.model_validate(
    {
        "id": RELEASE_EXAMPLE["id"],
        "unit_code": "so-yte",
        "title": CONTENT_EXAMPLE["title"],
        "lead": CONTENT_EXAMPLE["lead"],
        "language": "vi",
        "status": "published",
        "revision": 4,
        "version": 1,
        "categories": ["health"],
        "places": ["phuong-hoan-kiem"],
        "first_published_at": "2026-03-02T08:00:00Z",
        "version_created_at": "2026-03-02T08:00:00Z",
        "updated_at": "2026-03-02T08:00:00Z",
    }
)
PAGE_EXAMPLE: dict[str, Any] = ReleasePage(items=[_SUMMARY], next_cursor="MTc3MjQzODQwMDAwMDAwMDpyLTVmMGMy").model_dump(
    mode="json"
)
NINJS_EXAMPLE: dict[str, Any] = NinjsDocument.model_validate(
    {
        "uri": "http://127.0.0.1:8000/v1/releases/r-5f0c2a9e1b7d4c3a",
        "standard": {
            "name": "ninjs",
            "version": "3.1",
            "schema": "http://www.iptc.org/std/ninjs/ninjs-schema_3.1.json#",
        },
        "type": "text",
        "profile": "press-release",
        "representationType": "full",
        "version": "1",
        "firstCreated": "2026-03-02T08:00:00Z",
        "versionCreated": "2026-03-02T08:00:00Z",
        "pubStatus": "usable",
        "language": "vi",
        "genres": [{"name": "Press release", "literal": "press-release"}],
        "by": "Sở Y tế",
        "headlines": [{"role": "main", "value": CONTENT_EXAMPLE["title"]}],
        "descriptions": [{"role": "summary", "contentType": "text/plain", "value": CONTENT_EXAMPLE["lead"]}],
        "bodies": [{"role": "main", "contentType": "text/markdown", "value": CONTENT_EXAMPLE["body"]}],
        "subjects": [{"name": "health", "literal": "health"}],
    }
).model_dump(mode="json")
DELIVERIES_EXAMPLE: dict[str, Any] = PortalDeliveries.model_validate(
    {
        "items": [
            {
                "id": "r-5f0c2a9e1b7d4c3a:1:published",
                "release_id": "r-5f0c2a9e1b7d4c3a",
                "version": 1,
                "action": "published",
                "state": "delivered",
                "attempts": [
                    {"at": "2026-03-02T08:00:01Z", "status": 503},
                    {"at": "2026-03-02T08:00:03Z", "status": 200},
                ],
                "delivered_at": "2026-03-02T08:00:03Z",
            }
        ]
    }
).model_dump(mode="json")


def json_example(example: Any, description: str) -> dict[str, Any]:
    """A `responses=` entry whose JSON body is `example`."""
    return {"description": description, "content": {"application/json": {"example": example}}}


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RevisionBody(Body):
    """The revision the change was made from, when not sent as `If-Match`."""

    expected_revision: int | None = Field(
        default=None, ge=1, description='The `revision` read (the ETag unquoted); or send `If-Match: "<revision>"`.'
    )

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"expected_revision": 3}]})


class NewRelease(Body):
    unit_code: str = Field(min_length=1, max_length=64, description="The unit the release belongs to.")
    content: Content

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"unit_code": "so-yte", "content": CONTENT_EXAMPLE}]}
    )


class ContentChange(RevisionBody):
    content: Content

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"content": CONTENT_EXAMPLE, "expected_revision": 1}]}
    )


class Rejection(RevisionBody):
    reason: str = Field(min_length=1, max_length=2_000, description="Shown to the unit.")

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "Thiếu số điện thoại liên hệ.", "expected_revision": 2}]},
    )


class ForcedPublication(RevisionBody):
    reason: str = Field(min_length=1, max_length=2_000, description="Logged in the release's history.")

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "Thông tin khẩn về thời tiết.", "expected_revision": 1}]},
    )


class Scheduling(RevisionBody):
    at: AwareDatetime = Field(description="When to publish: in the future, not after the embargo.")

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"at": "2026-03-02T08:00:00+07:00", "expected_revision": 3}]}
    )


class Embargo(RevisionBody):
    until: AwareDatetime | None = Field(description="End of the embargo, in the future; null clears it.")

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"until": "2026-03-02T10:00:00+07:00", "expected_revision": 3}]},
    )


class Correction(RevisionBody):
    content: Content
    note: str = Field(min_length=1, max_length=5_000, description="What changed, shown to readers.")

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"content": CONTENT_EXAMPLE, "note": "Sửa tên phường.", "expected_revision": 4}]
        },
    )


class WithdrawalRequest(RevisionBody):
    reason: WithdrawalReason
    note: str = Field(default="", max_length=2_000, description="Public notice; required for `withdrawn`.")
    superseded_by: str | None = Field(default=None, max_length=64, description="With `superseded`: the new release.")

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"reason": "superseded", "superseded_by": "r-8a1d2c3b4e5f6071", "expected_revision": 4},
                {"reason": "withdrawn", "note": "Thông cáo được rút theo yêu cầu của đơn vị.", "expected_revision": 4},
            ]
        },
    )
