"""The local-directory object store: the embedded default of `make run` and of the tests.

Layout under the root: `objects/<key>` holds the bytes, `meta/<key>.json` the content type,
`multipart/<upload id>/` the parts of an unfinished multipart upload, `tmp/` what is being
written (every object appears whole, by rename). Presigned URLs are HMAC-signed (`url_signing`)
and point at the media service's HTTP address, which verifies them and calls `receive`,
`receive_part` or `read_chunks` here (see `presscenter.media.object_endpoint`).
"""

from __future__ import annotations

import json
import math
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

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
from presscenter.media.storage.url_signing import UrlSigner

ROUTE = "/media/objects/"
UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")
DEFAULT_TYPE = "application/octet-stream"
# Parameters of a signed URL (besides `expires` and `signature`).
MAX_SIZE = "max"
UPLOAD = "upload"
PART = "part"
DISPOSITION = "response-content-disposition"
RESPONSE_TYPE = "response-content-type"


class TooLarge(StorageError):
    """More bytes were sent than the URL allows."""


class IncompleteBody(StorageError):
    """The request body ended before its Content-Length."""


class LocalStorage:
    kind = "local"

    def __init__(self, root: Path, signer: UrlSigner, base_url: str, clock: Callable[[], float] = time.time):
        self.root = root.resolve()
        self.signer = signer
        self.base_url = base_url.rstrip("/")
        self.clock = clock
        for sub in ("objects", "meta", "multipart", "tmp"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)

    # --- paths ----------------------------------------------------------------------------------

    def _under(self, sub: str, relative: str) -> Path:
        base = self.root / sub
        path = (base / relative).resolve()
        if not path.is_relative_to(base):
            raise ValueError(f"{relative!r} leaves the store")
        return path

    def _object_path(self, key: str) -> Path:
        return self._under("objects", check_key(key))

    def _meta_path(self, key: str) -> Path:
        return self._under("meta", f"{check_key(key)}.json")

    def _upload_dir(self, upload_id: str) -> Path:
        if not UPLOAD_ID.match(upload_id):
            raise IncompleteUpload("no such multipart upload")
        return self._under("multipart", upload_id)

    def _tmp(self) -> Path:
        return self.root / "tmp" / secrets.token_hex(12)

    # --- signed URLs ----------------------------------------------------------------------------

    def _expiry(self, expires: timedelta) -> int:
        return math.ceil(self.clock() + expires.total_seconds())

    def _signed(
        self, method: str, key: str, expires_at: int, params: dict[str, str], **headers: str
    ) -> PresignedRequest:
        query = self.signer.query(method, key, expires_at, params)
        return PresignedRequest(
            method=method,
            url=f"{self.base_url}{ROUTE}{quote(key)}?{query}",
            expires_at=datetime.fromtimestamp(expires_at, UTC),
            headers={k.replace("_", "-"): v for k, v in headers.items()},
        )

    def presign_put(self, key: str, *, content_type: str, max_size: int, expires: timedelta) -> PresignedRequest:
        check_key(key)
        return self._signed("PUT", key, self._expiry(expires), {MAX_SIZE: str(max_size)}, Content_Type=content_type)

    def start_multipart(
        self, key: str, *, content_type: str, size: int, part_size: int, expires: timedelta
    ) -> MultipartGrant:
        check_key(key)
        upload_id = secrets.token_hex(16)
        count = max(1, math.ceil(size / part_size))
        folder = self._upload_dir(upload_id)
        folder.mkdir()
        manifest = {"key": key, "content_type": content_type, "part_size": part_size, "parts": count}
        (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        expires_at = self._expiry(expires)
        parts = []
        for number in range(1, count + 1):
            offset = (number - 1) * part_size
            length = min(part_size, size - offset) if size else 0
            params = {UPLOAD: upload_id, PART: str(number), MAX_SIZE: str(part_size)}
            request = self._signed("PUT", key, expires_at, params, Content_Type=DEFAULT_TYPE)
            parts.append(PresignedPart(number=number, offset=offset, size=length, request=request))
        return MultipartGrant(upload_id, part_size, tuple(parts), datetime.fromtimestamp(expires_at, UTC))

    def presign_get(
        self, key: str, *, expires: timedelta, filename: str | None = None, content_type: str | None = None
    ) -> PresignedRequest:
        check_key(key)
        params: dict[str, str] = {}
        if filename:
            params[DISPOSITION] = content_disposition(filename)
        if content_type:
            params[RESPONSE_TYPE] = content_type
        return self._signed("GET", key, self._expiry(expires), params)

    # --- objects --------------------------------------------------------------------------------

    def stat(self, key: str) -> ObjectInfo:
        path = self._object_path(key)
        try:
            st = path.stat()
        except FileNotFoundError:
            raise ObjectNotFound(key) from None
        if not path.is_file():
            raise ObjectNotFound(key)
        try:
            content_type = json.loads(self._meta_path(key).read_text(encoding="utf-8"))["content_type"]
        except (FileNotFoundError, ValueError, KeyError):
            content_type = DEFAULT_TYPE
        return ObjectInfo(key, st.st_size, content_type, datetime.fromtimestamp(st.st_mtime, UTC))

    def exists(self, key: str) -> bool:
        return self._object_path(key).is_file()

    def read_chunks(
        self, key: str, *, offset: int = 0, length: int | None = None, chunk_size: int = CHUNK_SIZE
    ) -> Iterator[bytes]:
        path = self._object_path(key)
        try:
            fh = path.open("rb")
        except (FileNotFoundError, IsADirectoryError):
            raise ObjectNotFound(key) from None
        return _chunks(fh, offset, length, chunk_size)

    def _publish(self, tmp: Path, key: str, content_type: str) -> ObjectInfo:
        """Move a fully written temporary file to `key`, content type first."""
        target, meta = self._object_path(key), self._meta_path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        meta.parent.mkdir(parents=True, exist_ok=True)
        meta_tmp = self._tmp()
        meta_tmp.write_text(json.dumps({"content_type": content_type}), encoding="utf-8")
        os.replace(meta_tmp, meta)
        os.replace(tmp, target)
        return self.stat(key)

    def put_file(self, key: str, path: Path, *, content_type: str) -> ObjectInfo:
        tmp = self._tmp()
        shutil.copyfile(path, tmp)
        return self._publish(tmp, key, content_type)

    def put_bytes(self, key: str, data: bytes, *, content_type: str) -> ObjectInfo:
        tmp = self._tmp()
        tmp.write_bytes(data)
        return self._publish(tmp, key, content_type)

    def copy(self, source_key: str, dest_key: str) -> ObjectInfo:
        source = self.stat(source_key)
        tmp = self._tmp()
        shutil.copyfile(self._object_path(source_key), tmp)
        return self._publish(tmp, dest_key, source.content_type)

    def delete(self, key: str) -> None:
        for path in (self._object_path(key), self._meta_path(key)):
            path.unlink(missing_ok=True)

    def check(self) -> None:
        probe = self._tmp()
        probe.write_bytes(b"ok")
        probe.unlink()

    # --- multipart ------------------------------------------------------------------------------

    def _manifest(self, upload_id: str, key: str) -> dict[str, object]:
        try:
            manifest: dict[str, object] = json.loads(
                (self._upload_dir(upload_id) / "manifest.json").read_text(encoding="utf-8")
            )
        except FileNotFoundError:
            raise IncompleteUpload("no such multipart upload (completed, aborted or never started)") from None
        if manifest["key"] != key:
            raise IncompleteUpload("that multipart upload belongs to another key")
        return manifest

    def complete_multipart(self, key: str, upload_id: str) -> ObjectInfo:
        manifest = self._manifest(upload_id, key)
        folder = self._upload_dir(upload_id)
        numbers = sorted(int(p.name) for p in folder.iterdir() if p.name.isdigit())
        if not numbers:
            raise IncompleteUpload("no part was uploaded")
        if numbers != list(range(1, len(numbers) + 1)):
            missing = sorted(set(range(1, numbers[-1] + 1)) - set(numbers))
            raise IncompleteUpload(f"parts {missing} are missing")
        tmp = self._tmp()
        with tmp.open("wb") as out:
            for number in numbers:
                with (folder / str(number)).open("rb") as part:
                    shutil.copyfileobj(part, out, CHUNK_SIZE)
        info = self._publish(tmp, key, str(manifest["content_type"]))
        shutil.rmtree(folder, ignore_errors=True)
        return info

    def abort_multipart(self, key: str, upload_id: str) -> None:
        try:
            self._manifest(upload_id, key)
        except IncompleteUpload:
            return
        shutil.rmtree(self._upload_dir(upload_id), ignore_errors=True)

    # --- receiving what a signed URL lets a client send -----------------------------------------

    def receive(self, key: str, body: BinaryIO, length: int, content_type: str, max_size: int) -> ObjectInfo:
        """Store `length` bytes from `body` at `key` (a client's signed PUT); nothing is kept on failure."""
        tmp = self._receive_to_tmp(body, length, max_size)
        return self._publish(tmp, key, content_type or DEFAULT_TYPE)

    def receive_part(self, key: str, upload_id: str, number: int, body: BinaryIO, length: int, max_size: int) -> int:
        manifest = self._manifest(upload_id, key)
        if not 1 <= number <= int(str(manifest["parts"])):
            raise IncompleteUpload(f"part {number} is not part of this upload")
        tmp = self._receive_to_tmp(body, length, max_size)
        os.replace(tmp, self._upload_dir(upload_id) / str(number))
        return length

    def _receive_to_tmp(self, body: BinaryIO, length: int, max_size: int) -> Path:
        if length > max_size:
            raise TooLarge(f"{length} bytes sent; this URL takes at most {max_size}")
        tmp = self._tmp()
        try:
            with tmp.open("wb") as out:
                remaining = length
                while remaining > 0:
                    chunk = body.read(min(CHUNK_SIZE, remaining))
                    if not chunk:
                        raise IncompleteBody(f"the body ended {remaining} bytes before its Content-Length")
                    out.write(chunk)
                    remaining -= len(chunk)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return tmp


def _chunks(fh: BinaryIO, offset: int, length: int | None, chunk_size: int) -> Iterator[bytes]:
    with fh:
        fh.seek(offset)
        remaining = length
        while remaining is None or remaining > 0:
            chunk = fh.read(chunk_size if remaining is None else min(chunk_size, remaining))
            if not chunk:
                return
            if remaining is not None:
                remaining -= len(chunk)
            yield chunk
