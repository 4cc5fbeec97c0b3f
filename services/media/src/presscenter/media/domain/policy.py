"""What may be uploaded, and the checks that decide whether uploaded bytes are accepted.

Request checks raise `InvalidInput` naming the field (nothing is stored yet); completion checks
return a `Refusal` (reason code of `asset_rejected` + a sentence) or None.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from presscenter.media.processing.filenames import BadFilename, check_filename, extension_of
from presscenter.media.processing.sniffing import KNOWN_TYPES, extension_matches, normalize_mime
from presscenter.shared.rpc.errors import InvalidInput

ReasonCode = Literal[
    "missing_object", "size_mismatch", "type_not_allowed", "type_mismatch", "checksum_mismatch", "corrupt", "too_large"
]
"""The reason codes of `asset_rejected`."""


@dataclass(frozen=True)
class Refusal:
    code: ReasonCode
    reason: str


@dataclass(frozen=True)
class UploadPolicy:
    allowed_types: frozenset[str]
    max_upload_bytes: int
    max_image_bytes: int
    max_image_pixels: int

    def max_size_for(self, mime: str) -> int:
        known = KNOWN_TYPES.get(mime)
        if known is not None and known.kind == "image":
            return min(self.max_image_bytes, self.max_upload_bytes)
        return self.max_upload_bytes

    def check_request(self, filename: str, content_type: str, size: int) -> tuple[str, str]:
        """The cleaned filename and normalized type of an acceptable upload request."""
        try:
            name = check_filename(filename)
        except BadFilename as exc:
            raise InvalidInput(str(exc), "filename") from None
        mime = normalize_mime(content_type)
        if mime not in self.allowed_types:
            allowed = ", ".join(sorted(self.allowed_types))
            raise InvalidInput(f"{mime} is not accepted here; accepted: {allowed}", "content_type")
        if not extension_matches(extension_of(name), mime):
            expected = ", ".join(f".{e}" for e in KNOWN_TYPES[mime].extensions)
            raise InvalidInput(f"a {mime} file is named {expected}, not .{extension_of(name)}", "filename")
        cap = self.max_size_for(mime)
        if size > cap:
            raise InvalidInput(f"{size} bytes is over the {cap}-byte limit for {mime}", "size")
        return name, mime


def check_stored_size(declared: int, stored: int, cap: int) -> Refusal | None:
    if stored > cap:
        return Refusal("too_large", f"{stored} bytes arrived; the limit is {cap}")
    if stored != declared:
        return Refusal("size_mismatch", f"{stored} bytes arrived; {declared} were declared")
    return None


def check_sniffed_type(sniffed: str | None, declared: str, allowed: frozenset[str]) -> Refusal | None:
    if sniffed is None:
        return Refusal("type_not_allowed", "the bytes are of no type this service recognises")
    if sniffed not in allowed:
        return Refusal("type_not_allowed", f"the bytes are {sniffed}, which is not accepted")
    if sniffed != declared:
        return Refusal("type_mismatch", f"declared {declared}, but the bytes are {sniffed}")
    return None


def check_digest(declared: str | None, actual: str) -> Refusal | None:
    if declared is not None and declared != actual:
        return Refusal("checksum_mismatch", f"sha256 of the bytes is {actual}, not the declared {declared}")
    return None
