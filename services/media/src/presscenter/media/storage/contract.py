"""The object storage contract: what the media service needs from wherever the bytes live.

Two adapters implement it with the same behaviour (one test suite runs against both): a local
directory whose presigned URLs are HMAC-signed and served by the media service itself, and
S3/MinIO through the `minio` SDK. Clients put and get bytes straight through presigned URLs;
the service itself only stats, streams, copies and deletes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol, runtime_checkable

CHUNK_SIZE = 1024 * 1024


class StorageError(Exception):
    """The object store refused or failed an operation."""


class ObjectNotFound(StorageError):
    """No object under that key."""


class IncompleteUpload(StorageError):
    """A multipart upload cannot be assembled: no parts, or parts the store refuses to join."""


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    content_type: str
    modified_at: datetime | None = None


@dataclass(frozen=True)
class PresignedRequest:
    """One HTTP request a client makes directly to storage, with the headers it must send."""

    method: str
    url: str
    expires_at: datetime
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PresignedPart:
    number: int
    offset: int
    size: int
    request: PresignedRequest


@dataclass(frozen=True)
class MultipartGrant:
    """A started multipart upload: one presigned PUT per part; `complete_multipart` joins them."""

    upload_id: str
    part_size: int
    parts: tuple[PresignedPart, ...]
    expires_at: datetime


@runtime_checkable
class ObjectStorage(Protocol):
    """Keys are `/`-separated lower-case paths made by `storage.keys`, never user input."""

    kind: str

    def presign_put(self, key: str, *, content_type: str, max_size: int, expires: timedelta) -> PresignedRequest:
        """A PUT URL for one object of at most `max_size` bytes (the local adapter enforces the cap
        while receiving; S3 cannot cap a presigned PUT, so the service checks the size on completion)."""
        ...

    def start_multipart(
        self, key: str, *, content_type: str, size: int, part_size: int, expires: timedelta
    ) -> MultipartGrant: ...

    def complete_multipart(self, key: str, upload_id: str) -> ObjectInfo:
        """Join the uploaded parts in order into `key`; `IncompleteUpload` when none arrived."""
        ...

    def abort_multipart(self, key: str, upload_id: str) -> None:
        """Drop the parts of an unfinished multipart upload; no error when it is already gone."""
        ...

    def presign_get(
        self, key: str, *, expires: timedelta, filename: str | None = None, content_type: str | None = None
    ) -> PresignedRequest:
        """A GET URL; `filename` becomes the Content-Disposition of the answer."""
        ...

    def stat(self, key: str) -> ObjectInfo:
        """Size and content type; `ObjectNotFound` when absent."""
        ...

    def exists(self, key: str) -> bool: ...

    def read_chunks(
        self, key: str, *, offset: int = 0, length: int | None = None, chunk_size: int = CHUNK_SIZE
    ) -> Iterator[bytes]:
        """Stream `length` bytes (all when None) from `offset`, chunk by chunk; close() releases it."""
        ...

    def put_file(self, key: str, path: Path, *, content_type: str) -> ObjectInfo: ...

    def put_bytes(self, key: str, data: bytes, *, content_type: str) -> ObjectInfo: ...

    def copy(self, source_key: str, dest_key: str) -> ObjectInfo:
        """Server-side copy (content type kept)."""
        ...

    def delete(self, key: str) -> None:
        """Remove `key`; no error when it is already gone."""
        ...

    def check(self) -> None:
        """Readiness: returns when the store answers, raises otherwise."""
        ...
