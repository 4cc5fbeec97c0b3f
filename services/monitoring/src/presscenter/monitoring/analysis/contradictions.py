"""Items that contradict an official release's stated facts, without any registered claim.

A published release states facts: numbers, dates and amounts ("kéo dài 4 ngày", "từ ngày 24/4",
"5 triệu đồng", "khoảng 8%"), and yes/no statements ("không phong tỏa khu phố"). An item
contradicts the release when it is about the same subject and states one of those facts
otherwise. Both halves must hold, which keeps template-like news apart ("Lễ hội ... tại phường
Láng, kéo dài 5 ngày" is another festival, not a contradiction of "... tại phường Ba Đình, kéo
dài 4 ngày"):

1. *same subject*: the item's headline (its title, or a post's text) has the release title's
   words (numbers aside), all of them by default (`max_missing_subject`), and at least
   `subject_coverage` of their weight; words match with `compatible` (no diacritics is fine);
2. *the same statement, otherwise*: a sentence of the item has the words of a *fact* of the
   release (a clause of it with a value or a negation), in order, for `fact_coverage` of their
   weight, none missing and none added between two it has (only the ends may be cut: "trạm
   phường Ba Đình" and "trạm xã Ba Vì" are two stations, "hộ nghèo" and "hộ cận nghèo" two
   groups), and
   - a value slot (the values between the same two words of the fact, "dài _ ngày", both found
     in the item) holds other values in the item than in the release, and the release's values
     are nowhere in the item; or
   - a word the release negates is stated in the item without negation, or the reverse
     (`polarity_coverage`, stricter: the item must say the same thing up to the negation).

Items that report a refutation (`text.cues`), or that were published before the release, are not
contradictions. Releases are indexed by their subject words (an inverted index: an item costs a
few dictionary look-ups); they are kept for `horizon` of event time and at most `max_releases`.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from presscenter.monitoring.analysis.refutation import cues_in, negated_positions, negator_keys
from presscenter.monitoring.text.sentences import Sentence, sentences
from presscenter.monitoring.text.tokenize import Token, compatible

MIN_FACT_WORDS = 2


@dataclass(frozen=True)
class ContradictionSettings:
    subject_coverage: float = 0.85
    max_missing_subject: int = 0
    min_subject_words: int = 3
    fact_coverage: float = 0.6
    polarity_coverage: float = 0.9
    horizon: timedelta = timedelta(days=30)
    max_releases: int = 5_000


@dataclass(frozen=True, slots=True)
class Fact:
    """A sentence of a release that states a value or a negation, as content tokens."""

    text: str
    words: tuple[Token, ...]  # content tokens, negators left out
    slots: tuple[tuple[int, int, tuple[str, ...]], ...]  # (word before, word after, value keys)
    negated: frozenset[int]  # indexes in `words` of the words the release negates


@dataclass(frozen=True)
class ContradictionHit:
    release_id: str
    unit_code: str
    score: float
    fact: str  # the release's statement
    said: str  # what the item says instead
    reason: str  # "value:<release values>-><item values>" or "polarity:<word>"


@dataclass(frozen=True)
class _Release:
    release_id: str
    unit_code: str
    published_at: datetime
    subject: tuple[Token, ...]
    facts: tuple[Fact, ...]
    subject_keys: int  # distinct keys of the subject


@dataclass(frozen=True, slots=True)
class _Words:
    """A sentence's content tokens (negators left out) with the positions negated."""

    words: tuple[Token, ...]
    numbers: tuple[bool, ...]
    negated: frozenset[int]


def _words(tokens: Sequence[Token]) -> _Words:
    negators = negator_keys()
    negated_at = negated_positions(tokens)
    words: list[Token] = []
    negated: set[int] = set()
    for i, token in enumerate(tokens):
        if not token.is_content or token.key in negators:
            continue
        if i in negated_at:
            negated.add(len(words))
        words.append(token)
    return _Words(tuple(words), tuple(t.kind == "number" for t in words), frozenset(negated))


def clauses(sentence: Sentence) -> list[tuple[Token, ...]]:
    """The clauses of a sentence (its segments: commas cut them): each states a fact of its own."""
    out: list[list[Token]] = []
    for token in sentence.tokens:
        if not out or out[-1][-1].segment != token.segment:
            out.append([])
        out[-1].append(token)
    return [tuple(c) for c in out]


