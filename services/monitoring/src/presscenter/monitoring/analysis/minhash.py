"""MinHash signatures and locality-sensitive hashing, written here with numpy (signatures in C,
`_kernels.minhash`, where it is built).

A signature is the minimum, over a set of 32-bit shingle hashes, of `num_perm` hash functions
from the multiply-shift family `h(x) = ((a*x + b) mod 2**64) >> 32` (a odd): two sets agree on
one position with probability close to their Jaccard similarity. The LSH index cuts signatures
into `bands` bands of `rows` rows; two sets whose signatures share one whole band become
candidates, with probability `1 - (1 - J**rows)**bands` for Jaccard J.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any, Generic, TypeVar

import numpy as np
import numpy.typing as npt

from presscenter.monitoring.analysis.native import kernels

Signature = npt.NDArray[np.uint32]
K = TypeVar("K", bound=Hashable)
BandKeys = tuple[int | bytes, ...]
EMPTY_SLOT = np.uint32(0xFFFFFFFF)
_NONE = object()
_SHIFT = np.uint64(32)


class MinHasher:
    """Signatures of `num_perm` positions; the same `seed` gives the same hash functions everywhere."""

    def __init__(self, num_perm: int = 64, seed: int = 20261005):
        if num_perm < 1:
            raise ValueError("num_perm must be at least 1")
        rng = np.random.default_rng(seed)
        self.num_perm = num_perm
        self._a = rng.integers(1, 2**63, size=num_perm, dtype=np.uint64) | np.uint64(1)
        self._b = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)

    def signature(self, hashes: Iterable[int]) -> Signature:
        """The signature of a set of 32-bit hashes; an empty set gets all slots at the maximum."""
        if kernels is not None:  # the same arithmetic, without a num_perm x len(hashes) array
            found = np.empty(self.num_perm, dtype=np.uint32)
            kernels.minhash(hashes, self._a, self._b, found)
            return found
        values = np.fromiter(hashes, dtype=np.uint64)
        if values.size == 0:
            return np.full(self.num_perm, EMPTY_SLOT, dtype=np.uint32)
        mixed = np.multiply.outer(self._a, values)
        mixed += self._b[:, None]  # in place: one array for the whole computation
        # `>> 32` keeps the order, so the minimum is shifted instead of every value
        lowest = mixed.min(axis=1)
        lowest >>= _SHIFT
        return lowest.astype(np.uint32)


def estimated_jaccard(a: Signature, b: Signature) -> float:
    return float(np.count_nonzero(a == b)) / len(a)


class LshIndex(Generic[K]):
    """Banded LSH over signatures: `insert`, `query` (candidate keys), `remove`."""

    def __init__(self, num_perm: int = 64, bands: int = 32):
        if num_perm % bands:
            raise ValueError("bands must divide num_perm")
        self.bands = bands
        self.rows = num_perm // bands
        # a bucket is its lone key, or a set of keys once it has several (most hold one)
        self._tables: list[dict[int | bytes, Any]] = [{} for _ in range(bands)]
        self._keys: dict[K, tuple[int | bytes, ...]] = {}

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def _band_keys(self, signature: Signature) -> list[int | bytes]:
        """One key per band: the band's rows as one integer when they fit in 64 bits, else as bytes."""
        r = self.rows
        if r <= 2:
            packed = np.ascontiguousarray(signature, dtype=np.uint32).view(np.uint32 if r == 1 else np.uint64)
            return packed.tolist()  # type: ignore[no-any-return]
        return [signature[i * r : (i + 1) * r].tobytes() for i in range(self.bands)]

    def insert(self, key: K, signature: Signature) -> None:
        if key in self._keys:
            self.remove(key)
        bands = self._band_keys(signature)
        for table, band in zip(self._tables, bands, strict=True):
            bucket = table.get(band, _NONE)
            if bucket is _NONE:
                table[band] = key
            elif type(bucket) is set:
                bucket.add(key)
            elif bucket != key:
                table[band] = {bucket, key}
        self._keys[key] = tuple(bands)

    def remove(self, key: K) -> None:
        bands = self._keys.pop(key, None)
        if bands is None:
            return
        for table, band in zip(self._tables, bands, strict=True):
            bucket = table.get(band, _NONE)
            if type(bucket) is set:
                bucket.discard(key)
                if len(bucket) == 1:
                    table[band] = next(iter(bucket))
            elif bucket is not _NONE and bucket == key:
                del table[band]

    def query(self, signature: Signature) -> set[K]:
        """Keys that share at least one band with `signature`."""
        found: set[K] = set()
        for table, band in zip(self._tables, self._band_keys(signature), strict=True):
            bucket = table.get(band, _NONE)
            if type(bucket) is set:
                found |= bucket
            elif bucket is not _NONE:
                found.add(bucket)
        return found


class GroupedLshIndex(Generic[K]):
    """Banded LSH whose buckets count their keys per *group* (an item's story): `votes` gives each
    group how many of its keys share a band with a signature, summed over the bands, without
    visiting the keys one by one (a story republished a hundred times is one entry per band).

    Signatures come in as their band keys (`band_keys`), cut once per item for looking up and
    inserting. A bucket is its lone group while it holds one key, else a {group: keys} count."""

    def __init__(self, num_perm: int = 64, bands: int = 32):
        self._bands = LshIndex[K](num_perm, bands)  # for cutting signatures into band keys
        self._tables: list[dict[int | bytes, Any]] = [{} for _ in range(bands)]
        self._keys: dict[K, tuple[str, BandKeys]] = {}

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def band_keys(self, signature: Signature) -> BandKeys:
        """One key per band of `signature`, as `insert` and `votes` take them."""
        return tuple(self._bands._band_keys(signature))

    def insert(self, key: K, group: str, bands: BandKeys) -> None:
        if key in self._keys:
            self.remove(key)
        tables = self._tables
        # most bands of a new item are in no bucket yet: those are set without a loop in Python
        for table, band, bucket in zip(tables, bands, map(dict.get, tables, bands), strict=True):
            if bucket is None:
                table[band] = group
            elif type(bucket) is dict:
                bucket[group] = bucket.get(group, 0) + 1
            else:
                table[band] = {bucket: 2} if bucket == group else {bucket: 1, group: 1}
        self._keys[key] = (group, bands)

    def remove(self, key: K) -> None:
        found = self._keys.pop(key, None)
        if found is None:
            return
        group, bands = found
        tables = self._tables
        for table, band, bucket in zip(tables, bands, map(dict.get, tables, bands), strict=True):
            if type(bucket) is dict:
                left = bucket.get(group, 0) - 1
                if left > 0:
                    bucket[group] = left
                else:
                    bucket.pop(group, None)
                if not bucket:
                    del table[band]
                elif len(bucket) == 1:
                    ((only, count),) = bucket.items()
                    if count == 1:
                        table[band] = only
            elif bucket is not None and bucket == group:
                del table[band]

    def votes(self, bands: BandKeys) -> dict[str, int]:
        """For each group with a key sharing a band with `bands`: such (band, key) pairs, the
        groups in the order they are first met (band by band, each bucket in its own order)."""
        votes: dict[str, int] = {}
        get = votes.get
        for bucket in map(dict.get, self._tables, bands):
            if bucket is None:
                continue
            if type(bucket) is dict:
                for group, count in bucket.items():
                    votes[group] = get(group, 0) + count
            else:
                votes[bucket] = get(bucket, 0) + 1
        return votes
