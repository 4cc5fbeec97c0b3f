"""What two items are compared on to decide they tell the same story, and how.

An item's *fingerprint* is its body sentences (the text, or the title when there is no text),
its title sentences when it has both, and the hashed word 3-grams of the body. Two items are
near-duplicates when most of the content of the shorter one is found, sentence by sentence, in
the other (`coverage`), so that the styling social posts and republishers add does not count:

- a prefix or a trailing remark, glued to a sentence or on its own, is an extra at either end;
- truncation ("...") cuts the end of a sentence;
- reordered sentences match one by one;
- sentences the caller marks as *common* (boilerplate seen in many stories) are left out.

What does count is a change inside a sentence: "mức tốt sáng nay" against "mức kém sáng nay",
or a different street at the end of an otherwise identical headline. Two sentences match only
when their common tokens form one run with extras at the ends, and when the ends differ on
both sides only if one of them was cut off.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import chain

from presscenter.monitoring.text.chunks import Chunk, chunks
from presscenter.monitoring.text.sentences import Sentence
from presscenter.monitoring.text.tokenize import Token

MIN_RUN = 3


@dataclass(frozen=True, slots=True, eq=False)
class Fingerprint:
    title: tuple[Sentence, ...]
    body: tuple[Sentence, ...]
    shingles: frozenset[int]
    tokens: tuple[Token, ...]
    chunks: tuple[Chunk, ...] = ()  # of the body, see `text.chunks`

    @property
    def body_hashes(self) -> tuple[int, ...]:
        return tuple(s.hash for s in self.body)

    @property
    def content_keys(self) -> frozenset[str]:
        """The keys of the body's content tokens."""
        return frozenset().union(*(c.content_keys for c in self.chunks))

    @property
    def size(self) -> int:
        return sum(len(s) for s in self.body)

    def without_tokens(self) -> Fingerprint:
        """What a story keeps of an item to compare others with: its sentences (shared by every
        item with the same text, see `text.chunks`), not its own tokens and shingles."""
        return Fingerprint(self.title, self.body, frozenset(), ())


def sentence_hash(sentence: Sentence) -> int:
    return sentence.hash


def fingerprint(title: str, text: str) -> Fingerprint:
    body_text = text if text.strip() else title
    body_chunks = chunks(body_text)
    if len(body_chunks) == 1:  # a post of one sentence: the chunk's own tuples and set, not copies
        [only] = body_chunks
        tokens, body, shingles = only.tokens, only.sentences, only.shingles
    else:
        tokens = tuple(chain.from_iterable(c.tokens for c in body_chunks))
        body = tuple(chain.from_iterable(c.sentences for c in body_chunks))
        shingles = frozenset().union(*(c.shingles for c in body_chunks))
    heading = tuple(chain.from_iterable(c.sentences for c in chunks(title))) if title.strip() and text.strip() else ()
    return Fingerprint(heading, body, shingles, tokens, tuple(body_chunks))


def longest_common_run(a: Sequence[str], b: Sequence[str]) -> tuple[int, int, int]:
    """(start in a, start in b, length) of the longest run of tokens `a` and `b` share, leftmost first."""
    where: dict[str, list[int]] = {}
    for j, key in enumerate(b):
        where.setdefault(key, []).append(j)
    best = (0, 0, 0)
    previous: dict[int, int] = {}
    for i, key in enumerate(a):
        current: dict[int, int] = {}
        for j in where.get(key, ()):
            run = current[j] = previous.get(j - 1, 0) + 1
            if run > best[2]:
                best = (i - run + 1, j - run + 1, run)
        previous = current
    return best


# sentence_overlap of sentences that needed a longest common run, by (hash, truncated) of both:
# near-identical sentences come back with every copy of a story
_overlaps: dict[tuple[int, bool, int, bool], tuple[tuple[str, ...], tuple[str, ...], int]] = {}
MAX_REMEMBERED_OVERLAPS = 200_000


def sentence_overlap(a: Sentence, b: Sentence) -> int:
    """Tokens `a` and `b` share if they are the same sentence up to extras at the ends, else 0."""
    ka, kb = a.keys, b.keys
    if a.hash == b.hash and ka == kb:
        return len(ka)
    shorter = min(len(ka), len(kb))
    shared = len(a.keyset & b.keyset)
    if shared * 2 < shorter or (shared < MIN_RUN and shared < shorter):
        return 0
    key = (a.hash, a.truncated, b.hash, b.truncated)
    known = _overlaps.get(key)
    if known is not None and known[0] == ka and known[1] == kb:
        return known[2]
    found = _run_overlap(a, b, shorter)
    if len(_overlaps) >= MAX_REMEMBERED_OVERLAPS:
        _overlaps.clear()
    _overlaps[key] = (ka, kb, found)
    return found


def _run_overlap(a: Sentence, b: Sentence, shorter: int) -> int:
    ka, kb = a.keys, b.keys
    i, j, run = longest_common_run(ka, kb)
    if run * 2 < shorter or (run < MIN_RUN and run < shorter):
        return 0
    # any other shared token before or after the run means a difference inside the sentence
    if set(ka[:i]) & set(kb[:j]) or set(ka[i + run :]) & set(kb[j + run :]):
        return 0
    if i + run < len(ka) and j + run < len(kb) and not (a.truncated or b.truncated):
        return 0  # both go on differently after the common run: a different ending, not a remark
    return run


def uncommon(x: Sequence[Sentence], is_common: Callable[[Sentence], bool]) -> list[Sentence]:
    """The sentences of `x` that are not common, or all of them if all are."""
    return [s for s in x if not is_common(s)] or list(x)


def coverage(
    x: Sequence[Sentence], u: Sequence[Sentence], is_common: Callable[[Sentence], bool] = lambda _s: False
) -> float:
    """Share of the smaller side's tokens that the other side has, sentence by sentence.

    Common sentences are left out of both sides, unless that would leave a side empty.
    """
    return _coverage(uncommon(x, is_common), uncommon(u, is_common))


def _coverage(xs: Sequence[Sentence], us: Sequence[Sentence]) -> float:
    total = min(sum(len(s.keys) for s in xs), sum(len(s.keys) for s in us))
    if total == 0:
        return 0.0
    return min(1.0, greedy_matched([[sentence_overlap(a, b) for a in xs] for b in us], len(xs)) / total)


def greedy_matched(columns: Sequence[Sequence[int]], rows: int) -> int:
    """Tokens matched when each sentence of one side, in turn, takes the unused sentence of the
    other side it overlaps most (the first of equals); `columns[j][i]` is the overlap of sentence
    i of the first side with sentence j of the other."""
    matched, used = 0, set()
    for i in range(rows):
        best, best_j = 0, -1
        for j, column in enumerate(columns):
            if column[i] > best and j not in used:
                best, best_j = column[i], j
        if best_j >= 0:
            used.add(best_j)
            matched += best
    return matched


def similarity(a: Fingerprint, b: Fingerprint, is_common: Callable[[Sentence], bool]) -> float:
    """How far `a` and `b` are the same story: body coverage, and titles must agree when both have one."""
    score = coverage(a.body, b.body, is_common)
    if score and a.title and b.title:
        score = min(score, coverage(a.title, b.title))
    return score
