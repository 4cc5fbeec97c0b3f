"""Chunks of a text: cut after . ! ? … and white space (not after : or ;), never next to a number
that could take the following words, the same as the straightforward cutting on 3,000 random texts."""

from __future__ import annotations

import random
import re
import unicodedata

from presscenter.monitoring.text.chunks import Chunk, _copy, _tokenised, chunks
from presscenter.monitoring.text.tokenize import tokenize
from presscenter.shared.text import normalize

_LOOKBEHIND_CUT = re.compile(r"(?<=[.!?…])\s+")
WORDS = ["Mưa", "lớn", "ngập", "sâu", "Hà", "Nội", "cháy", "chung", "cư", "tháng", "triệu", "ko", "mua", "lon", "#tin"]
NUMBERS = ["5", "12", "1.000", "3,5", "5tr", "7/8"]
MARKS = [".", "!", "?", "…", ":", ";", ",", "...", "-", "😀", ".!", ""]
SPACES = [" ", "  ", "\n", "\t", "\u00a0", "\u2003", " \n "]


def _straightforward(text: str) -> list[Chunk]:
    """Chunks as first written: every cut listed first, then the pieces between them."""
    text = normalize(text)
    out: list[Chunk] = []
    start = 0
    ends = [(m.start(), m.end()) for m in _LOOKBEHIND_CUT.finditer(text)]
    ends.append((len(text), len(text)))
    for end, next_start in ends:
        if end == start:
            start = next_start
            continue
        chunk = _tokenised(text[start:end])
        if chunk.open_end and end < len(text):
            continue
        if any(c is chunk for c in out):
            chunk = _copy(chunk)
        out.append(chunk)
        start = next_start
    return out


def _described(found: list[Chunk]) -> list[tuple[object, ...]]:
    """What the chunks hold, with segments as the order they first appear in (only equality counts)."""
    order: dict[int, int] = {}
    return [
        (
            chunk.open_end,
            chunk.shingles,
            chunk.content_keys,
            chunk.accents,
            tuple((*token[:6], order.setdefault(token.segment, len(order))) for token in chunk.tokens),
            tuple(
                (s.keys, s.truncated, s.hash, tuple(chunk.tokens.index(t) for t in s.tokens)) for s in chunk.sentences
            ),
        )
        for chunk in found
    ]


def _random_text(rng: random.Random) -> str:
    sentences = [
        " ".join(rng.choice(WORDS + NUMBERS) for _ in range(rng.randrange(0, 6))) + rng.choice(MARKS)
        for _ in range(rng.randrange(1, 6))
    ]
    if rng.random() < 0.4:  # a sentence repeated within the text
        sentences.append(rng.choice(sentences))
    text = rng.choice(["", " ", "\n"]) + "".join(s + rng.choice(SPACES) * rng.randrange(0, 3) for s in sentences)
    return unicodedata.normalize("NFD", text) if rng.random() < 0.1 else text


def test_a_text_is_cut_after_a_sentence_end_and_white_space_only() -> None:
    assert len(chunks("Mưa lớn. Ngập sâu! Kẹt xe? Ơi… Hết")) == 5
    assert len(chunks("Mưa lớn: ngập sâu; kẹt xe.Hết")) == 1
    assert len(chunks("Giá tăng 5. Triệu người đi làm")) == 1  # the number could take "Triệu"
    assert chunks("") == [] and chunks("  ") == [_tokenised("  ")] and chunks(". ") == [_tokenised(".")]


def test_chunk_tokens_are_the_tokens_of_the_whole_text() -> None:
    text = "Cháy chung cư ở Hà Nội. Cháy chung cư ở Hà Nội. Ngày 5 tháng 7 giá 5 triệu!"
    found = chunks(text)
    assert found[1] is not found[0] and found[1].tokens[0].segment != found[0].tokens[0].segment
    assert [t.key for c in found for t in c.tokens] == [t.key for t in tokenize(text)]


def test_chunks_are_those_of_the_straightforward_cutting_on_random_texts() -> None:
    rng = random.Random(3)
    cut = open_ends = copies = 0
    for _ in range(3000):
        text = _random_text(rng)
        found = chunks(text)
        assert _described(found) == _described(_straightforward(text)), text
        cut += len(found) > 1
        open_ends += any(c.open_end for c in found)
        copies += len({id(c.shingles) for c in found if c.shingles}) < len([c for c in found if c.shingles])
    assert cut > 1000 and open_ends > 100 and copies > 30
