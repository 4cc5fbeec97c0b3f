"""Matching items against a registry of known false claims (the Meedan Check idea, lexically).

Each claim has *references*: its own text, and the variants learned from items that matched it
with high confidence (people paraphrase a rumour a few ways; once a way is recognised, its
truncated and restyled copies are too). An item is scored against a reference window by window
(`references.score`: coverage, focus and order of content tokens weighted by their idf in the
stream so far, `TermStats`).

With many claims, scoring every reference in every window is too slow: `ReferenceIndex` bounds
all pairs at once, and only the pairs whose bound can still beat the best score found are scored
exactly, best bound first; the answer is the same as scoring them all.

A match is then checked for refutation (`refutation.refutation_signals`): an item that reports
the denial is not spreading the claim.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from presscenter.monitoring.analysis.claim_bounds import Bounds, bounds
from presscenter.monitoring.analysis.reference_index import ReferenceIndex
from presscenter.monitoring.analysis.references import Reference, ReferenceKind, ScoreWeights, Window, windows
from presscenter.monitoring.analysis.references import score as score_in_window
from presscenter.monitoring.analysis.refutation import (
    DELTA_COVERAGE,
    RefutationCheck,
    covers,
    refutation_signals,
    statement_delta,
    usable_statement,
)
from presscenter.monitoring.analysis.terms import TermStats
from presscenter.monitoring.text.sentences import Sentence, sentences
from presscenter.monitoring.text.tokenize import Token, tokenize

__all__ = ["Claim", "ClaimHit", "ClaimMatcher", "ClaimSettings", "Reference", "Window", "windows"]

Stance = Literal["spread", "refute"]
# how many documents the totals the candidate filter compares with may lag behind
WEIGHT_REFRESH_DOCS = 200
# bounds and exact scores are summed in different orders
TOLERANCE = 1e-9
# how many claims a close call in `match` compares at most
MAX_CLOSE_CLAIMS = 4


@dataclass(frozen=True)
class Claim:
    """A registered false claim (ClaimReview-like)."""

    claim_id: str
    text: str
    unit_code: str
    rating: str = "false"
    topic: str | None = None
    refuted_by: str | None = None


@dataclass(frozen=True)
class ClaimSettings:
    match_threshold: float = 0.52
    refute_threshold: float = 0.4
    learn_threshold: float = 0.75
    # claims scoring this close in an item are told apart by which spread most recently, and the
    # item's window is not learned as a way of telling either (it would blur the two)
    ambiguity_margin: float = 0.05
    variant_discount: float = 0.92
    max_variants: int = 24
    min_shared_keys: int = 2
    coverage_weight: float = 0.5
    focus_weight: float = 0.25
    order_weight: float = 0.25


@dataclass(frozen=True)
class ClaimHit:
    claim_id: str
    score: float
    stance: Stance
    via: ReferenceKind | Literal["story"]
    window: Window | None = None
    signals: tuple[str, ...] = ()


@dataclass
class _ClaimEntry:
    claim: Claim
    tokens: tuple[Token, ...] = ()
    references: list[Reference] = field(default_factory=list)
    statements: list[Reference] = field(default_factory=list)


class ClaimMatcher:
    def __init__(self, terms: TermStats, settings: ClaimSettings | None = None):
        self.terms = terms
        self.settings = s = settings or ClaimSettings()
        self.score_weights = ScoreWeights(s.coverage_weight, s.focus_weight, s.order_weight)
        self._claims: dict[str, _ClaimEntry] = {}
        self._index = ReferenceIndex(terms, WEIGHT_REFRESH_DOCS)
        self._deltas: dict[int, tuple[Token, ...]] = {}  # id(statement) -> its words the claim lacks
        self._spreads = 0  # items seen spreading a claim (`spread_seen`)
        self._last_spread: dict[str, int] = {}  # claim id -> the number of its latest spread hit

    # --- the registry -----------------------------------------------------------------------

    def __contains__(self, claim_id: object) -> bool:
        return claim_id in self._claims

    def __len__(self) -> int:
        return len(self._claims)

    def claim(self, claim_id: str) -> Claim | None:
        entry = self._claims.get(claim_id)
        return entry.claim if entry else None

    def references(self, claim_id: str) -> list[Reference]:
        entry = self._claims.get(claim_id)
        return list(entry.references) if entry else []

    def register(self, claim: Claim) -> None:
        """Add or replace a claim; a changed text drops the variants learned for the old one."""
        old = self._claims.get(claim.claim_id)
        if old is not None and old.claim.text == claim.text:
            old.claim = claim
            return
        statements = [r.text for r in old.statements] if old is not None else []
        self.forget(claim.claim_id)
        tokens = tuple(tokenize(claim.text))
        entry = self._claims[claim.claim_id] = _ClaimEntry(claim, tokens)
        self._add_reference(entry, Reference.of(claim.claim_id, "claim", tokens, claim.text))
        for text in statements:
            self.add_statement(claim.claim_id, text)

    def forget(self, claim_id: str) -> None:
        entry = self._claims.pop(claim_id, None)
        if entry is None:
            return
        for ref in (*entry.references, *entry.statements):
            self._index.remove(ref)
            self._deltas.pop(id(ref), None)
        self._last_spread.pop(claim_id, None)

    def add_statement(self, claim_id: str, text: str) -> None:
        """An official text that refutes the claim: items close to it report the refutation."""
        entry = self._claims.get(claim_id)
        if entry is None:
            return
        known = {r.keys for r in entry.statements}
        for sentence in sentences(text):
            ref = Reference.of(claim_id, "statement", sentence.tokens, " ".join(t.surface for t in sentence.tokens))
            if usable_statement(ref, entry.references[0]) and ref.keys not in known:
                known.add(ref.keys)
                entry.statements.append(ref)
                self._deltas[id(ref)] = statement_delta(ref, entry.references[0])
                self._add_reference(entry, ref, listed=False)

    def spread_seen(self, claim_id: str) -> None:
        """Note an item spreading the claim: of claims in a close call, `match` picks the latest spread."""
        if claim_id in self._claims:
            self._spreads += 1
            self._last_spread[claim_id] = self._spreads

    def learn(self, hit: ClaimHit) -> bool:
        """Keep the window of a confident match as a new way the claim is told; True if kept.

        Not kept when another claim scores within `ambiguity_margin` in the window (a truncated
        post can say no more than what two claims share)."""
        entry = self._claims.get(hit.claim_id)
        if entry is None or hit.window is None or hit.stance != "spread":
            return False
        if hit.score < self.settings.learn_threshold:
            return False
        text = " ".join(t.surface for t in hit.window.tokens)
        ref = Reference.of(hit.claim_id, "variant", hit.window.tokens, text, trust=self.settings.variant_discount)
        if len(ref.tokens) < 3 or any(r.keys == ref.keys for r in entry.references):
            return False
        weight = self._weigher()
        in_window = bounds(self._index, [hit.window.sentences], weight, self.score_weights, self._coverage_floor())
        rival = None if in_window is None else self._best_other(in_window, {hit.claim_id}, 0.0, weight)
        if rival is not None and rival[0] > hit.score - self.settings.ambiguity_margin:
            return False
        variants = [r for r in entry.references if r.kind == "variant"]
        if len(variants) >= self.settings.max_variants:
            entry.references.remove(variants[0])
            self._index.remove(variants[0])
        self._add_reference(entry, ref)
        return True

    def _add_reference(self, entry: _ClaimEntry, ref: Reference, listed: bool = True) -> None:
        if listed:
            entry.references.append(ref)
        self._index.add(ref)

    # --- scoring ------------------------------------------------------------------------------

    def weight(self, key: str) -> float:
        """How informative a word is (its idf in the stream so far)."""
        return self.terms.idf(key)

    def _weigher(self) -> Callable[[str], float]:
        """`weight`, remembered for the item at hand (the counts do not move while it is matched)."""
        known: dict[str, float] = {}
        idf = self.terms.idf

        def weight(key: str) -> float:
            value = known.get(key)
            if value is None:
                value = known[key] = idf(key)
            return value

        return weight

    def _coverage_floor(self) -> float:
        """Least coverage a reference can have in a window and still reach the threshold."""
        s = self.settings
        return max(0.0, (s.match_threshold - s.focus_weight) / max(s.coverage_weight + s.order_weight, 1e-9))

    def score(self, ref: Reference, window: Window, weight: Callable[[str], float] | None = None) -> float:
        return score_in_window(ref, window, weight or self.weight, self.score_weights)

    def _value(self, ref: Reference, window: Window, weight: Callable[[str], float]) -> float | None:
        """`trust x score`, or None for an official statement the window lacks the denial words of."""
        delta = self._deltas.get(id(ref))
        if delta and covers(window, delta, weight) < DELTA_COVERAGE:
            return None
        return self.score(ref, window, weight) * ref.trust

    def _search(
        self, bounds: Bounds, at_least: float, weight: Callable[[str], float]
    ) -> tuple[float, Reference, Window] | None:
        """The best (trust x score, reference, window) among pairs whose bound reaches `at_least`,
        scoring pairs exactly, best bound first, until no bound can beat the best score found."""
        upper = bounds.upper.ravel()
        pairs = np.flatnonzero(upper >= at_least - TOLERANCE)
        if len(pairs) == 0:
            return None
        pairs = pairs[np.argsort(-upper[pairs], kind="stable")]
        columns = len(bounds.slots)
        built: dict[int, Window] = {}
        best: tuple[float, Reference, Window] | None = None
        for pair, bound in zip(pairs.tolist(), upper[pairs].tolist(), strict=True):
            if best is not None and bound <= best[0] + TOLERANCE:
                break
            row, column = divmod(pair, columns)
            ref = self._index.refs[int(bounds.slots[column])]
            window = built.get(row)
            if window is None:
                window = built[row] = Window.of(bounds.spans[row])
            value = self._value(ref, window, weight)  # type: ignore[arg-type]
            if value is not None and (best is None or value > best[0]):
                best = (value, ref, window)  # type: ignore[assignment]
        return best

    def _best_other(
        self, found: Bounds, claim_ids: set[str], at_least: float, weight: Callable[[str], float]
    ) -> tuple[float, Reference, Window] | None:
        """`_search` among the references of claims not in `claim_ids`."""
        refs = self._index.refs
        others = [ref is not None and ref.claim_id not in claim_ids for ref in (refs[s] for s in found.slots.tolist())]
        if not any(others):
            return None
        upper = np.where(np.asarray(others)[None, :], found.upper, -1.0)
        return self._search(Bounds(found.spans, found.slots, upper), at_least, weight)

    def _latest_of_close(
        self, found: Bounds, best: tuple[float, Reference, Window], weight: Callable[[str], float]
    ) -> tuple[float, Reference, Window]:
        """Among the claims scoring within `ambiguity_margin` of `best`, the one spread most recently
        (`best` when none of them has spread yet)."""
        at_least = best[0] - self.settings.ambiguity_margin
        close, seen = [best], {best[1].claim_id}
        while len(close) < MAX_CLOSE_CLAIMS:
            other = self._best_other(found, seen, at_least, weight)
            if other is None:
                break
            close.append(other)
            seen.add(other[1].claim_id)
        if len(close) == 1:
            return best
        return max(close, key=lambda c: self._last_spread.get(c[1].claim_id, 0))  # first of equals: best

    def match(self, parts: Sequence[Sequence[Sentence]], item_tokens: Sequence[Token]) -> ClaimHit | None:
        """The claim the item relates to best, with its stance, or None.

        At `match_threshold` or above the item spreads the claim unless it shows refutation
        signals; between `refute_threshold` and it, only an item that reports the refutation
        is tied to the claim (for the spread series), never one that spreads it. Claims scoring
        within `ambiguity_margin` of the best (a truncated post of what two claims share) go to
        the one spread most recently.
        """
        self._index.refresh()
        weight = self._weigher()
        found_bounds = bounds(self._index, parts, weight, self.score_weights, self._coverage_floor())
        if found_bounds is None:
            return None
        found = self._search(found_bounds, self.settings.refute_threshold, weight)
        if found is None or found[0] < self.settings.refute_threshold:
            return None
        value, ref, window = self._latest_of_close(found_bounds, found, weight)
        hit = self._hit(ref.claim_id, value, ref, window, item_tokens)
        if hit.stance == "spread" and value < self.settings.match_threshold:
            return None
        return hit

    def check(
        self, claim_id: str, parts: Sequence[Sequence[Sentence]], item_tokens: Sequence[Token]
    ) -> ClaimHit | None:
        """How the item relates to one claim, whatever the score: its best window and its stance."""
        entry = self._claims.get(claim_id)
        if entry is None:
            return None
        weight = self._weigher()
        slots = [self._index.slot(ref) for ref in (*entry.references, *entry.statements)]
        only = [slot for slot in slots if slot is not None]
        found_bounds = bounds(self._index, parts, weight, self.score_weights, None, only)
        found = None if found_bounds is None else self._search(found_bounds, 0.0, weight)
        if found is None:
            return None
        return self._hit(claim_id, *found, item_tokens)

    def _hit(
        self, claim_id: str, value: float, ref: Reference, window: Window, item_tokens: Sequence[Token]
    ) -> ClaimHit:
        entry = self._claims[claim_id]
        deltas = [self._deltas[id(r)] for r in entry.statements]
        check = RefutationCheck(entry.tokens, entry.statements, self, entry.references[0], deltas)
        signals = refutation_signals(item_tokens, window, check)
        if ref.kind == "statement" and "statement" not in signals:
            signals = (*signals, "statement")
        stance: Stance = "refute" if signals else "spread"
        return ClaimHit(claim_id, round(min(1.0, value), 4), stance, ref.kind, window, signals)
