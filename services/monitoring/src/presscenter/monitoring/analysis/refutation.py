"""Does an item that matches a claim report its refutation instead of spreading it?

Three signals, any one is enough:
- `cue:<phrase>`: a refutation phrase (`text.cues`) anywhere in the item, unless the claim's own
  text uses it (a claim about a scam may say "lừa đảo" itself);
- `negated:<word>`: a word of the claim, negated in the item ("không có ổ dịch", "chưa cấm")
  but not in the claim;
- `statement`: the matching window is closer to an official statement that refutes the claim
  (a published release) than to the claim.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import TYPE_CHECKING, Protocol

from presscenter.monitoring.analysis.references import has_compatible
from presscenter.monitoring.text.cues import CESSATIONS, CONDITIONALS, NEGATORS, REFUTATION_PHRASES
from presscenter.monitoring.text.tokenize import Token, compatible, tokenize

if TYPE_CHECKING:
    from presscenter.monitoring.analysis.references import Reference, Window

NEGATION_REACH = 2
STATEMENT_MIN_SCORE = 0.6
DELTA_COVERAGE = 0.5


class Scorer(Protocol):
    def score(self, ref: Reference, window: Window) -> float: ...

    def weight(self, key: str) -> float: ...


@dataclass(frozen=True)
class RefutationCheck:
    claim_tokens: tuple[Token, ...]
    statements: Sequence[Reference]
    scorer: Scorer
    claim_reference: Reference | None = None
    # `statement_delta` of each statement, if the caller keeps them
    deltas: Sequence[tuple[Token, ...]] | None = None


@lru_cache(maxsize=1)
def _cues_by_first_key() -> dict[str, list[tuple[str, list[Token]]]]:
    """Refutation phrases as tokens, by the key of their first word."""
    found: dict[str, list[tuple[str, list[Token]]]] = {}
    for phrase in REFUTATION_PHRASES:
        tokens = tokenize(phrase)
        found.setdefault(tokens[0].key, []).append((phrase, tokens))
    return found


@lru_cache(maxsize=1)
def _negator_tokens() -> tuple[list[Token], ...]:
    return tuple(tokenize(n) for n in NEGATORS)


def cues_in(tokens: Sequence[Token]) -> list[str]:
    """The refutation phrases found in `tokens`, each once, in the order of the cue table."""
    words = [t for t in tokens if t.kind != "hashtag"]
    by_first = _cues_by_first_key()
    found: set[str] = set()
    for i, word in enumerate(words):
        for phrase, cue in by_first.get(word.key, ()):
            window = words[i : i + len(cue)]
            if phrase not in found and len(window) == len(cue) and all(map(compatible, cue, window)):
                found.add(phrase)
    return [phrase for phrase in REFUTATION_PHRASES if phrase in found]


@lru_cache(maxsize=1)
def _conditionals() -> tuple[Token, ...]:
    return tuple(tokenize(c)[0] for c in CONDITIONALS)


def _opens_a_condition(tokens: Sequence[Token], start: int) -> bool:
    """Whether the negator at `start` follows a conditional word ("ai chưa", "nếu không")."""
    if start == 0 or tokens[start - 1].segment != tokens[start].segment:
        return False
    before = tokens[start - 1]
    return any(compatible(before, c) for c in _conditionals())


@lru_cache(maxsize=1)
def _negator_firsts() -> frozenset[str]:
    return frozenset(n[0].key for n in _negator_tokens())


def _negations(tokens: Sequence[Token]) -> dict[int, int]:
    """The words negators negate, each with where its negator starts: the first content word within
    NEGATION_REACH tokens after a negator, in the same segment ("không có ổ dịch" negates "ổ",
    "không được dùng" "dùng"); not after a conditional word ("ai chưa đổi", "nếu không")."""
    negated: dict[int, int] = {}
    negators, firsts = _negator_tokens(), _negator_firsts()
    for start, token in enumerate(tokens):
        if token.key not in firsts or _opens_a_condition(tokens, start):
            continue
        for negator in negators:
            end = start + len(negator)
            if end > len(tokens) or not all(map(compatible, negator, tokens[start:end])):
                continue
            segment = tokens[end - 1].segment
            for i in range(end, min(end + NEGATION_REACH + 1, len(tokens))):
                if tokens[i].segment != segment:
                    break
                if tokens[i].is_content and not any(compatible(tokens[i], n[0]) for n in negators):
                    negated.setdefault(i, start)
                    break
    return negated


def negated_positions(tokens: Sequence[Token]) -> set[int]:
    """Indexes of the words negators negate in `tokens` (see `_negations`)."""
    return set(_negations(tokens))


@lru_cache(maxsize=1)
def negator_keys() -> frozenset[str]:
    """Keys of the one-word negators ("không", "chưa", ...): words that only carry the negation."""
    return frozenset(n[0].key for n in _negator_tokens() if len(n) == 1)


@lru_cache(maxsize=1)
def _cessation_tokens() -> tuple[list[Token], ...]:
    return tuple(tokenize(c) for c in CESSATIONS)


def _ceased_positions(tokens: Sequence[Token]) -> set[int]:
    """The content words within NEGATION_REACH tokens after a verb of stopping or forbidding, in the
    same segment ("ngừng tiếp nhận" stops "tiếp" and "nhận")."""
    ceased: set[int] = set()
    for verb in _cessation_tokens():
        for start in range(len(tokens) - len(verb) + 1):
            if not all(map(compatible, verb, tokens[start : start + len(verb)])):
                continue
            end = start + len(verb)
            segment = tokens[end - 1].segment
            for i in range(end, min(end + NEGATION_REACH, len(tokens))):
                if tokens[i].segment != segment:
                    break
                if tokens[i].is_content:
                    ceased.add(i)
    return ceased


@lru_cache(maxsize=4096)
def _claim_words(claim_tokens: tuple[Token, ...]) -> tuple[tuple[Token, ...], tuple[Token, ...]]:
    """The claim's content words it does not negate, and the words it negates or says stop."""
    in_claim = negated_positions(claim_tokens) | _ceased_positions(claim_tokens)
    plain = tuple(t for i, t in enumerate(claim_tokens) if t.is_content and i not in in_claim)
    return plain, tuple(t for i, t in enumerate(claim_tokens) if i in in_claim)


