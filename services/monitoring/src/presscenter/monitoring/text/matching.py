"""Find a phrase in a text ignoring diacritics, case and social spellings, keeping the original.

    find_phrase("Hà Nội", "Tin nong: HN cam xe may") → [Span(text="HN", ...)]

Matching is token by token with `compatible`, so a phrase typed with diacritics matches text
typed without them (and the reverse) but two different accented words never match.
"""

from __future__ import annotations

from dataclasses import dataclass

from presscenter.monitoring.text.tokenize import Token, compatible, tokenize
from presscenter.shared.text import normalize


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    text: str


def find_tokens(needle: list[Token], haystack: list[Token]) -> list[tuple[int, int]]:
    """(first, last+1) token index ranges of `haystack` where `needle` occurs."""
    found: list[tuple[int, int]] = []
    n = len(needle)
    if n == 0:
        return found
    for i in range(len(haystack) - n + 1):
        if all(compatible(needle[j], haystack[i + j]) for j in range(n)):
            found.append((i, i + n))
    return found


def find_phrase(phrase: str, text: str) -> list[Span]:
    """Where `phrase` occurs in `text`, as spans of the NFC-normalised original."""
    text = normalize(text)
    haystack = [t for t in tokenize(text) if t.kind != "hashtag"]
    needle = [t for t in tokenize(phrase) if t.kind != "hashtag"]
    spans = []
    for first, last in find_tokens(needle, haystack):
        start, end = haystack[first].start, haystack[last - 1].end
        spans.append(Span(start, end, text[start:end]))
    return spans


def contains_phrase(phrase_tokens: list[Token], tokens: list[Token]) -> bool:
    return bool(find_tokens(phrase_tokens, tokens))