def fact_of(tokens: Sequence[Token]) -> Fact | None:
    """The clause as a fact, or None if it states no value and no negation, or has fewer than
    `MIN_FACT_WORDS` words besides its values to tell where they go."""
    found = _words(tokens)
    words, numbers = found.words, found.numbers
    slots: list[tuple[int, int, tuple[str, ...]]] = []
    i = 0
    while i < len(words):
        if not numbers[i]:
            i += 1
            continue
        j = i
        while j < len(words) and numbers[j]:
            j += 1
        slots.append((i - 1, j if j < len(words) else -1, tuple(t.key for t in words[i:j])))
        i = j
    if not slots and not found.negated:
        return None
    if sum(1 for n in numbers if not n) < MIN_FACT_WORDS:
        return None
    text = " ".join(t.surface for t in tokens)
    return Fact(text, words, tuple(slots), found.negated)


def _align(fact: Fact, item: _Words) -> list[int]:
    """For each word of the fact, its position in the item (in order), or -1."""
    at: list[int] = []
    start = 0
    words = item.words
    for token, is_value in zip(fact.words, (t.kind == "number" for t in fact.words), strict=True):
        if is_value:
            at.append(-1)
            continue
        found = -1
        for k in range(start, len(words)):
            if compatible(token, words[k]):
                found = k
                break
        at.append(found)
        if found >= 0:
            start = found + 1
    return at


class ContradictionIndex:
    def __init__(self, weight: Callable[[str], float], settings: ContradictionSettings | None = None):
        self.weight = weight
        self.settings = settings or ContradictionSettings()
        self._releases: OrderedDict[str, _Release] = OrderedDict()
        self._by_key: dict[str, set[str]] = {}

    def __len__(self) -> int:
        return len(self._releases)

    def __contains__(self, release_id: object) -> bool:
        return release_id in self._releases

    # --- the releases ---------------------------------------------------------------------------

    def add(self, release_id: str, unit_code: str, title: str, body: str, published_at: datetime) -> bool:
        """Index a release's subject and facts; False if it states nothing checkable."""
        self.remove(release_id)
        heading = sentences(title)
        subject = tuple(t for s in heading for t in _words(s.tokens).words if t.kind != "number" and len(t.key) > 1)
        facts = tuple(
            f for s in (*heading, *sentences(body)) for clause in clauses(s) if (f := fact_of(clause)) is not None
        )
        keys = len({t.key for t in subject})
        if keys < self.settings.min_subject_words or not facts:
            return False
        self._releases[release_id] = _Release(release_id, unit_code, published_at, subject, facts, keys)
        for key in {t.key for t in subject}:
            self._by_key.setdefault(key, set()).add(release_id)
        while len(self._releases) > self.settings.max_releases:
            self.remove(next(iter(self._releases)))
        return True

    def remove(self, release_id: str) -> None:
        release = self._releases.pop(release_id, None)
        if release is None:
            return
        for key in {t.key for t in release.subject}:
            holders = self._by_key.get(key)
            if holders is not None:
                holders.discard(release_id)
                if not holders:
                    del self._by_key[key]

    def expire(self, now: datetime) -> None:
        """Forget releases older than the horizon."""
        cutoff = now - self.settings.horizon
        while self._releases:
            oldest = next(iter(self._releases.values()))
            if oldest.published_at >= cutoff:
                break
            self.remove(oldest.release_id)

    # --- items ----------------------------------------------------------------------------------

    def candidates(self, headline_keys: frozenset[str], at: datetime) -> list[_Release]:
        """Releases published by `at` whose subject words the headline has, all but the allowed few."""
        if not self._releases:
            return []
        votes: dict[str, int] = {}
        by_key = self._by_key
        for key in headline_keys:
            for release_id in by_key.get(key, ()):
                votes[release_id] = votes.get(release_id, 0) + 1
        found = []
        allowed = self.settings.max_missing_subject
        for release_id, count in votes.items():
            release = self._releases[release_id]
            if count >= release.subject_keys - allowed and release.published_at <= at:
                found.append(release)
        return found

    def check(
        self, headline: Sequence[Sentence], parts: Sequence[Sequence[Sentence]], at: datetime
    ) -> ContradictionHit | None:
        """The release the item contradicts most surely, or None."""
        headline_keys = frozenset().union(*(s.keyset for s in headline)) if headline else frozenset()
        releases = self.candidates(headline_keys, at)
        if not releases:
            return None
        heading = [w for s in headline for w in _words(s.tokens).words]
        item_sentences = [s for part in parts for s in part]
        if any(cues_in(s.tokens) for s in item_sentences):
            return None  # it reports a denial
        said = [_words(s.tokens) for s in item_sentences]
        best: ContradictionHit | None = None
        for release in releases:
            subject = self._subject_score(release.subject, heading)
            if subject is None:
                continue
            for fact in release.facts:
                for sentence, words in zip(item_sentences, said, strict=True):
                    found = self._conflict(fact, words, said)
                    if found is None:
                        continue
                    coverage, reason = found
                    score = round(min(1.0, subject * coverage), 4)
                    if best is None or score > best.score:
                        text = " ".join(t.surface for t in sentence.tokens)
                        best = ContradictionHit(release.release_id, release.unit_code, score, fact.text, text, reason)
        return best

    def _subject_score(self, subject: tuple[Token, ...], heading: list[Token]) -> float | None:
        """Weighted share of the subject words the headline has, or None below the bar."""
        total = got = 0.0
        missing = 0
        for token in subject:
            value = self.weight(token.key)
            total += value
            if any(compatible(token, h) for h in heading):
                got += value
            else:
                missing += 1
        if not total or missing > self.settings.max_missing_subject:
            return None
        share = got / total
        return share if share >= self.settings.subject_coverage else None

    def _conflict(self, fact: Fact, item: _Words, whole: list[_Words]) -> tuple[float, str] | None:
        """(coverage, reason) if the item sentence states the fact otherwise, else None."""
        at = _align(fact, item)
        total = got = 0.0
        for token, position in zip(fact.words, at, strict=True):
            if token.kind == "number":
                continue
            value = self.weight(token.key)
            total += value
            if position >= 0:
                got += value
        if not total:
            return None
        coverage = got / total
        if coverage < self.settings.fact_coverage or _gap_inside(fact, at) or _insert_inside(fact, at, item):
            return None
        for before, after, values in fact.slots:
            if (before >= 0 and at[before] < 0) or (after >= 0 and at[after] < 0):
                continue  # a word next to the value is missing: not sure it is the same slot
            start = at[before] + 1 if before >= 0 else -1
            end = at[after] if after >= 0 else -1
            if start < 0 and end < 0:
                continue
            if start < 0:  # only the word after is anchored: the values just before it
                start = end
                while start > 0 and item.numbers[start - 1]:
                    start -= 1
            if end < 0:
                end = start
                while end < len(item.words) and item.numbers[end]:
                    end += 1
            stated = tuple(t.key for t, n in zip(item.words[start:end], item.numbers[start:end], strict=True) if n)
            if not stated or stated == values or end - start != len(stated):
                continue
            if any(_has_values(other, values) for other in whole):
                continue  # the item also gives the release's figures
            return coverage, f"value:{' '.join(values)}->{' '.join(stated)}"
        if coverage < self.settings.polarity_coverage:
            return None
        for index, position in enumerate(at):
            if position < 0 or fact.words[index].kind == "number":
                continue
            if (index in fact.negated) != (position in item.negated):
                return coverage, f"polarity:{fact.words[index].surface}"
        return None


