"""Where objects live in the store. Keys are made here from ids and digests, never from filenames.

- `uploads/<asset id>`: what a client put, until it is verified (then removed);
- `blobs/sha256/<aa>/<digest>`: verified content, stored once per distinct bytes;
- `renditions/<aa>/<digest>/<name>.<ext>`: derived images of a blob.
"""

from __future__ import annotations

import re

from presscenter.media.storage.contract import ObjectInfo, ObjectNotFound, ObjectStorage

KEY = re.compile(r"^[a-z0-9][a-z0-9_.-]*(/[a-z0-9][a-z0-9_.-]*)*$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
ASSET_ID = re.compile(r"^a-[0-9a-f]{20}$")


def check_key(key: str) -> str:
    """`key` if it is a storage key (no empty, dot-leading or upper-case segments); ValueError otherwise."""
    if len(key) > 512 or not KEY.match(key):
        raise ValueError(f"not a storage key: {key[:80]!r}")
    return key


def upload_key(asset_id: str) -> str:
    if not ASSET_ID.match(asset_id):
        raise ValueError(f"not an asset id: {asset_id[:80]!r}")
    return f"uploads/{asset_id}"


def blob_key(sha256: str) -> str:
    if not SHA256.match(sha256):
        raise ValueError("not a sha256 hex digest")
    return f"blobs/sha256/{sha256[:2]}/{sha256}"


def rendition_key(sha256: str, name: str, extension: str) -> str:
    if not SHA256.match(sha256):
        raise ValueError("not a sha256 hex digest")
    return check_key(f"renditions/{sha256[:2]}/{sha256}/{name}.{extension}")


def store_content_addressed(storage: ObjectStorage, source_key: str, sha256: str) -> tuple[ObjectInfo, bool]:
    """Copy `source_key` to its content address unless those bytes are stored already.

    Returns the stored object and whether a copy was made (False = deduplicated). The caller
    vouches that `sha256` is the digest of the source's bytes.
    """
    key = blob_key(sha256)
    try:
        return storage.stat(key), False
    except ObjectNotFound:
        return storage.copy(source_key, key), True