@lru_cache(maxsize=4096)
def _claim_cues(claim_tokens: tuple[Token, ...]) -> frozenset[str]:
    return frozenset(cues_in(claim_tokens))


def negated_claim_words(window_tokens: Sequence[Token], claim_tokens: Sequence[Token]) -> list[str]:
    """Content words of the claim that the window negates and the claim does not."""
    claim_plain, claim_negated = _claim_words(tuple(claim_tokens))
    found: list[str] = []
    negations = _negations(window_tokens)
    for i in sorted(negations):
        if _says_as_the_claim(window_tokens, negations[i], claim_tokens):
            continue  # "KHONG LO" typed without marks is the claim's "khổng lồ", not "không lo"
        token = window_tokens[i]
        if any(compatible(token, c) for c in claim_negated):
            continue
        if any(compatible(token, c) for c in claim_plain):
            found.append(token.surface)
    return found


def _says_as_the_claim(tokens: Sequence[Token], at: int, claim_tokens: Sequence[Token]) -> bool:
    """Whether the word at `at` and the next are two adjacent words of the claim."""
    if at + 1 >= len(tokens):
        return False
    first, second = tokens[at], tokens[at + 1]
    return any(compatible(first, a) and compatible(second, b) for a, b in pairwise(claim_tokens))


def statement_delta(statement: Reference, claim: Reference) -> tuple[Token, ...]:
    """Words of an official statement that the claim does not have (negators aside, the negation
    rule sees those): what makes it a denial rather than a restatement."""
    negators = [n[0] for n in _negator_tokens()]
    return tuple(
        t
        for t in statement.tokens
        if not any(compatible(t, c) for c in claim.tokens) and not any(compatible(t, n) for n in negators)
    )


def usable_statement(statement: Reference, claim: Reference) -> bool:
    """A statement sentence that restates the claim (two of its words or more) with at least two
    words of its own; an attribution ("Sở Y tế Hà Nội:") or a bare negation is not one."""
    shared = len(statement.keys & claim.keys)
    return shared >= 2 and len({t.key for t in statement_delta(statement, claim)}) >= 2


def covers(window: Window, words: Sequence[Token], weight: Callable[[str], float] = lambda _k: 1.0) -> float:
    """Share of `words` (weighted by `weight` of their keys) the window has."""
    total = sum(weight(w.key) for w in words)
    if not total:
        return 0.0
    return sum(weight(w.key) for w in words if has_compatible(w, window.forms)) / total


def refutation_signals(item_tokens: Sequence[Token], window: Window, check: RefutationCheck) -> tuple[str, ...]:
    claim_cues = _claim_cues(tuple(check.claim_tokens))
    signals = [f"cue:{phrase}" for phrase in cues_in(item_tokens) if phrase not in claim_cues]
    signals += [f"negated:{word}" for word in negated_claim_words(window.tokens, check.claim_tokens)]
    if check.claim_reference is not None:
        reference = check.claim_reference
        deltas = check.deltas if check.deltas is not None else [statement_delta(r, reference) for r in check.statements]
        for ref, delta in zip(check.statements, deltas, strict=True):
            if (
                covers(window, delta, check.scorer.weight) >= DELTA_COVERAGE
                and check.scorer.score(ref, window) >= STATEMENT_MIN_SCORE
            ):
                signals.append("statement")
                break
    return tuple(signals)
