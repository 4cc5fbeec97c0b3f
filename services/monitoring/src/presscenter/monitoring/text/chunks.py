"""Tokens, sentences and shingles of a text, remembered per *chunk*.

Media streams repeat themselves: republished articles, shared headlines, boilerplate. A text is
cut into chunks where a sentence ends with . ! ? or … followed by white space, and each distinct
chunk is tokenised once (`MAX_REMEMBERED_CHUNKS` are kept). Tokenising chunk by chunk gives the
tokens `tokenize` gives for the whole text, because nothing it decides crosses such a cut (a
segment ends there, and so does a sentence), except a number that could take the words after it
("5 tháng 7"): a chunk that ends on a number, or on "tháng" after one, is not cut there.

Chunk tokens are shared by every text that has the chunk, so two things differ from `tokenize`:
token positions are relative to the chunk, and segment numbers are unique to the chunk (tokens of
different chunks never share a segment, as in the whole text; only equality of segments means
anything). A chunk repeated within one text gets a copy with segments of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import chain, count

from presscenter.monitoring.text.reaccent import Accents, accents_of
from presscenter.monitoring.text.sentences import Sentence, sentences
from presscenter.monitoring.text.shingles import ngrams, stable_hash
from presscenter.monitoring.text.tokenize import Token, tokenize_normal
from presscenter.shared.text import normalize

SHINGLE_SIZE = 3
MAX_REMEMBERED_CHUNKS = 100_000
_CUT = re.compile(r"[.!?…](\s+)")  # a cut is the white space (group 1) after a sentence's end
_SEGMENT_SPAN = 1 << 20  # more segments than a chunk can have


@dataclass(frozen=True, slots=True, eq=False)
class Chunk:
    tokens: tuple[Token, ...]  # every token, hashtags too
    sentences: tuple[Sentence, ...]
    shingles: frozenset[int]  # hashed word SHINGLE_SIZE-grams of each sentence
    open_end: bool  # ends on a number that could take the next chunk's first words
    content_keys: frozenset[str]  # keys of its content tokens
    accents: Accents  # what re-accenting learns from it


_chunks: dict[str, Chunk] = {}
_bases = count(1)


def _tokenised(text: str) -> Chunk:
    found = _chunks.get(text)
    if found is None:
        found = _build(text)
        if len(_chunks) >= MAX_REMEMBERED_CHUNKS:
            _chunks.clear()
        _chunks[text] = found
    return found


def _build(text: str) -> Chunk:
    found, open_end = tokenize_normal(text, next(_bases) * _SEGMENT_SPAN)
    tokens = tuple(found)
    parts = tuple(sentences(text, list(tokens)))
    grams = frozenset(map(stable_hash, chain.from_iterable(ngrams(s.keys, SHINGLE_SIZE) for s in parts)))
    content = frozenset(t.key for t in tokens if t.is_content)
    return Chunk(tokens, parts, grams, open_end, content, accents_of(tokens))


def _rebased(token: Token, base: int) -> Token:
    return Token(token.surface, token.key, token.accented, token.start, token.end, token.kind, token.segment + base)


def _copy(chunk: Chunk) -> Chunk:
    """The same chunk with segments of its own (for a second occurrence in one text)."""
    base = next(_bases) * _SEGMENT_SPAN
    moved = {id(t): _rebased(t, base - t.segment // _SEGMENT_SPAN * _SEGMENT_SPAN) for t in chunk.tokens}
    parts = tuple(
        Sentence(tuple(moved[id(t)] for t in s.tokens), s.truncated, s.keys, s.keyset, s.hash) for s in chunk.sentences
    )
    tokens = tuple(moved[id(t)] for t in chunk.tokens)
    return Chunk(tokens, parts, chunk.shingles, chunk.open_end, chunk.content_keys, accents_of(tokens))


def chunks(text: str) -> list[Chunk]:
    """The chunks of `text`, in order."""
    text = normalize(text)
    out: list[Chunk] = []
    start = 0
    for cut in _CUT.finditer(text):  # each cut ends a non-empty piece: a sentence's end comes first
        end, next_start = cut.span(1)
        chunk = _tokenised(text[start:end])
        if chunk.open_end:
            continue  # not cut next to a number: tokenise it with what follows
        out.append(_copy(chunk) if any(c is chunk for c in out) else chunk)
        start = next_start
    if start < len(text):
        chunk = _tokenised(text[start:])
        out.append(_copy(chunk) if any(c is chunk for c in out) else chunk)
    return out
