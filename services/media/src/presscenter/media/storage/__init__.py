"""Object storage: one contract (`ObjectStorage`), a local-directory adapter and an S3/MinIO adapter."""

from __future__ import annotations

from pathlib import Path

from presscenter.media.settings import MediaSettings
from presscenter.media.storage.contract import (
    IncompleteUpload,
    MultipartGrant,
    ObjectInfo,
    ObjectNotFound,
    ObjectStorage,
    PresignedPart,
    PresignedRequest,
    StorageError,
)
from presscenter.media.storage.local import LocalStorage
from presscenter.media.storage.s3 import S3Storage
from presscenter.media.storage.url_signing import UrlSigner, secrets_from

__all__ = [
    "IncompleteUpload",
    "LocalStorage",
    "MultipartGrant",
    "ObjectInfo",
    "ObjectNotFound",
    "ObjectStorage",
    "PresignedPart",
    "PresignedRequest",
    "S3Storage",
    "StorageError",
    "open_storage",
]


def open_storage(settings: MediaSettings, local_base_url: str, *, create_bucket: bool = True) -> ObjectStorage:
    """The adapter `settings.media_storage` names; `local_base_url` is where local signed URLs point.

    S3 makes no request unless `create_bucket` (then it creates the bucket when missing)."""
    if settings.media_storage == "s3":
        return S3Storage.connect(
            settings.media_s3_endpoint,
            access_key=settings.media_s3_access_key,
            secret_key=settings.media_s3_secret_key,
            bucket=settings.media_s3_bucket,
            region=settings.media_s3_region,
            secure=settings.media_s3_secure,
            public_endpoint=settings.media_s3_public_endpoint,
            public_secure=settings.media_s3_public_secure,
            create_bucket=create_bucket,
        )
    root = Path(settings.media_storage_dir)
    signer = UrlSigner(secrets_from(settings.media_url_secrets, root))
    return LocalStorage(root, signer, settings.media_public_url or local_base_url)
