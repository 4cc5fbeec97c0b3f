"""The texts a claim is told by (*references*), the stretches of an item they are compared with
(*windows*), and the score of one against the other.

A window is a sentence, or two adjacent sentences, of one part of an item (title or body). The
score of a reference in a window, on content tokens weighted by how informative they are:

- coverage: how much of the reference the window has (any of the window's words counts: a claim
  typed without diacritics may keep a function word);
- focus: how much of the window's content is the reference (a long article that mentions the
  same words in passing scores low);
- order: how many of the reference's adjacent word pairs the window keeps.

Tokens match with `compatible` (no diacritics or social spellings on either side are fine); both
sides keep, per key, whether a bare token has it and which accented forms it takes, so a match is
a dictionary look-up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Literal

from presscenter.monitoring.text.sentences import Sentence
from presscenter.monitoring.text.tokenize import Token

ReferenceKind = Literal["claim", "variant", "statement"]
# key -> (a bare token has it, the accented forms it takes)
Forms = dict[str, tuple[bool, frozenset[str]]]


def forms_of(tokens: Iterable[Token]) -> Forms:
    bare: dict[str, bool] = {}
    accented: dict[str, set[str]] = {}
    for token in tokens:
        marks = accented.setdefault(token.key, set())
        if token.accented:
            marks.add(token.accented)
            bare.setdefault(token.key, False)
        else:
            bare[token.key] = True
    return {key: (bare[key], frozenset(marks)) for key, marks in accented.items()}


def has_compatible(token: Token, forms: Forms) -> bool:
    """Whether a token `compatible` with `token` is among those `forms` were made of."""
    found = forms.get(token.key)
    return found is not None and (not token.accented or found[0] or token.accented in found[1])


@dataclass(frozen=True)
class Reference:
    claim_id: str
    kind: ReferenceKind
    text: str
    tokens: tuple[Token, ...]
    keys: frozenset[str]
    bigrams: frozenset[tuple[str, str]]
    trust: float = 1.0
    forms: Forms = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(
        cls, claim_id: str, kind: ReferenceKind, tokens: Sequence[Token], text: str, trust: float = 1.0
    ) -> Reference:
        content = tuple(t for t in tokens if t.is_content)
        pairs = frozenset((a.key, b.key) for a, b in pairwise(content))
        keys = frozenset(t.key for t in content)
        return cls(claim_id, kind, text, content, keys, pairs, trust, forms_of(content))


@dataclass(frozen=True)
class Window:
    """A stretch of an item (one or two sentences, or the title) scored on its own."""

    tokens: tuple[Token, ...]
    sentences: tuple[Sentence, ...]
    content: tuple[Token, ...]
    keys: frozenset[str]
    forms: Forms = field(default_factory=dict, compare=False, repr=False)
    pairs: frozenset[tuple[str, str]] = field(default_factory=frozenset, compare=False, repr=False)

    @classmethod
    def of(cls, sentences_: tuple[Sentence, ...]) -> Window:
        tokens = tuple(t for s in sentences_ for t in s.tokens)
        content = tuple(t for t in tokens if t.is_content)
        pairs = frozenset((a.key, b.key) for a, b in pairwise(content))
        return cls(tokens, sentences_, content, frozenset(t.key for t in content), forms_of(tokens), pairs)


def window_spans(parts: Iterable[Sequence[Sentence]]) -> list[tuple[Sentence, ...]]:
    """Every sentence, and every two adjacent sentences, of each part (title, body), in that order."""
    out: list[tuple[Sentence, ...]] = []
    for part in parts:
        part = [s for s in part if len(s)]
        for i, sentence in enumerate(part):
            out.append((sentence,))
            if i + 1 < len(part):
                out.append((sentence, part[i + 1]))
    return out


def windows(parts: Iterable[Sequence[Sentence]]) -> list[Window]:
    return [Window.of(span) for span in window_spans(parts)]


@dataclass(frozen=True)
class ScoreWeights:
    coverage: float = 0.5
    focus: float = 0.25
    order: float = 0.25


def score(ref: Reference, window: Window, weight: Callable[[str], float], w: ScoreWeights) -> float:
    """Coverage, focus and order of `ref` in `window`, combined; 0.0 when either has no content."""
    if not window.content or not ref.tokens:
        return 0.0
    total = got = 0.0
    found = window.forms
    for token in ref.tokens:
        value = weight(token.key)
        total += value
        if has_compatible(token, found):
            got += value
    coverage = got / total
    total = got = 0.0
    found = ref.forms
    for token in window.content:
        value = weight(token.key)
        total += value
        if has_compatible(token, found):
            got += value
    focus = got / total
    order = len(ref.bigrams & window.pairs) / len(ref.bigrams) if ref.bigrams else coverage
    return w.coverage * coverage + w.focus * focus + w.order * order
