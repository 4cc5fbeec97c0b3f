"""Sentences (clauses typed in one go) of a text, and whether each was cut off ("...").

A sentence ends at . ! ? … : ; a line break, or an emoji or other symbol; commas do not end
one. A sentence followed by an ellipsis is marked `truncated`: social posts cut shared text
that way, so its last words may be partial.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from presscenter.monitoring.text.shingles import stable_hash
from presscenter.monitoring.text.tokenize import Token, tokenize
from presscenter.shared.text import normalize

_BREAK = re.compile(r"[.!?…:;\n]|[^\w\s,\-'/%&+()\"“”]")
_ELLIPSIS = re.compile(r"\s*(?:\.{2,}|…)")


@dataclass(frozen=True, slots=True, eq=False)
class Sentence:
    """Tokens of one sentence; `keys`, `keyset` and `hash` (stable, of the keys) are precomputed."""

    tokens: tuple[Token, ...]
    truncated: bool
    keys: tuple[str, ...]
    keyset: frozenset[str]
    hash: int

    @classmethod
    def of(cls, tokens: tuple[Token, ...], truncated: bool = False) -> Sentence:
        keys = tuple(t.key for t in tokens)
        return cls(tokens, truncated, keys, frozenset(keys), stable_hash(" ".join(keys)))

    def __len__(self) -> int:
        return len(self.keys)


def sentences(text: str, tokens: list[Token] | None = None) -> list[Sentence]:
    """The sentences of `text` (hashtags left out); pass `tokens` if `text` is already tokenized."""
    text = normalize(text)
    toks = [t for t in (tokenize(text) if tokens is None else tokens) if t.kind != "hashtag"]
    breaks = [m.start() for m in _BREAK.finditer(text)]
    breaks.append(len(text) + 1)
    out: list[Sentence] = []
    current: list[Token] = []
    b = last = 0
    for token in toks:
        if current:
            while breaks[b] < last:
                b += 1
            if breaks[b] < token.start:  # a break between the previous token and this one
                out.append(Sentence.of(tuple(current), bool(_ELLIPSIS.match(text, last))))
                current = []
        current.append(token)
        last = token.end
    if current:
        out.append(Sentence.of(tuple(current), bool(_ELLIPSIS.match(text, last))))
    return out
