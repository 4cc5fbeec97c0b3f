"""Media RPC contracts: the asset as clients see it, its IPTC-style metadata, and every request.

An upload goes in three steps: `request_upload` (declared name, type, size, optional sha256) →
the client PUTs the bytes straight to storage with the presigned URL(s) it got (one, or one per
part for large files) → `complete_upload`, which verifies and processes them and answers the
asset `ready` or `rejected`. The asset id is the upload's id. `revision` counts every change to
the record and is what callers name to change its metadata or access.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, computed_field

from presscenter.shared.events.common import Actor
from presscenter.shared.events.envelope import ContractModel
from presscenter.shared.events.media import AccessState
from presscenter.shared.rpc.releases import Viewer

AssetStatus = Literal["awaiting_upload", "processing", "ready", "rejected", "expired"]
RenditionName = Literal["original", "thumbnail", "preview"]
SHA256_PATTERN = r"^[0-9a-f]{64}$"
ASSET_ID_PATTERN = r"^a-[0-9a-f]{20}$"

# IPTC NewsCodes Digital Source Type (https://cv.iptc.org/newscodes/digitalsourcetype/).
DigitalSourceType = Literal[
    "digitalCapture",
    "computationalCapture",
    "negativeFilm",
    "positiveFilm",
    "print",
    "humanEdits",
    "compositeCapture",
    "algorithmicallyEnhanced",
    "dataDrivenMedia",
    "digitalCreation",
    "virtualRecording",
    "screenCapture",
    "compositeSynthetic",
    "algorithmicMedia",
    "trainedAlgorithmicMedia",
    "compositeWithTrainedAlgorithmicMedia",
]
AI_GENERATED_SOURCES: frozenset[str] = frozenset({"trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia"})
DIGITAL_SOURCE_TYPE_BASE = "http://cv.iptc.org/newscodes/digitalsourcetype/"


class Caption(ContractModel):
    """IPTC Description, Vietnamese first."""

    vi: str = Field(default="", max_length=5_000)
    en: str = Field(default="", max_length=5_000)


class AssetMetadata(ContractModel):
    """IPTC Photo Metadata-style fields; stored with the asset, not written into the file."""

    title: str = Field(default="", max_length=500)
    caption: Caption = Field(default_factory=Caption)
    creator: str = Field(default="", max_length=200, description="IPTC Creator: who made the picture.")
    credit_line: str = Field(default="", max_length=300, description="How to credit it when published.")
    copyright_notice: str = Field(default="", max_length=500)
    licence: str = Field(default="", max_length=500, description="Licence name or URL (IPTC Web Statement).")
    digital_source_type: DigitalSourceType | None = Field(
        default=None, description="How it was made; AI-generated media is marked by the trained-algorithm types."
    )
    tags: tuple[str, ...] = Field(default=(), max_length=50)
    linked_release_ids: tuple[str, ...] = Field(default=(), max_length=50)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ai_generated(self) -> bool:
        return self.digital_source_type in AI_GENERATED_SOURCES


class Rendition(ContractModel):
    name: RenditionName
    content_type: str
    size: int
    width: int | None = None
    height: int | None = None


class Rejection(ContractModel):
    reason_code: str
    reason: str


class EmbargoHold(ContractModel):
    """The asset is attached to a release under embargo until `until`."""

    release_id: str
    until: datetime


class Asset(ContractModel):
    id: str
    status: AssetStatus
    revision: int = Field(ge=1)
    filename: str
    owner_unit_code: str
    access: AccessState
    metadata: AssetMetadata
    declared_content_type: str
    declared_size: int
    declared_sha256: str | None = None
    content_type: str | None = Field(default=None, description="Sniffed from the bytes once verified.")
    size: int | None = Field(default=None, description="Stored size (images are re-encoded without metadata).")
    sha256: str | None = Field(default=None, description="Digest of the stored bytes (its content address).")
    original_sha256: str | None = Field(default=None, description="Digest of the bytes as uploaded.")
    width: int | None = None
    height: int | None = None
    renditions: tuple[Rendition, ...] = ()
    embargoes: tuple[EmbargoHold, ...] = ()
    rejection: Rejection | None = None
    created_at: datetime
    created_by: Actor
    updated_at: datetime
    upload_expires_at: datetime
    ready_at: datetime | None = None
    released_at: datetime | None = None


# --- requests and responses -------------------------------------------------------------------


class RequestUpload(ContractModel):
    actor: Actor
    filename: str = Field(min_length=1, max_length=255)
    content_type: str = Field(min_length=3, max_length=200, description="Declared; checked against the bytes.")
    size: int = Field(ge=1, description="Exact size in bytes; the URL takes no more.")
    sha256: str | None = Field(default=None, pattern=SHA256_PATTERN, description="Checked on completion if given.")
    owner_unit_code: str | None = Field(default=None, max_length=64, description="Default: the actor's unit.")
    access: AccessState = "draft"
    metadata: AssetMetadata = Field(default_factory=AssetMetadata)


class PresignedHttpRequest(ContractModel):
    method: Literal["PUT", "GET"]
    url: str
    headers: dict[str, str] = Field(default_factory=dict, description="Send these headers as they are.")
    expires_at: datetime


class UploadPart(ContractModel):
    part_number: int = Field(ge=1)
    offset: int = Field(ge=0, description="Byte offset of this part in the file.")
    size: int = Field(ge=0)
    request: PresignedHttpRequest


class UploadGrant(ContractModel):
    """Where to put the bytes: one PUT (`upload`), or one PUT per part (`parts`) for large files."""

    asset_id: str
    max_size: int
    expires_at: datetime
    upload: PresignedHttpRequest | None = None
    parts: tuple[UploadPart, ...] = ()
    part_size: int | None = None


class AssetRef(ContractModel):
    actor: Actor
    asset_id: str = Field(pattern=ASSET_ID_PATTERN)


class CompleteUpload(AssetRef):
    """The bytes are in storage: verify, clean and store them."""


class GetAsset(ContractModel):
    viewer: Viewer
    asset_id: str = Field(pattern=ASSET_ID_PATTERN)


class UpdateMetadata(AssetRef):
    expected_revision: int = Field(ge=1)
    metadata: AssetMetadata


class SetAccess(AssetRef):
    expected_revision: int = Field(ge=1)
    access: AccessState


class GetDownloadUrl(ContractModel):
    viewer: Viewer
    asset_id: str = Field(pattern=ASSET_ID_PATTERN)
    rendition: RenditionName = "original"


class DownloadLink(ContractModel):
    asset_id: str
    rendition: RenditionName
    url: str
    expires_at: datetime
    filename: str
    content_type: str
    size: int


class ListAssets(ContractModel):
    viewer: Viewer
    owner_unit_code: str | None = Field(default=None, max_length=64)
    release_id: str | None = Field(default=None, max_length=64)
    tag: str | None = Field(default=None, max_length=100)
    status: AssetStatus | None = None
    access: AccessState | None = None
    cursor: str | None = Field(default=None, max_length=200)
    limit: int = Field(default=20, ge=1, le=100)


class AssetPage(ContractModel):
    items: list[Asset]
    next_cursor: str | None = None


class ListDownloads(ContractModel):
    viewer: Viewer
    asset_id: str = Field(pattern=ASSET_ID_PATTERN)
    limit: int = Field(default=100, ge=1, le=1_000)


class DownloadRecord(ContractModel):
    asset_id: str
    rendition: RenditionName
    viewer_id: str
    viewer_role: str
    viewer_unit_code: str | None = None
    at: datetime


class DownloadPage(ContractModel):
    items: list[DownloadRecord]


METHODS = (
    ("request_upload", RequestUpload, UploadGrant, "Declare an upload; get presigned PUT URL(s) with a size cap."),
    ("complete_upload", CompleteUpload, Asset, "Verify, clean and store uploaded bytes: ready or rejected."),
    ("get_asset", GetAsset, Asset, "One asset as the viewer may see it."),
    ("update_metadata", UpdateMetadata, Asset, "Replace the IPTC-style metadata of an asset."),
    ("set_access", SetAccess, Asset, "Move an asset between draft, internal and public."),
    ("download_url", GetDownloadUrl, DownloadLink, "A short-lived download URL after a permission check, audited."),
    ("list_assets", ListAssets, AssetPage, "Assets the viewer may see, filtered, cursor-paginated."),
    ("list_downloads", ListDownloads, DownloadPage, "The download audit of one asset (editors, owning unit)."),
)
