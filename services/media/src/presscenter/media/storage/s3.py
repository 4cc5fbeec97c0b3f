"""S3 / MinIO object store through the `minio` SDK: what production uses.

Presigned URLs are signed by a second client set to the endpoint clients reach
(MEDIA_S3_PUBLIC_ENDPOINT) with the region fixed, so presigning makes no network call.
Multipart uploads use the SDK's low-level multipart calls (`_create_multipart_upload`,
`_list_parts`, `_complete_multipart_upload`, `_abort_multipart_upload`: minio-py offers no
public presigned-multipart API) and presign one `PUT ?partNumber=&uploadId=` per part; on
completion the service lists the parts itself, so clients need not report ETags.

A presigned PUT cannot carry a size cap (S3 signs no Content-Length for it): the service checks
the stored size on completion and deletes what is over the cap; the local adapter refuses it
while receiving.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import urllib3
from minio import Minio
from minio.commonconfig import CopySource
from minio.datatypes import Part
from minio.error import S3Error

from presscenter.media.storage.contract import (
    CHUNK_SIZE,
    IncompleteUpload,
    MultipartGrant,
    ObjectInfo,
    ObjectNotFound,
    PresignedPart,
    PresignedRequest,
    StorageError,
)
from presscenter.media.storage.disposition import content_disposition
from presscenter.media.storage.keys import check_key

MISSING = frozenset({"NoSuchKey", "NoSuchObject", "ResourceNotFound"})
PART_CONTENT_TYPE = "application/octet-stream"
MAX_PARTS = 10_000


def _wrap(exc: S3Error, key: str) -> StorageError:
    if exc.code in MISSING:
        return ObjectNotFound(key)
    return StorageError(f"{exc.code}: {exc.message}")


class S3Storage:
    kind = "s3"

    def __init__(self, client: Minio, bucket: str, presigner: Minio | None = None):
        self.client = client
        self.bucket = bucket
        self.presigner = presigner or client

    @classmethod
    def connect(
        cls,
        endpoint: str,
        *,
        access_key: str,
        secret_key: str,
        bucket: str,
        region: str = "us-east-1",
        secure: bool = False,
        public_endpoint: str = "",
        public_secure: bool | None = None,
        create_bucket: bool = True,
    ) -> S3Storage:
        """Clients for `endpoint` (and `public_endpoint`, over HTTPS when `public_secure`, default
        `secure`, for presigning); makes no request unless `create_bucket`, which creates the bucket
        when it is missing."""
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=5, read=120),
            retries=urllib3.Retry(total=3, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]),
            maxsize=20,
        )

        def client(at: str, tls: bool) -> Minio:
            return Minio(at, access_key=access_key, secret_key=secret_key, secure=tls, region=region, http_client=http)

        public_tls = secure if public_secure is None else public_secure
        presigner = client(public_endpoint, public_tls) if public_endpoint else None
        storage = cls(client(endpoint, secure), bucket, presigner)
        if create_bucket:
            storage.ensure_bucket()
        return storage

    def ensure_bucket(self) -> None:
        if self.client.bucket_exists(self.bucket):
            return
        try:
            self.client.make_bucket(self.bucket)
        except S3Error as exc:  # another replica made it first
            if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise

    # --- presigned URLs -------------------------------------------------------------------------

    def _presign(self, method: str, key: str, expires: timedelta, **kwargs: Any) -> tuple[str, datetime]:
        expires_at = datetime.now(UTC) + expires
        url = self.presigner.get_presigned_url(method, self.bucket, check_key(key), expires, **kwargs)
        return url, expires_at

    def presign_put(self, key: str, *, content_type: str, max_size: int, expires: timedelta) -> PresignedRequest:
        url, expires_at = self._presign("PUT", key, expires)
        return PresignedRequest("PUT", url, expires_at, {"Content-Type": content_type})

    def start_multipart(
        self, key: str, *, content_type: str, size: int, part_size: int, expires: timedelta
    ) -> MultipartGrant:
        part_size = max(part_size, math.ceil(size / MAX_PARTS))
        upload_id = self.client._create_multipart_upload(self.bucket, check_key(key), {"Content-Type": content_type})
        count = max(1, math.ceil(size / part_size))
        parts = []
        expires_at = datetime.now(UTC) + expires
        for number in range(1, count + 1):
            offset = (number - 1) * part_size
            url, _ = self._presign(
                "PUT", key, expires, extra_query_params={"uploadId": upload_id, "partNumber": str(number)}
            )
            request = PresignedRequest("PUT", url, expires_at, {"Content-Type": PART_CONTENT_TYPE})
            parts.append(PresignedPart(number, offset, min(part_size, size - offset) if size else 0, request))
        return MultipartGrant(upload_id, part_size, tuple(parts), expires_at)

    def presign_get(
        self, key: str, *, expires: timedelta, filename: str | None = None, content_type: str | None = None
    ) -> PresignedRequest:
        response_headers = {}
        if filename:
            response_headers["response-content-disposition"] = content_disposition(filename)
        if content_type:
            response_headers["response-content-type"] = content_type
        url, expires_at = self._presign("GET", key, expires, response_headers=response_headers or None)
        return PresignedRequest("GET", url, expires_at)

    # --- multipart ------------------------------------------------------------------------------

    def _uploaded_parts(self, key: str, upload_id: str) -> list[Any]:
        parts: list[Any] = []
        marker: str | None = None
        while True:
            try:
                page = self.client._list_parts(self.bucket, key, upload_id, part_number_marker=marker)
            except S3Error as exc:
                if exc.code == "NoSuchUpload":
                    raise IncompleteUpload("no such multipart upload (completed, aborted or never started)") from None
                raise _wrap(exc, key) from exc
            parts.extend(page.parts)
            if not page.is_truncated:
                return parts
            marker = str(page.next_part_number_marker)

    def complete_multipart(self, key: str, upload_id: str) -> ObjectInfo:
        parts = sorted(self._uploaded_parts(check_key(key), upload_id), key=lambda p: p.part_number)
        if not parts:
            raise IncompleteUpload("no part was uploaded")
        numbers = [p.part_number for p in parts]
        if numbers != list(range(1, len(numbers) + 1)):
            missing = sorted(set(range(1, numbers[-1] + 1)) - set(numbers))
            raise IncompleteUpload(f"parts {missing} are missing")
        try:
            self.client._complete_multipart_upload(
                self.bucket, key, upload_id, [Part(p.part_number, p.etag) for p in parts]
            )
        except S3Error as exc:
            if exc.code in ("EntityTooSmall", "InvalidPart", "InvalidPartOrder", "NoSuchUpload"):
                raise IncompleteUpload(f"{exc.code}: {exc.message}") from None
            raise _wrap(exc, key) from exc
        return self.stat(key)

    def abort_multipart(self, key: str, upload_id: str) -> None:
        try:
            self.client._abort_multipart_upload(self.bucket, check_key(key), upload_id)
        except S3Error as exc:
            if exc.code != "NoSuchUpload":
                raise _wrap(exc, key) from exc

    # --- objects --------------------------------------------------------------------------------

    def stat(self, key: str) -> ObjectInfo:
        try:
            obj = self.client.stat_object(self.bucket, check_key(key))
        except S3Error as exc:
            raise _wrap(exc, key) from exc
        return ObjectInfo(key, int(obj.size or 0), obj.content_type or PART_CONTENT_TYPE, obj.last_modified)

    def exists(self, key: str) -> bool:
        try:
            self.stat(key)
        except ObjectNotFound:
            return False
        return True

    def read_chunks(
        self, key: str, *, offset: int = 0, length: int | None = None, chunk_size: int = CHUNK_SIZE
    ) -> Iterator[bytes]:
        if length == 0:
            return iter(())
        try:
            response = self.client.get_object(self.bucket, check_key(key), offset=offset, length=length or 0)
        except S3Error as exc:
            if exc.code == "InvalidRange":  # offset at or past the end: nothing to read
                return iter(())
            raise _wrap(exc, key) from exc
        return _stream(response, chunk_size)

    def put_file(self, key: str, path: Path, *, content_type: str) -> ObjectInfo:
        self.client.fput_object(self.bucket, check_key(key), str(path), content_type=content_type)
        return self.stat(key)

    def put_bytes(self, key: str, data: bytes, *, content_type: str) -> ObjectInfo:
        self.client.put_object(self.bucket, check_key(key), io.BytesIO(data), len(data), content_type=content_type)
        return self.stat(key)

    def copy(self, source_key: str, dest_key: str) -> ObjectInfo:
        try:
            self.client.copy_object(self.bucket, check_key(dest_key), CopySource(self.bucket, check_key(source_key)))
        except S3Error as exc:
            raise _wrap(exc, source_key) from exc
        return self.stat(dest_key)

    def delete(self, key: str) -> None:
        try:
            self.client.remove_object(self.bucket, check_key(key))
        except S3Error as exc:
            if exc.code not in MISSING:
                raise _wrap(exc, key) from exc

    def check(self) -> None:
        if not self.client.bucket_exists(self.bucket):
            raise StorageError(f"bucket {self.bucket} does not exist")


def _stream(response: Any, chunk_size: int) -> Iterator[bytes]:
    try:
        yield from response.stream(chunk_size)
    finally:
        response.close()
        response.release_conn()
