"""Events of the media library (exchange `media.events`)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from presscenter.shared.events.envelope import EventPayload

AccessState = Literal["draft", "internal", "public"]


class _AssetEvent(EventPayload):
    channel: ClassVar[str] = "media"
    asset_id: str = Field(min_length=1, max_length=64)


class AssetReady(_AssetEvent):
    """An uploaded asset was verified, cleaned and its renditions made."""

    event_type: ClassVar[str] = "asset_ready"
    event_version: ClassVar[int] = 1
    content_type: str = Field(max_length=200)
    size: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    access: AccessState
    renditions: list[str] = Field(default_factory=list, description="Rendition names made.")
    owner_unit_code: str | None = Field(default=None, max_length=64)
    original_sha256: str | None = Field(
        default=None, pattern=r"^[0-9a-f]{64}$", description="Digest as uploaded (images are stored cleaned)."
    )
    ai_generated: bool = Field(default=False, description="Marked as made by a trained algorithm (IPTC).")


class AssetRejected(_AssetEvent):
    """An upload was refused (type, size, checksum ...); its object was removed."""

    event_type: ClassVar[str] = "asset_rejected"
    event_version: ClassVar[int] = 1
    reason_code: Literal[
        "missing_object",
        "size_mismatch",
        "type_not_allowed",
        "type_mismatch",
        "checksum_mismatch",
        "corrupt",
        "too_large",
    ]
    reason: str = Field(max_length=2_000)


class AssetReleased(_AssetEvent):
    """An asset attached to a release became available to the press: the release was published, or
    its embargo lifted."""

    event_type: ClassVar[str] = "asset_released"
    event_version: ClassVar[int] = 1
    release_id: str = Field(min_length=1, max_length=64)
    access: AccessState = "public"
