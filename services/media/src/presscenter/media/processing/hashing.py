"""SHA-256 over a stream of chunks in constant memory, optionally copying the bytes to a file."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK_SIZE = 1024 * 1024


@dataclass(frozen=True)
class Digest:
    sha256: str
    size: int


def digest_chunks(chunks: Iterable[bytes], sink: BinaryIO | None = None) -> Digest:
    """Hash every chunk (and write it to `sink` when given); memory stays one chunk whatever the size."""
    sha = hashlib.sha256()
    size = 0
    for chunk in chunks:
        sha.update(chunk)
        size += len(chunk)
        if sink is not None:
            sink.write(chunk)
    return Digest(sha.hexdigest(), size)


def digest_file(path: Path, chunk_size: int = CHUNK_SIZE) -> Digest:
    with path.open("rb") as fh:
        return digest_chunks(iter(lambda: fh.read(chunk_size), b""))
