"""One item compared with the kept variants of candidate stories, without repeating work.

Variants of one story, and stories told the same way, share sentences: the overlaps of the item's
sentences with each distinct story sentence are computed once (`column`). From them, a bound of a
variant's coverage comes for free (each item sentence matches at most its best overlap, and each
story sentence at most its own), so only the variants that can still win are matched in full.
When both have a title, the similarity is at most the titles' coverage, worked out first (once per
distinct title): a variant whose title cannot beat the best found is not looked at further.
The similarity found is `fingerprint.similarity`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from presscenter.monitoring.analysis.fingerprint import (
    MIN_RUN,
    Fingerprint,
    coverage,
    greedy_matched,
    sentence_overlap,
    uncommon,
)
from presscenter.monitoring.text.sentences import Sentence


class ItemComparison:
    def __init__(self, fp: Fingerprint, is_common: Callable[[Sentence], bool]):
        self.fp = fp
        self.is_common = is_common
        self.body = uncommon(fp.body, is_common)
        self.body_size = sum(len(s.keys) for s in self.body)
        self._keys = frozenset().union(*(s.keyset for s in self.body))
        self._hashes = {s.hash for s in self.body}
        self._shortest = min((len(s.keys) for s in self.body), default=0)
        self._zeros = [0] * len(self.body)
        # (hash, cut) of a story sentence -> (its keys, its overlap with each item sentence, the largest)
        self._columns: dict[tuple[int, bool], tuple[tuple[str, ...], list[int], int]] = {}
        # the same, by the sentence object (`Sentence` hashes by identity: no key to build); variants
        # of a story share their sentence objects, so most look-ups end here
        self._by_sentence: dict[Sentence, tuple[list[int], int]] = {}
        # a variant's title -> its coverage with the item's title
        self._title_coverage: dict[tuple[Sentence, ...], float] = {}

    def overlaps_any(self, sentences: Iterable[Sentence]) -> bool:
        """Whether any of `sentences` overlaps an item sentence."""
        return any(self.column(s)[1] for s in sentences)

    def column(self, sentence: Sentence) -> tuple[list[int], int]:
        """The overlap of each item sentence with `sentence`, and the largest of them."""
        found = self._by_sentence.get(sentence)
        if found is not None:
            return found
        key = (sentence.hash, sentence.truncated)
        known = self._columns.get(key)
        if known is not None and known[0] == sentence.keys:
            found = known[1], known[2]
        else:
            if self._cannot_overlap(sentence):
                overlaps, best = self._zeros, 0
            else:
                overlaps = [sentence_overlap(a, sentence) for a in self.body]
                best = max(overlaps, default=0)
            if known is None:
                self._columns[key] = (sentence.keys, overlaps, best)
            found = overlaps, best
        self._by_sentence[sentence] = found
        return found

    def _cannot_overlap(self, sentence: Sentence) -> bool:
        """`sentence_overlap`'s first test against every item sentence at once: too few keys shared."""
        if sentence.hash in self._hashes:
            return False
        shared = len(sentence.keyset & self._keys)
        shorter = min(self._shortest, len(sentence.keys))
        return shared * 2 < shorter or (shared < MIN_RUN and shared < shorter)

    def title_coverage(self, title: tuple[Sentence, ...]) -> float:
        """`coverage` of the item's title and `title`."""
        found = self._title_coverage.get(title)
        if found is None:
            found = self._title_coverage[title] = coverage(self.fp.title, title)
        return found

    def similarity(self, variant: Fingerprint, other: list[Sentence], at_least: float, above: float) -> float | None:
        """The item's similarity with `variant` (whose body sentences that count are `other`), or
        None when it is sure to be below `at_least` or not above `above`."""
        total = min(self.body_size, sum(len(s.keys) for s in other))
        if total == 0:
            return None
        titled = bool(self.fp.title and variant.title)
        # the title bounds the similarity too, but only from above: a similarity below `at_least`
        # is still reported when it is the best found (as `fingerprint.similarity` would give it)
        title = self.title_coverage(variant.title) if titled else 1.0
        if title <= above:
            return None
        columns = [self.column(b) for b in other]
        by_story_sentence = sum(best for _overlaps, best in columns)
        # the bound is the smaller of two: when the cheap one already rules the variant out, the
        # other is not worked out (the same decision)
        bound = min(1.0, by_story_sentence / total)
        if bound < at_least or bound <= above:
            return None
        # per item sentence, its best overlap with any story sentence (columns are as long as the body)
        by_item_sentence = sum(map(max, zip(*(c[0] for c in columns), strict=True)))
        bound = min(bound, by_item_sentence / total)
        if bound < at_least or bound <= above:
            return None
        score = min(1.0, greedy_matched([c[0] for c in columns], len(self.body)) / total)
        if score and titled:
            score = min(score, title)
        return score
