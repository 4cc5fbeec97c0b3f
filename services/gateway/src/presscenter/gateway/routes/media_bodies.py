"""Request bodies of the media API, and the examples its OpenAPI document shows.

Bodies never carry who acts: the actor is the verified caller. Unknown members are refused (422).
Every example is built through the shared contract models at import, so it cannot drift from them.
"""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from presscenter.gateway.routes.release_bodies import Body, RevisionBody
from presscenter.shared.events.media import AccessState
from presscenter.shared.rpc.media import (
    SHA256_PATTERN,
    Asset,
    AssetMetadata,
    AssetPage,
    DownloadLink,
    DownloadPage,
    Rejection,
    RenditionName,
    UploadGrant,
)

# -- the documented responses: the contract's models under names of their own -------------------------
# (the media contract's `Rejection` and the releases API's `Rejection` body would share one schema name)


class AssetRejection(Rejection):
    """Why the bytes were refused for good: `reason_code` (`type_mismatch`, `corrupt`, `checksum_mismatch` ...)."""


class MediaAsset(Asset):
    """An asset of the media library (`presscenter.shared.rpc.media.Asset`)."""

    rejection: AssetRejection | None = None


class MediaAssetPage(AssetPage):
    items: list[MediaAsset]


_OFFICER = {"kind": "user", "id": "7d3e5c1a9b2f4e6d8c0a1b2c3d4e5f60", "role": "unit_officer", "unit_code": "so-yte"}
_ASSET_ID = "a-5f0c2a9e1b7d4c3a2b1c"
_SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
_SIGNED = "expires=1772438400&signature=4b1d0c9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c"
METADATA_EXAMPLE: dict[str, Any] = {
    "title": "Họp báo Sở Y tế",
    "caption": {"vi": "Sở Y tế Hà Nội họp báo về phòng chống sốt xuất huyết.", "en": "Hanoi's health department."},
    "creator": "Nguyễn Văn An",
    "credit_line": "Ảnh: Sở Y tế Hà Nội",
    "copyright_notice": "© 2026 Sở Y tế Hà Nội",
    "licence": "https://creativecommons.org/licenses/by/4.0/",
    "digital_source_type": "digitalCapture",
    "tags": ["y-te", "hop-bao"],
    "linked_release_ids": ["r-5f0c2a9e1b7d4c3a"],
}
UPLOAD_EXAMPLE: dict[str, Any] = {
    "filename": "hop-bao.jpg",
    "content_type": "image/jpeg",
    "size": 482133,
    "sha256": _SHA,
    "owner_unit_code": "so-yte",
    "access": "draft",
    "metadata": METADATA_EXAMPLE,
}
GRANT_EXAMPLE: dict[str, Any] = UploadGrant.model_validate(
    {
        "asset_id": _ASSET_ID,
        "max_size": 482133,
        "expires_at": "2026-03-02T08:15:00Z",
        "upload": {
            "method": "PUT",
            "url": f"http://127.0.0.1:8000/v1/media/blobs/media/objects/uploads/{_ASSET_ID}?max=482133&{_SIGNED}",
            "headers": {"Content-Type": "image/jpeg"},
            "expires_at": "2026-03-02T08:15:00Z",
        },
    }
).model_dump(mode="json")
ASSET_EXAMPLE: dict[str, Any] = Asset.model_validate(
    {
        "id": _ASSET_ID,
        "status": "ready",
        "revision": 3,
        "filename": "hop-bao.jpg",
        "owner_unit_code": "so-yte",
        "access": "public",
        "metadata": METADATA_EXAMPLE,
        "declared_content_type": "image/jpeg",
        "declared_size": 482133,
        "declared_sha256": _SHA,
        "content_type": "image/jpeg",
        "size": 471020,
        "sha256": "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
        "original_sha256": _SHA,
        "width": 1600,
        "height": 1200,
        "renditions": [
            {"name": "thumbnail", "content_type": "image/jpeg", "size": 18022, "width": 320, "height": 240},
            {"name": "preview", "content_type": "image/jpeg", "size": 160311, "width": 1280, "height": 960},
        ],
        "created_at": "2026-03-02T08:00:00Z",
        "created_by": _OFFICER,
        "updated_at": "2026-03-02T08:05:00Z",
        "upload_expires_at": "2026-03-02T08:15:00Z",
        "ready_at": "2026-03-02T08:01:00Z",
    }
).model_dump(mode="json")
ASSET_PAGE_EXAMPLE: dict[str, Any] = AssetPage(
    items=[Asset.model_validate(ASSET_EXAMPLE)], next_cursor="MTc3MjQzODQwMDAwMDAwMDphLTVm"
).model_dump(mode="json")
LINK_EXAMPLE: dict[str, Any] = DownloadLink.model_validate(
    {
        "asset_id": _ASSET_ID,
        "rendition": "original",
        "url": "http://127.0.0.1:8000/v1/media/blobs/media/objects/blobs/sha256/2c/2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"
        f"?response-content-disposition=attachment%3B%20filename%3D%22hop-bao.jpg%22&{_SIGNED}",
        "expires_at": "2026-03-02T08:10:00Z",
        "filename": "hop-bao.jpg",
        "content_type": "image/jpeg",
        "size": 471020,
    }
).model_dump(mode="json")
DOWNLOADS_EXAMPLE: dict[str, Any] = DownloadPage.model_validate(
    {
        "items": [
            {
                "asset_id": _ASSET_ID,
                "rendition": "original",
                "viewer_id": "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
                "viewer_role": "journalist",
                "at": "2026-03-02T08:06:00Z",
            }
        ]
    }
).model_dump(mode="json")


class NewUpload(Body):
    """`RequestUpload` without the actor: the caller uploads."""

    filename: str = Field(min_length=1, max_length=255, description="Its name; the stored name is cleaned.")
    content_type: str = Field(min_length=3, max_length=200, description="Declared; checked against the bytes.")
    size: int = Field(ge=1, description="Exact size in bytes; the URL takes no more.")
    sha256: str | None = Field(default=None, pattern=SHA256_PATTERN, description="Checked on completion if given.")
    owner_unit_code: str | None = Field(default=None, max_length=64, description="Default: the caller's unit.")
    access: AccessState = "draft"
    metadata: AssetMetadata = Field(default_factory=AssetMetadata)

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [UPLOAD_EXAMPLE]})


class MetadataChange(RevisionBody):
    metadata: AssetMetadata

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"metadata": METADATA_EXAMPLE, "expected_revision": 2}]}
    )


class AccessChange(RevisionBody):
    access: AccessState = Field(description="`draft` (its unit and editors), `internal` (officers), `public`.")

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"access": "public", "expected_revision": 2}]}
    )


class DownloadRequest(Body):
    rendition: RenditionName = "original"

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"rendition": "preview"}]})
