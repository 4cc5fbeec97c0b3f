"""Matching items against a registry of known false claims (the Meedan Check idea, lexically).

Each claim has *references*: its own text, and the variants learned from items that matched it
with high confidence (people paraphrase a rumour a few ways; once a way is recognised, its
truncated and restyled copies are too). An item is scored against a reference window by window
(a sentence, two adjacent sentences, or the title) on content tokens weighted by `TermStats`:

- coverage: how much of the reference the window has;
- focus: how much of the window is the reference (a long article that mentions the same words
  in passing scores low);
- order: how many of the reference's adjacent word pairs the window keeps.

Tokens match with `compatible` (no diacritics / social spellings on either side are fine).
A match is then checked for refutation (`refutation.refutation_signals`): an item that reports
the denial is not spreading the claim.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Literal

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
from presscenter.monitoring.text.tokenize import Token, compatible, tokenize

Stance = Literal["spread", "refute"]
WEIGHT_REFRESH_DOCS = 200
ReferenceKind = Literal["claim", "variant", "statement"]


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
    match_threshold: float = 0.55
    refute_threshold: float = 0.4
    learn_threshold: float = 0.75
    variant_discount: float = 0.92
    max_variants: int = 24
    min_shared_keys: int = 2
    coverage_weight: float = 0.5
    focus_weight: float = 0.25
    order_weight: float = 0.25


@dataclass(frozen=True)
class Reference:
    claim_id: str
    kind: ReferenceKind
    text: str
    tokens: tuple[Token, ...]
    keys: frozenset[str]
    bigrams: frozenset[tuple[str, str]]
    trust: float = 1.0

    @classmethod
    def of(
        cls, claim_id: str, kind: ReferenceKind, tokens: Sequence[Token], text: str, trust: float = 1.0
    ) -> Reference:
        content = tuple(t for t in tokens if t.is_content)
        pairs = frozenset((a.key, b.key) for a, b in pairwise(content))
        return cls(claim_id, kind, text, content, frozenset(t.key for t in content), pairs, trust)


@dataclass(frozen=True)
class Window:
    """A stretch of an item (one or two sentences, or the title) scored on its own."""

    tokens: tuple[Token, ...]
    sentences: tuple[Sentence, ...]
    content: tuple[Token, ...]
    keys: frozenset[str]

    @classmethod
    def of(cls, sentences_: tuple[Sentence, ...]) -> Window:
        tokens = tuple(t for s in sentences_ for t in s.tokens)
        content = tuple(t for t in tokens if t.is_content)
        return cls(tokens, sentences_, content, frozenset(t.key for t in content))


@dataclass(frozen=True)
class ClaimHit:
    claim_id: str
    score: float
    stance: Stance
    via: ReferenceKind | Literal["story"]
    window: Window | None = None
    signals: tuple[str, ...] = ()


def windows(parts: Iterable[Sequence[Sentence]]) -> list[Window]:
    """Every sentence, and every two adjacent sentences, of each part (title, body)."""
    out: list[Window] = []
    for part in parts:
        part = [s for s in part if len(s)]
        for i, sentence in enumerate(part):
            out.append(Window.of((sentence,)))
            if i + 1 < len(part):
                out.append(Window.of((sentence, part[i + 1])))
    return out


@dataclass
class _ClaimEntry:
    claim: Claim
    tokens: tuple[Token, ...] = ()
    references: list[Reference] = field(default_factory=list)
    statements: list[Reference] = field(default_factory=list)


class ClaimMatcher:
    def __init__(self, terms: TermStats, settings: ClaimSettings | None = None):
        self.terms = terms
        self.settings = settings or ClaimSettings()
        self._claims: dict[str, _ClaimEntry] = {}
        self._index: dict[str, set[int]] = {}
        self._refs: dict[int, Reference] = {}
        self._weights: dict[int, tuple[Reference, int, float]] = {}
        self._next = 0

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
        for number in [n for n, ref in self._refs.items() if ref.claim_id == claim_id]:
            ref = self._refs.pop(number)
            self._weights.pop(id(ref), None)
            for key in ref.keys:
                bucket = self._index.get(key)
                if bucket is not None:
                    bucket.discard(number)

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
                self._add_reference(entry, ref, listed=False)

    def learn(self, hit: ClaimHit) -> bool:
        """Keep the window of a confident match as a new way the claim is told; True if kept."""
        entry = self._claims.get(hit.claim_id)
        if entry is None or hit.window is None or hit.stance != "spread":
            return False
        if hit.score < self.settings.learn_threshold:
            return False
        text = " ".join(t.surface for t in hit.window.tokens)
        ref = Reference.of(hit.claim_id, "variant", hit.window.tokens, text, trust=self.settings.variant_discount)
        if len(ref.tokens) < 3 or any(r.keys == ref.keys for r in entry.references):
            return False
        variants = [r for r in entry.references if r.kind == "variant"]
        if len(variants) >= self.settings.max_variants:
            self._drop_reference(entry, variants[0])
        self._add_reference(entry, ref)
        return True

    def _add_reference(self, entry: _ClaimEntry, ref: Reference, listed: bool = True) -> None:
        number = self._next
        self._next += 1
        self._refs[number] = ref
        if listed:
            entry.references.append(ref)
        for key in ref.keys:
            self._index.setdefault(key, set()).add(number)

    def _drop_reference(self, entry: _ClaimEntry, ref: Reference) -> None:
        entry.references.remove(ref)
        self._weights.pop(id(ref), None)
        for number in [n for n, r in self._refs.items() if r is ref]:
            del self._refs[number]
            for key in ref.keys:
                self._index.get(key, set()).discard(number)

    # --- scoring ------------------------------------------------------------------------------

    def _candidates(self, keys: set[str], idf: dict[str, float]) -> dict[int, float]:
        """References sharing enough weighted words with the item to possibly reach the threshold."""
        shared: dict[int, float] = {}
        for key in keys:
            for number in self._index.get(key, ()):
                shared[number] = shared.get(number, 0.0) + idf[key]
        floor = self._coverage_floor()
        out = {}
        for number, weight in shared.items():
            ref = self._refs[number]
            if weight >= floor * self._ref_weight(ref, idf):
                out[number] = weight
        return out

    def weight(self, key: str) -> float:
        """How informative a word is (its idf in the stream so far)."""
        return self.terms.idf(key)

    def _delta(self, ref: Reference) -> tuple[Token, ...]:
        """For an official statement, its words that the claim does not have; () otherwise."""
        if ref.kind != "statement":
            return ()
        entry = self._claims.get(ref.claim_id)
        return statement_delta(ref, entry.references[0]) if entry else ()

    def _coverage_floor(self) -> float:
        """Least coverage a reference can have in a window and still reach the threshold."""
        s = self.settings
        return max(0.0, (s.match_threshold - s.focus_weight) / max(s.coverage_weight + s.order_weight, 1e-9))

    def _ref_weight(self, ref: Reference, idf: dict[str, float]) -> float:
        """Total idf of a reference's words, cached while the stream's counts move little."""
        cached = self._weights.get(id(ref))
        if cached is not None and cached[0] is ref and self.terms.docs - cached[1] < WEIGHT_REFRESH_DOCS:
            return cached[2]
        total = sum(idf.get(t.key) or self.terms.idf(t.key) for t in ref.tokens)
        self._weights[id(ref)] = (ref, self.terms.docs, total)
        return total

    def score(self, ref: Reference, window: Window, idf: dict[str, float] | None = None) -> float:
        content = window.content
        if not content or not ref.tokens:
            return 0.0
        weights = idf if idf is not None else {}

        def weight(key: str) -> float:
            value = weights.get(key)
            if value is None:
                value = weights[key] = self.terms.idf(key)
            return value

        by_key: dict[str, list[Token]] = {}
        for token in window.tokens:  # every word: a claim typed without diacritics may keep a function word
            by_key.setdefault(token.key, []).append(token)
        ref_by_key: dict[str, list[Token]] = {}
        for token in ref.tokens:
            ref_by_key.setdefault(token.key, []).append(token)
        total = got = 0.0
        for token in ref.tokens:
            w = weight(token.key)
            total += w
            if any(compatible(token, other) for other in by_key.get(token.key, ())):
                got += w
        coverage = got / total
        total = got = 0.0
        for token in content:
            w = weight(token.key)
            total += w
            if any(compatible(token, other) for other in ref_by_key.get(token.key, ())):
                got += w
        focus = got / total
        pairs = {(a.key, b.key) for a, b in pairwise(content)}
        order = len(ref.bigrams & pairs) / len(ref.bigrams) if ref.bigrams else coverage
        s = self.settings
        return s.coverage_weight * coverage + s.focus_weight * focus + s.order_weight * order

    def best(self, parts: Sequence[Sequence[Sentence]]) -> list[tuple[str, float, Reference, Window]]:
        """For each candidate claim, its best (score, reference, window) over the item's windows."""
        item_windows = windows(parts)
        keys = {k for w in item_windows for k in w.keys}
        idf = {k: self.terms.idf(k) for k in keys}
        floor = self._coverage_floor()
        found: dict[str, tuple[str, float, Reference, Window]] = {}
        for number in self._candidates(keys, idf):
            ref = self._refs[number]
            ref_weight = self._ref_weight(ref, idf)
            delta = self._delta(ref)
            for window in item_windows:
                shared = ref.keys & window.keys
                if sum(idf[k] for k in shared) < floor * ref_weight:
                    continue
                if delta and covers(window, delta, self.weight) < DELTA_COVERAGE:
                    continue  # a statement counts only with the words that make it a denial
                value = self.score(ref, window, idf) * ref.trust
                current = found.get(ref.claim_id)
                if current is None or value > current[1]:
                    found[ref.claim_id] = (ref.claim_id, value, ref, window)
        return sorted(found.values(), key=lambda f: -f[1])

    def match(self, parts: Sequence[Sequence[Sentence]], item_tokens: Sequence[Token]) -> ClaimHit | None:
        """The claim the item relates to best, with its stance, or None.

        At `match_threshold` or above the item spreads the claim unless it shows refutation
        signals; between `refute_threshold` and it, only an item that reports the refutation
        is tied to the claim (for the spread series), never one that spreads it.
        """
        ranked = self.best(parts)
        if not ranked or ranked[0][1] < self.settings.refute_threshold:
            return None
        claim_id, value, ref, window = ranked[0]
        found = self._hit(claim_id, value, ref, window, item_tokens)
        if found.stance == "spread" and value < self.settings.match_threshold:
            return None
        return found

    def check(
        self, claim_id: str, parts: Sequence[Sequence[Sentence]], item_tokens: Sequence[Token]
    ) -> ClaimHit | None:
        """How the item relates to one claim, whatever the score: its best window and its stance."""
        entry = self._claims.get(claim_id)
        if entry is None:
            return None
        best: tuple[float, Reference, Window] | None = None
        for window in windows(parts):
            for ref in (*entry.references, *entry.statements):
                delta = self._delta(ref)
                if delta and covers(window, delta, self.weight) < DELTA_COVERAGE:
                    continue
                value = self.score(ref, window) * ref.trust
                if best is None or value > best[0]:
                    best = (value, ref, window)
        if best is None:
            return None
        return self._hit(claim_id, best[0], best[1], best[2], item_tokens)

    def _hit(
        self, claim_id: str, value: float, ref: Reference, window: Window, item_tokens: Sequence[Token]
    ) -> ClaimHit:
        entry = self._claims[claim_id]
        check = RefutationCheck(entry.tokens, entry.statements, self, entry.references[0])
        signals = refutation_signals(item_tokens, window, check)
        if ref.kind == "statement" and "statement" not in signals:
            signals = (*signals, "statement")
        stance: Stance = "refute" if signals else "spread"
        return ClaimHit(claim_id, round(min(1.0, value), 4), stance, ref.kind, window, signals)
