"""Upper bounds of every window x reference score of one item at once.

The arithmetic runs in C (`_kernels.c`, built with the compiled modules): the arrays are a few
dozen cells, so numpy's cost was its calls, not the arithmetic. A build without it (pure Python)
runs the numpy code beside each kernel call, which the tests hold equal to it.

For each window (rows) and each candidate reference (columns) of a `ReferenceIndex`:

- *order* is exact: the adjacent content key pairs they share, over the reference's pairs;
- *coverage* and *focus* are computed on keys, ignoring diacritics entirely (a key counts as
  matched even where both sides carry different accents, which `compatible` refuses), so the
  combination bounds the real score from above and equals it when no accents conflict;
- a pair whose window does not share `floor` of the reference's weight is not to be compared.

Sentences are shared by every item with the same text (`text.chunks`), so what the bounds need
of a sentence (its keys, content keys and pairs) is worked out once per sentence (`profile`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from presscenter.monitoring.analysis.native import kernels
from presscenter.monitoring.analysis.references import ScoreWeights, window_spans
from presscenter.monitoring.text.sentences import Sentence

if TYPE_CHECKING:
    from presscenter.monitoring.analysis.reference_index import ReferenceIndex


Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Pair = tuple[str, str]
MAX_PROFILES = 200_000
# up to this many slots, their key counts and pairs are read in Python (fewer steps than numpy's)
FEW_SLOTS = 24


@dataclass(frozen=True)
class Bounds:
    """Upper bounds of `trust x score` for each window span (rows) and candidate slot (columns);
    -1 where the pair is not to be compared."""

    spans: list[tuple[Sentence, ...]]
    slots: Ints
    upper: Floats


@dataclass(frozen=True, slots=True)
class Profile:
    """What the bounds need of a sentence."""

    keys: tuple[str, ...]  # distinct keys of its tokens
    content: tuple[tuple[str, int], ...]  # distinct content keys, with their number of tokens
    pairs: tuple[tuple[str, str], ...]  # distinct adjacent content key pairs
    first: str | None  # first content key
    last: str | None


_profiles: dict[int, tuple[Sentence, Profile]] = {}


def profile(sentence: Sentence) -> Profile:
    known = _profiles.get(id(sentence))
    if known is not None and known[0] is sentence:
        return known[1]
    ordered = [t.key for t in sentence.tokens if t.is_content]
    content: dict[str, int] = {}
    for key in ordered:
        content[key] = content.get(key, 0) + 1
    found = Profile(
        tuple(dict.fromkeys(sentence.keys)),
        tuple(content.items()),
        tuple(dict.fromkeys(pairwise(ordered))),
        ordered[0] if ordered else None,
        ordered[-1] if ordered else None,
    )
    if len(_profiles) >= MAX_PROFILES:
        _profiles.clear()
    _profiles[id(sentence)] = (sentence, found)
    return found


def bounds(
    index: ReferenceIndex,
    parts: Sequence[Sequence[Sentence]],
    weight: Callable[[str], float],
    score_weights: ScoreWeights,
    floor: float | None,
    only: Sequence[int] | None = None,
) -> Bounds | None:
    """Bounds for the item's windows against the references that share enough with them.

    With `floor`, a window is compared with a reference when the content keys they share weigh
    at least `floor` x the reference's total (as of the last `ReferenceIndex.refresh`); without,
    every reference in `only` is compared with every window. `weight` gives the current weight
    of a key.
    """
    spans = window_spans(parts)
    if not spans or not len(index):
        return None
    if only is not None:
        slots = np.asarray(only, dtype=np.int64)
        return Bounds(spans, slots, _Item(index, spans).upper(slots, score_weights, weight, None))
    candidates = _candidates(index, spans, floor or 0.0)
    if candidates is None:  # most items: rejected before the windows are worked out
        return None
    item = _Item(index, spans)
    found = item.usable(floor or 0.0, candidates)
    if found is None:
        return None
    slots, usable = found
    return Bounds(spans, slots, item.upper(slots, score_weights, weight, usable))


def _candidates(index: ReferenceIndex, spans: list[tuple[Sentence, ...]], floor: float) -> Ints | None:
    """The slots whose content keys anywhere in the item weigh `floor` of their total or more
    (as of the last refresh), or None: one pass over the postings of the item's content keys."""
    known = index.keys
    found: dict[str, None] = {}
    for span in spans:
        if len(span) == 1:  # every sentence is a window of its own
            for key, _n in profile(span[0]).content:
                if key in known:
                    found[key] = None
    if not found:
        return None
    keys = list(found)
    posted = [slots for slots, _times in index.postings(keys)]
    candidates = _shared_at_least(posted, index.weights(keys), index.floors(floor))
    return candidates if len(candidates) else None