def _gap_inside(fact: Fact, at: list[int]) -> bool:
    """Whether a word of the fact is missing between two it has: another word in its place says
    something else ("trạm phường Ba Đình" / "trạm xã Ba Vì"); only the ends may be cut."""
    found = [i for i, (token, position) in enumerate(zip(fact.words, at, strict=True))
             if position >= 0 and token.kind != "number"]  # fmt: skip
    if not found:
        return True
    return any(at[i] < 0 and fact.words[i].kind != "number" for i in range(found[0], found[-1] + 1))


def _insert_inside(fact: Fact, at: list[int], item: _Words) -> bool:
    """Whether the item has a word of its own between two words of the fact ("hộ nghèo" / "hộ cận
    nghèo"): only values may stand between them, where the fact has values too."""
    previous = -1
    values_between = False
    for token, position in zip(fact.words, at, strict=True):
        if token.kind == "number":
            values_between = True
            continue
        if position < 0:
            continue
        if previous >= 0:
            between = item.numbers[previous + 1 : position]
            if (between and not values_between) or not all(between):
                return True
        previous, values_between = position, False
    return False


def _has_values(item: _Words, values: tuple[str, ...]) -> bool:
    keys = [t.key for t, n in zip(item.words, item.numbers, strict=True) if n]
    n = len(values)
    return any(tuple(keys[i : i + n]) == values for i in range(len(keys) - n + 1))
