"""Settings of the media service: environment variables, over `ServiceSettings`' defaults.

Storage is either a local directory (`MEDIA_STORAGE=local`, the embedded default: the service
itself serves HMAC-signed upload and download URLs on its WEB_SERVER_ADDRESS) or S3/MinIO
(`MEDIA_STORAGE=s3`, through the `minio` SDK: presigned URLs point at the object store).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import NoDecode

from presscenter.shared.settings import ServiceSettings

MiB = 1024 * 1024
S3_MIN_PART = 5 * MiB
DEFAULT_ALLOWED_TYPES = (
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/gif",
    "video/mp4",
    "video/webm",
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)

CommaList = Annotated[list[str], NoDecode]


def _split(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class MediaSettings(ServiceSettings):
    """Database `presscenter_media` unless MONGO_DB says otherwise."""

    service_name = "media"

    # --- where the bytes live -----------------------------------------------------------------
    media_storage: Literal["local", "s3"] = Field("local", description="`local` directory or `s3` (MinIO, S3).")
    media_storage_dir: str = Field(".run/media", description="Root of the local object store.")
    media_public_url: str = Field(
        "",
        description="Base URL of the signed local URLs (the media service's HTTP address as clients reach it); "
        "default http://127.0.0.1:<port of WEB_SERVER_ADDRESS>.",
    )
    media_url_secrets: CommaList = Field(
        default_factory=list,
        description="HMAC secrets of local URLs, comma-separated, first signs; default a secret kept in "
        "<MEDIA_STORAGE_DIR>/.url-secret.",
    )
    media_s3_endpoint: str = Field("127.0.0.1:9000", description="host:port of MinIO/S3 as the service reaches it.")
    media_s3_public_endpoint: str = Field("", description="host:port in presigned URLs; default MEDIA_S3_ENDPOINT.")
    media_s3_access_key: str = Field("minioadmin")
    media_s3_secret_key: str = Field("minioadmin")
    media_s3_secure: bool = Field(False, description="HTTPS to the object store.")
    media_s3_public_secure: bool | None = Field(
        None, description="HTTPS in presigned URLs (clients' side, e.g. behind the Ingress); default MEDIA_S3_SECURE."
    )
    media_s3_region: str = Field("us-east-1")
    media_s3_bucket: str = Field("presscenter-media")
    media_work_dir: str = Field("", description="Scratch directory for images and documents being checked.")

    # --- what may be uploaded -----------------------------------------------------------------
    media_allowed_types: CommaList = Field(default_factory=lambda: list(DEFAULT_ALLOWED_TYPES))
    media_max_upload_bytes: int = Field(1024 * MiB, ge=1)
    media_max_image_bytes: int = Field(50 * MiB, ge=1, description="Images are decoded: a lower cap.")
    media_max_image_pixels: int = Field(60_000_000, ge=1, description="Width x height; above it = a bomb.")
    media_multipart_threshold: int = Field(64 * MiB, ge=S3_MIN_PART, description="Larger uploads go in parts.")
    media_part_size: int = Field(16 * MiB, ge=S3_MIN_PART)
    media_upload_expiry_seconds: int = Field(900, ge=10, le=7 * 24 * 3600)
    media_upload_grace_seconds: int = Field(
        3600, ge=0, description="After the URL expired: how long an upload may still be completed."
    )
    media_download_expiry_seconds: int = Field(300, ge=5, le=7 * 24 * 3600)
    media_processing_lease_seconds: int = Field(600, ge=5, description="A completion that died is retried after.")
    media_sweep_interval: float = Field(30.0, gt=0, description="Seconds between sweeps of expired uploads.")
    media_thumbnail_size: int = Field(320, ge=16, le=4096)
    media_preview_size: int = Field(1280, ge=16, le=8192)

    @field_validator("media_allowed_types", "media_url_secrets", mode="before")
    @classmethod
    def _split_lists(cls, value: Any) -> Any:
        return _split(value)