def _shared_at_least(posted: list[Ints], weights: Floats, floors: Floats) -> Ints:
    """The slots whose postings (`posted`, one array of slots per key) weigh their floor or more,
    and more than nothing: each posting weighs its key's weight, added slot by slot in the order
    of the keys (`_kernels.candidates` when built, the same additions in numpy otherwise)."""
    if kernels is not None:
        out = np.empty(len(floors), dtype=np.int64)
        return out[: kernels.candidates(posted, weights, floors, out)]
    shared = np.bincount(
        np.concatenate(posted), weights=np.repeat(weights, [len(p) for p in posted]), minlength=len(floors)
    )
    candidates = np.flatnonzero(shared >= floors)
    return candidates[shared[candidates] > 0]


@dataclass(frozen=True)
class _Cells:
    """An item's sentences (rows) x index keys (columns), as the cells that are set, and its
    windows x the adjacent content key pairs some reference has."""

    present_rows: list[int]  # the index keys each sentence has
    present_columns: list[int]
    content_rows: list[int]  # the index keys among its content, and how many tokens have each
    content_columns: list[int]
    content_counts: list[int]
    content_weight: list[float]  # per sentence, the weight of all its content tokens
    pair_rows: list[int]  # the pairs each window has
    pair_columns: list[int]
    pairs: list[Pair]


