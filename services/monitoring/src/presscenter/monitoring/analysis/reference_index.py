"""All references of the claim registry as sparse columns, for `claim_bounds` to bound every
window x reference score of an item at once with numpy instead of scoring each pair.

Each reference has a *slot*. The index keeps, for each content key, the slots that have it (and
how many times), and for each adjacent key pair, the slots that have it; per slot, its trust, its
number of pairs, and its total weight (the sum of its tokens' idf) both now (`totals`, from
document frequencies kept in step with `TermStats`) and as of the last `refresh` (what the
candidate filter compares with, as the matcher always did).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from presscenter.monitoring.analysis.native import kernels
from presscenter.monitoring.analysis.references import Reference
from presscenter.monitoring.analysis.terms import PRIOR_DOCS, TermStats

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
NO_SLOTS: Ints = np.zeros(0, dtype=np.int64)


class ReferenceIndex:
    def __init__(self, terms: TermStats, refresh_docs: int = 200):
        self.terms = terms
        self.refresh_docs = refresh_docs
        self.refs: list[Reference | None] = []
        self._free: list[int] = []
        self._slots: dict[int, int] = {}  # id(reference) -> slot
        self._keys: dict[str, dict[int, int]] = {}  # key -> {slot: count}
        self._pairs: dict[tuple[str, str], set[int]] = {}
        self.counts: list[dict[str, int]] = []  # per slot, how many tokens it has of each key
        self._key_arrays: dict[str, tuple[Ints, Floats]] = {}  # key -> its postings (slots, counts)
        self._pair_arrays: dict[tuple[str, str], Ints] = {}
        # document frequencies of every key a reference had, kept in step with `terms`
        self._key_ids: dict[str, int] = {}
        self._df = np.zeros(64)
        self._token_ids: list[Ints] = []  # per slot, the key id of each token
        self._all_tokens: tuple[Ints, Ints] | None = None  # (slot, key id) of every token
        self.filter_total = np.zeros(0)  # per slot, its total weight as of the last refresh
        self.pair_count = np.zeros(0)
        self.trust = np.zeros(0)
        self.alive = np.zeros(0, dtype=bool)
        self._floors: tuple[float, Floats] | None = None  # the last `floors` asked for
        self._refreshed_at = terms.docs
        terms.watch(self._counted)

    def __len__(self) -> int:
        return len(self._slots)

    def slot(self, ref: Reference) -> int | None:
        return self._slots.get(id(ref))

    # --- changing -------------------------------------------------------------------------------

    def add(self, ref: Reference) -> int:
        slot = self._free.pop() if self._free else self._grow()
        self.refs[slot] = ref
        self._slots[id(ref)] = slot
        counts: dict[str, int] = {}
        for token in ref.tokens:
            counts[token.key] = counts.get(token.key, 0) + 1
        for key, count in counts.items():
            self._keys.setdefault(key, {})[slot] = count
            self._key_arrays.pop(key, None)
        self.counts[slot] = counts
        for pair in ref.bigrams:
            self._pairs.setdefault(pair, set()).add(slot)
            self._pair_arrays.pop(pair, None)
        self._token_ids[slot] = np.fromiter((self._key_id(t.key) for t in ref.tokens), dtype=np.int64)
        self._all_tokens = None
        self.filter_total[slot] = self.totals(np.array([slot]))[0]
        self.pair_count[slot] = len(ref.bigrams)
        self.trust[slot] = ref.trust
        self.alive[slot] = True
        self._floors = None
        return slot

    def remove(self, ref: Reference) -> None:
        slot = self._slots.pop(id(ref), None)
        if slot is None:
            return
        for key in ref.keys:
            postings = self._keys.get(key)
            if postings is not None:
                postings.pop(slot, None)
                if not postings:
                    del self._keys[key]
            self._key_arrays.pop(key, None)
        for pair in ref.bigrams:
            holders = self._pairs.get(pair)
            if holders is not None:
                holders.discard(slot)
                if not holders:
                    del self._pairs[pair]
            self._pair_arrays.pop(pair, None)
        self.refs[slot] = None
        self.counts[slot] = {}
        self._token_ids[slot] = NO_SLOTS
        self._all_tokens = None
        self.alive[slot] = False
        self.filter_total[slot] = 0.0
        self._floors = None
        self._free.append(slot)

    def _key_id(self, key: str) -> int:
        found = self._key_ids.get(key)
        if found is None:
            found = self._key_ids[key] = len(self._key_ids)
            if found >= len(self._df):
                self._df = np.concatenate([self._df, np.zeros(len(self._df))])
            self._df[found] = self.terms.df(key)
        return found

    def _counted(self, keys: Iterable[str]) -> None:
        ids, df = self._key_ids, self.terms.df
        for key in ids.keys() & keys:  # the keys some reference had (a set operation, in C)
            self._df[ids[key]] = df(key)

    def _grow(self) -> int:
        slot = len(self.refs)
        self.refs.append(None)
        self._token_ids.append(NO_SLOTS)
        self.counts.append({})
        if slot >= len(self.filter_total):
            size = max(64, 2 * len(self.filter_total))
            self.filter_total = _resized(self.filter_total, size)
            self.pair_count = _resized(self.pair_count, size)
            self.trust = _resized(self.trust, size)
            self.alive = _resized(self.alive, size)
        return slot

    # --- weights --------------------------------------------------------------------------------

    def _idf(self, ids: Ints) -> Floats:
        """`TermStats.idf` of the keys with these ids, now (numpy's; `kernels.idf` in C)."""
        terms = self.terms
        return np.maximum(terms.floor, np.log((terms.docs + PRIOR_DOCS) / (self._df[ids] + 1.0)))

    def weights(self, keys: Sequence[str]) -> Floats:
        """`TermStats.idf` of `keys` (keys some reference has), now."""
        ids = self._key_ids
        if kernels is not None:
            out = np.empty(len(keys))
            kernels.idf([ids[k] for k in keys], self._df, self.terms.docs + PRIOR_DOCS, self.terms.floor, out)
            return out
        return self._idf(np.fromiter((ids[k] for k in keys), dtype=np.int64, count=len(keys)))

    def totals(self, slots: Ints) -> Floats:
        """The total weight of each reference in `slots`, now (the sum of its tokens' idf)."""
        return self._sums([self._token_ids[s] for s in slots.tolist()])

    def _sums(self, arrays: list[Ints], owners: tuple[Ints, Ints] | None = None) -> Floats:
        """Per array of key ids, the sum of their idf, now, added in order (`owners`: the slot and
        key id of every token of `arrays`, for numpy, if known)."""
        if kernels is not None:
            out = np.empty(len(arrays))
            kernels.idf_sums(arrays, self._df, self.terms.docs + PRIOR_DOCS, self.terms.floor, out)
            return out
        if owners is None:
            owners = (np.repeat(np.arange(len(arrays)), [len(a) for a in arrays]), _concatenated(arrays))
        owner, ids = owners
        return np.bincount(owner, weights=self._idf(ids), minlength=len(arrays))  # type: ignore[return-value]  # floats, weighted

    def refresh(self) -> None:
        """Recompute the totals the filter compares with, once `refresh_docs` documents came since the last time."""
        if self.terms.docs - self._refreshed_at < self.refresh_docs:
            return
        self._refreshed_at = self.terms.docs
        arrays = self._token_ids
        if self._all_tokens is None and kernels is None:
            owner = np.repeat(np.arange(len(arrays)), [len(a) for a in arrays])
            self._all_tokens = (owner, _concatenated(arrays))
        totals = self._sums(arrays, self._all_tokens)
        self.filter_total = _resized(totals, len(self.filter_total))
        self._floors = None

    def floors(self, share: float) -> Floats:
        """Per slot (of `refs`), `share` of its total weight as of the last refresh; infinite for
        a free slot (what the candidate filter compares with, kept until the totals change)."""
        known = self._floors
        if known is not None and known[0] == share:
            return known[1]
        size = len(self.refs)
        found = np.where(self.alive[:size], share * self.filter_total[:size], np.inf)
        self._floors = (share, found)
        return found

    # --- reading --------------------------------------------------------------------------------

    def _key_postings(self, key: str) -> tuple[Ints, Floats]:
        """The slots holding `key` and how many times each has it."""
        found = self._key_arrays.get(key)
        if found is None:
            postings = self._keys[key]
            found = self._key_arrays[key] = (
                np.fromiter(postings, dtype=np.int64, count=len(postings)),
                np.fromiter(postings.values(), dtype=np.float64, count=len(postings)),
            )
        return found

    def _pair_postings(self, pair: tuple[str, str]) -> Ints:
        found = self._pair_arrays.get(pair)
        if found is None:
            holders = self._pairs[pair]
            found = self._pair_arrays[pair] = np.fromiter(holders, dtype=np.int64, count=len(holders))
        return found

    @property
    def keys(self) -> Mapping[str, object]:
        """The content keys some reference has."""
        return self._keys

    @property
    def pairs(self) -> Mapping[tuple[str, str], object]:
        """The adjacent content key pairs some reference has."""
        return self._pairs

    def postings(self, keys: Sequence[str]) -> list[tuple[Ints, Floats]]:
        """(slots, counts) of the references holding each of `keys`, key by key."""
        known, build = self._key_arrays.get, self._key_postings
        arrays = [known(k) for k in keys]
        for n, found in enumerate(arrays):
            if found is None:
                arrays[n] = build(keys[n])
        return arrays  # type: ignore[return-value]

    def pair_slots(self, pairs: Sequence[tuple[str, str]]) -> list[Ints]:
        """The slots of the references holding each of `pairs`, pair by pair."""
        return [self._pair_postings(p) for p in pairs]

    def pair_postings(self, pairs: Sequence[tuple[str, str]]) -> tuple[Ints, Ints]:
        """(slots, row of the pair in `pairs`) of the references holding each of `pairs`."""
        arrays = self.pair_slots(pairs)
        return np.concatenate(arrays), np.repeat(np.arange(len(pairs)), [len(a) for a in arrays])


def _concatenated(arrays: list[Ints]) -> Ints:
    return np.concatenate(arrays) if arrays else NO_SLOTS


def _resized(values: npt.NDArray, size: int) -> npt.NDArray:  # type: ignore[type-arg]
    grown = np.zeros(size, dtype=values.dtype)
    grown[: len(values)] = values
    return grown
