"""Verifying and storing uploaded bytes: storage + processing, no datastore.

`Verification.run` takes an asset whose bytes were put under `uploads/<id>` and either stores
them (`StoredContent`) or refuses them (`Refusal`); it never writes the asset record, and it
never deletes the upload (the caller does, once the outcome is recorded: `discard_upload`).

1. The object must exist (a multipart upload is joined first); its size must be the declared
   one and within the cap.
2. Its type is sniffed from the first bytes, must be allowed and equal the declared type.
3. One streaming pass computes the sha256 (compared with the declared one). Images and ZIP
   containers are also copied to a scratch file in that pass: a ZIP's entries tell DOCX from
   XLSX from a plain ZIP; an image is decoded within the pixel budget, re-encoded without its
   metadata, and its renditions made.
4. The stored bytes (cleaned for images) go to their content address: identical bytes are
   stored once (server-side copy for everything but images), then the renditions.
"""

from __future__ import annotations

import logging
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass
from pathlib import Path

from presscenter.media.domain.assets import StoredContent
from presscenter.media.domain.policy import (
    Refusal,
    UploadPolicy,
    check_digest,
    check_sniffed_type,
    check_stored_size,
)
from presscenter.media.processing.hashing import digest_chunks, digest_file
from presscenter.media.processing.images import (
    PIL_FORMATS,
    ImageRefused,
    RenditionSpec,
    clean_image,
    make_renditions,
)
from presscenter.media.processing.sniffing import HEAD_SIZE, KNOWN_TYPES, ZIP, sniff_head, sniff_zip
from presscenter.media.storage.contract import IncompleteUpload, ObjectInfo, ObjectNotFound, ObjectStorage
from presscenter.media.storage.keys import blob_key, rendition_key, store_content_addressed, upload_key
from presscenter.shared.rpc.media import Asset, Rendition

_log = logging.getLogger(__name__)


class NotUploaded(Exception):
    """No bytes (or not all parts) are in storage yet: the client may still put them."""


@dataclass(frozen=True)
class Verification:
    storage: ObjectStorage
    policy: UploadPolicy
    renditions: Sequence[RenditionSpec]
    work_dir: Path | None = None
    pause: Callable[[], None] = lambda: None
    """Called between chunks: lets other green threads run during a long hash."""

    def run(self, asset: Asset, multipart_upload_id: str = "") -> StoredContent | Refusal:
        key = upload_key(asset.id)
        info = self._uploaded(key, multipart_upload_id)
        cap = self.policy.max_size_for(asset.declared_content_type)
        refusal = check_stored_size(asset.declared_size, info.size, cap)
        if refusal:
            return refusal
        head = b"".join(self.storage.read_chunks(key, length=HEAD_SIZE))
        sniffed = sniff_head(head)
        kind = KNOWN_TYPES[sniffed].kind if sniffed in KNOWN_TYPES else None
        needs_file = sniffed == ZIP or kind == "image"
        if sniffed != ZIP:
            refusal = check_sniffed_type(sniffed, asset.declared_content_type, self.policy.allowed_types)
            if refusal:
                return refusal
        if kind == "image" and sniffed not in PIL_FORMATS:
            return Refusal("type_not_allowed", f"{sniffed} images cannot be cleaned of their metadata here")
        with ExitStack() as scratch:
            folder = Path(scratch.enter_context(tempfile.TemporaryDirectory(dir=self.work_dir, prefix="media-")))
            local = folder / "upload"
            with local.open("wb") if needs_file else nullcontext() as sink:
                digest = digest_chunks(self._paced(self.storage.read_chunks(key)), sink)
            refusal = check_stored_size(asset.declared_size, digest.size, cap) or check_digest(
                asset.declared_sha256, digest.sha256
            )
            if refusal:
                return refusal
            if sniffed == ZIP:
                return self._store_container(asset, key, local, digest.sha256)
            if kind == "image":
                return self._store_image(asset, local, folder, str(sniffed), digest.sha256)
            stored, _ = store_content_addressed(self.storage, key, digest.sha256)
            return StoredContent(str(sniffed), stored.size, digest.sha256, digest.sha256)

    def _uploaded(self, key: str, multipart_upload_id: str) -> ObjectInfo:
        try:
            return self.storage.stat(key)
        except ObjectNotFound:
            if not multipart_upload_id:
                raise NotUploaded("no bytes were put to the upload URL yet") from None
        try:
            return self.storage.complete_multipart(key, multipart_upload_id)
        except IncompleteUpload as exc:
            raise NotUploaded(f"the multipart upload cannot be completed yet: {exc}") from None

    def _paced(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        for chunk in chunks:
            self.pause()
            yield chunk

    def _store_container(self, asset: Asset, key: str, local: Path, sha256: str) -> StoredContent | Refusal:
        try:
            real = sniff_zip(local)
        except zipfile.BadZipFile:
            return Refusal("corrupt", "the ZIP container cannot be read")
        refusal = check_sniffed_type(real, asset.declared_content_type, self.policy.allowed_types)
        if refusal:
            return refusal
        stored, _ = store_content_addressed(self.storage, key, sha256)
        return StoredContent(real, stored.size, sha256, sha256)

    def _store_image(
        self, asset: Asset, local: Path, folder: Path, mime: str, original: str
    ) -> StoredContent | Refusal:
        clean = folder / "clean"
        try:
            image = clean_image(local, clean, mime, self.policy.max_image_pixels)
            made = make_renditions(clean, folder, self.renditions, mime)
        except ImageRefused as refused:
            return Refusal(refused.code, refused.reason)
        cleaned = digest_file(clean)
        target = blob_key(cleaned.sha256)
        if not self.storage.exists(target):
            self.storage.put_file(target, clean, content_type=mime)
        renditions = []
        for rendition in made:
            rkey = rendition_key(cleaned.sha256, rendition.spec.name, rendition.spec.extension)
            if not self.storage.exists(rkey):
                self.storage.put_file(rkey, rendition.path, content_type=rendition.spec.content_type)
            size = rendition.path.stat().st_size
            renditions.append(
                Rendition(
                    name=rendition.spec.name,  # type: ignore[arg-type]
                    content_type=rendition.spec.content_type,
                    size=size,
                    width=rendition.width,
                    height=rendition.height,
                )
            )
        return StoredContent(mime, cleaned.size, cleaned.sha256, original, image.width, image.height, tuple(renditions))

    def discard_upload(self, asset_id: str, multipart_upload_id: str = "") -> None:
        """Remove what the client uploaded (and any unjoined parts); safe to repeat."""
        key = upload_key(asset_id)
        if multipart_upload_id:
            self.storage.abort_multipart(key, multipart_upload_id)
        self.storage.delete(key)