class _Item:
    """An item's sentences and windows over the index keys it has."""

    def __init__(self, index: ReferenceIndex, spans: list[tuple[Sentence, ...]]):
        self.index, self.spans = index, spans
        self.rows: dict[int, int] = {}  # id(sentence) -> row
        self.profiles: list[Profile] = []
        for span in spans:
            for s in span:
                if id(s) not in self.rows:
                    self.rows[id(s)] = len(self.profiles)
                    self.profiles.append(profile(s))
        known = index.keys
        keys: dict[str, int] = {}  # index key -> column
        for p in self.profiles:
            for key in p.keys:
                if key in known and key not in keys:
                    keys[key] = len(keys)
        self.keys = keys
        self.key_weights = index.weights(list(keys))
        rows = self.rows
        self.first = [rows[id(s[0])] for s in spans]  # per window, the row of its first sentence
        self.second = [rows[id(s[1])] if len(s) > 1 else -1 for s in spans]  # -1 for a window of one

    @cached_property
    def postings(self) -> list[tuple[Ints, Floats]]:
        """(slots, counts) of the references holding each item key, column by column."""
        return self.index.postings(list(self.keys))

    @cached_property
    def content_cells(self) -> tuple[list[int], list[int], list[int]]:
        """Sentence x index key: the rows, columns and token counts of each sentence's content."""
        keys = self.keys
        rows: list[int] = []
        columns: list[int] = []
        counts: list[int] = []
        for row, p in enumerate(self.profiles):
            for key, n in p.content:
                column = keys.get(key)
                if column is not None:
                    rows.append(row)
                    columns.append(column)
                    counts.append(n)
        return rows, columns, counts

    def cells(self, weight: Callable[[str], float]) -> _Cells:
        """What `upper` needs of the item, `weight` giving the current weight of a key."""
        keys = self.keys
        present_rows: list[int] = []
        present_columns: list[int] = []
        content_weight: list[float] = []
        for row, p in enumerate(self.profiles):
            for key in p.keys:
                column = keys.get(key)
                if column is not None:
                    present_rows.append(row)
                    present_columns.append(column)
            total = 0.0
            for key, n in p.content:
                total += n * weight(key)
            content_weight.append(total)
        known_pairs = self.index.pairs
        pairs: dict[Pair, int] = {}
        pair_rows: list[int] = []
        pair_columns: list[int] = []
        for row, span in enumerate(self.spans):
            kept = [pair for s in span for pair in self.profiles[self.rows[id(s)]].pairs]
            if len(span) > 1:
                a, b = self.profiles[self.rows[id(span[0])]], self.profiles[self.rows[id(span[1])]]
                if a.last is not None and b.first is not None:
                    kept.append((a.last, b.first))
            for pair in kept:
                if pair in known_pairs:
                    pair_rows.append(row)
                    pair_columns.append(pairs.setdefault(pair, len(pairs)))
        content_rows, content_columns, content_counts = self.content_cells
        return _Cells(
            present_rows, present_columns, content_rows, content_columns, content_counts, content_weight,
            pair_rows, pair_columns, list(pairs),
        )  # fmt: skip

    def usable(self, floor: float, candidates: Ints) -> tuple[Ints, npt.NDArray[np.bool_]] | None:
        """The slots some window can be compared with, and per window and slot whether it can: the
        content keys they share weigh `floor` of the slot's total or more. None if there are none.

        Only the `candidates` (`_candidates`: the slots the whole item shares that much with) can."""
        rows, columns, _counts = self.content_cells
        if not rows:
            return None
        floors = self.index.floors(floor)[candidates]
        if kernels is not None:
            usable = np.empty((len(self.spans), len(candidates)), dtype=bool)
            kept = np.empty(len(candidates), dtype=np.int64)
            count = kernels.usable(
                len(self.profiles), rows, columns, self.first, self.second, self.key_weights,
                [slots for slots, _counts in self.postings], candidates, len(self.index.refs), floors, usable, kept,
            )  # fmt: skip
            if not count:
                return None
            return candidates[kept[:count]], usable[:, kept[:count]]
        has = np.zeros((len(self.profiles), len(self.keys)), dtype=bool)  # sentence x content key
        has[rows, columns] = True
        holds = self._holds(candidates) > 0
        first, second = np.asarray(self.first), np.asarray(self.second)
        in_window = has[first]
        pair = second >= 0
        in_window[pair] |= has[second[pair]]
        window_shared = (in_window * self.key_weights) @ holds
        usable = (window_shared > 0) & (window_shared >= floors)
        kept_columns = usable.any(axis=0)
        if not kept_columns.any():
            return None
        return candidates[kept_columns], usable[:, kept_columns]

    def _columns(self, slots: Ints) -> Ints:
        """The column of every slot of the index among `slots` (-1 for the others)."""
        columns = np.full(len(self.index.refs), -1, dtype=np.int64)
        columns[slots] = np.arange(len(slots))
        return columns

    def _holds(self, slots: Ints) -> Floats:
        """How many tokens of each item key (rows) each of `slots` (columns) has: read off a few
        slots' own key counts, or off all the postings of the item's keys for many slots."""
        keys = self.keys
        if len(slots) > FEW_SLOTS:
            postings = self.postings
            posted = np.concatenate([found for found, _times in postings])
            posted_times = np.concatenate([found for _slots, found in postings])
            rows_of = np.repeat(np.arange(len(postings)), [len(found) for found, _times in postings])
            columns_of = self._columns(slots)
            kept = columns_of[posted] >= 0
            held = np.zeros((len(keys), len(slots)))
            held[rows_of[kept], columns_of[posted[kept]]] = posted_times[kept]
            return held
        counts_of = self.index.counts
        rows: list[int] = []
        columns: list[int] = []
        times: list[int] = []
        for column, slot in enumerate(slots.tolist()):
            for key, n in counts_of[slot].items():
                row = keys.get(key)
                if row is not None:
                    rows.append(row)
                    columns.append(column)
                    times.append(n)
        counts = np.zeros((len(keys), len(slots)))
        counts[rows, columns] = times
        return counts

    def _window_rows(self, cells: _Cells) -> tuple[Floats, Floats, Floats, Floats]:
        """Per window: key presence, content key counts, content weight, and shared pairs."""
        count, keys = len(self.profiles), len(self.keys)
        present = np.zeros((count + 1, keys))  # and an empty row for one-sentence windows
        content = np.zeros((count + 1, keys))
        content_weight = np.zeros(count + 1)
        present[cells.present_rows, cells.present_columns] = 1.0
        content[cells.content_rows, cells.content_columns] = cells.content_counts
        content_weight[:count] = cells.content_weight
        window_pairs = np.zeros((len(self.spans), len(cells.pairs)))
        window_pairs[cells.pair_rows, cells.pair_columns] = 1.0
        first = np.asarray(self.first)
        second = np.where(np.asarray(self.second) >= 0, self.second, count)
        return (
            np.maximum(present[first], present[second]),
            content[first] + content[second],
            content_weight[first] + content_weight[second],
            window_pairs,
        )

    def upper(
        self,
        slots: Ints,
        w: ScoreWeights,
        weight: Callable[[str], float],
        usable: npt.NDArray[np.bool_] | None,
    ) -> Floats:
        """Bounds for `slots`; -1 where `usable` says not to compare (all compared without it)."""
        index = self.index
        cells = self.cells(weight)
        total = index.totals(slots)
        if kernels is not None:
            out = np.empty((len(self.spans), len(slots)))
            postings = self.postings
            kernels.upper(
                cells.present_rows, cells.present_columns, cells.content_rows, cells.content_columns,
                cells.content_counts, cells.content_weight, self.first, self.second, cells.pair_rows,
                cells.pair_columns, index.pair_slots(cells.pairs), self.key_weights,
                [found for found, _counts in postings], [counts for _found, counts in postings], slots,
                len(index.refs), total, index.pair_count[slots], index.trust[slots], w.coverage, w.focus, w.order,
                None if usable is None else np.ascontiguousarray(usable), out,
            )  # fmt: skip
            return out
        present, content, content_weight, window_pairs = self._window_rows(cells)
        counts = self._holds(slots)
        holds = (counts > 0).astype(np.float64)
        shared_pairs = np.zeros((len(self.spans), len(slots)))
        if cells.pairs:
            by_pair = np.zeros((len(cells.pairs), len(slots)))
            if len(slots) > FEW_SLOTS:
                posted, at = index.pair_postings(cells.pairs)
                columns_of = self._columns(slots)
                kept = columns_of[posted] >= 0
                by_pair[at[kept], columns_of[posted[kept]]] = 1.0
            else:  # the slots' own pairs, looked up among the item's
                row_of = {pair: row for row, pair in enumerate(cells.pairs)}
                refs = index.refs
                rows: list[int] = []
                columns: list[int] = []
                for column, slot in enumerate(slots.tolist()):
                    for pair in refs[slot].bigrams:  # type: ignore[union-attr]
                        row = row_of.get(pair)
                        if row is not None:
                            rows.append(row)
                            columns.append(column)
                by_pair[rows, columns] = 1.0
            shared_pairs = window_pairs @ by_pair
        kw = self.key_weights
        coverage = (present * kw) @ counts / np.where(total > 0, total, 1.0)
        focus = ((content * kw) @ holds) / np.where(content_weight > 0, content_weight, 1.0)[:, None]
        pair_count = index.pair_count[slots]
        order = np.where(pair_count > 0, shared_pairs / np.where(pair_count > 0, pair_count, 1.0), coverage)
        upper = index.trust[slots] * (w.coverage * coverage + w.focus * focus + w.order * order)
        scorable = (content_weight > 0)[:, None] & (total > 0)
        if usable is None:
            return np.where(scorable, upper, 0.0)
        return np.where(scorable & usable, upper, -1.0)
