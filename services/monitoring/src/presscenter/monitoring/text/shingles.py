"""Word shingles: overlapping n-grams of token keys, hashed to stable 32-bit integers.

CRC-32 is stable across processes and restarts (Python's `hash` of a str is not), so stored
signatures stay comparable. Keys are folded, so diacritics and social spellings do not change
a shingle.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence


def stable_hash(text: str) -> int:
    """A 32-bit hash of `text` that is the same in every process."""
    return zlib.crc32(text.encode("utf-8"))


def ngrams(keys: Sequence[str], n: int) -> list[str]:
    """The n-grams of `keys` joined by spaces; a sequence shorter than `n` is one n-gram of itself."""
    if n < 1:
        raise ValueError("n must be at least 1")
    if len(keys) < n:
        return [" ".join(keys)] if keys else []
    return [" ".join(keys[i : i + n]) for i in range(len(keys) - n + 1)]


def shingles(keys: Sequence[str], n: int = 3) -> set[int]:
    """Hashed n-gram shingles of `keys`."""
    return {stable_hash(gram) for gram in ngrams(keys, n)}


def hashed(grams: Iterable[str]) -> set[int]:
    return {stable_hash(g) for g in grams}
