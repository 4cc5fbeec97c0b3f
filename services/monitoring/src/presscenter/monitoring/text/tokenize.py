"""Syllable tokens of Vietnamese text that keep the original and match without diacritics.

Every token keeps its span in the normalised (NFC) text and three forms:
- `key`: folded and spelling-normalised ("Hà" → "ha", "ko" → "khong", "5tr" → "5000000",
  "1 tháng 7" → "1/7"); indexes, shingles and hashes use it;
- `accented`: the lower-case form with diacritics, or "" for a *bare* token, one written in
  a stretch of text typed without diacritics ("Ha Noi") or produced by expanding an abbreviation;
- `surface`: the text as written.

Two tokens match (`compatible`) when their keys are equal and either one is bare or their
accented forms agree, so "Ha Noi" matches "Hà Nội" while "cầu lông" does not match "cầu Long".
Whether a stretch was typed without diacritics is decided per segment (text between punctuation):
Vietnamese written with marks has them on most syllables, so a segment where fewer than
`BARE_SEGMENT_RATIO` of the words carry marks is read as typed bare.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from presscenter.monitoring.text.spellings import ABBREVIATIONS, CURRENCY_MARKS, NUMBER_SCALES, TEENCODE_ONSETS
from presscenter.monitoring.text.stopwords import FOLDED_STOPWORDS, STOPWORDS
from presscenter.shared.text import fold, normalize

TokenKind = Literal["word", "number", "hashtag"]
BARE_SEGMENT_RATIO = 0.34

_TOKEN = re.compile(
    r"""
    (?P<url>https?://\S+|www\.\S+)
  | (?P<hashtag>\#[^\W_]\w*)
  | (?P<mention>@[\w.]+)
  | (?P<date>(?<![\w/])\d{1,2}/\d{1,2}(?:/\d{2,4})?(?![\w/]))
  | (?P<number>\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?)(?P<unit>[^\W\d_]{1,5})?(?![\w])
  | (?P<word>[^\W\d_]+)
    """,
    re.UNICODE | re.VERBOSE,
)
# Characters that end a segment (a clause typed in one go).
_SEGMENT_BREAK = re.compile(r"[^\w\s\-'/%&+]")
_ELONGATION = re.compile(r"([a-z])\1{2,}")


@dataclass(frozen=True, slots=True)
class Token:
    surface: str
    key: str
    accented: str
    start: int
    end: int
    kind: TokenKind = "word"
    segment: int = 0
    # derived at creation: a function word; a word or number that says what the text is about
    is_stopword: bool = field(init=False, compare=False)
    is_content: bool = field(init=False, compare=False)

    def __post_init__(self) -> None:
        stop = self.kind == "word" and (self.accented in STOPWORDS if self.accented else self.key in FOLDED_STOPWORDS)
        object.__setattr__(self, "is_stopword", stop)
        object.__setattr__(self, "is_content", self.kind != "hashtag" and not stop)

    @property
    def bare(self) -> bool:
        """Carries no diacritics information: matches any accented form with the same key."""
        return not self.accented


def compatible(a: Token, b: Token) -> bool:
    """Same word, ignoring diacritics only where one side was typed without them."""
    return a.key == b.key and (not a.accented or not b.accented or a.accented == b.accented)


@lru_cache(maxsize=200_000)
def _word(surface: str) -> tuple[str, str, bool, bool]:
    """(lower, key, respelled, marked) of a word as written: its lower-case form, its key, whether
    the key respells it (elongation, teencode onset) and whether it carries diacritics."""
    lower = surface.lower()
    folded = fold(lower)
    marked = folded != lower
    key = _ELONGATION.sub(r"\1", folded)
    if key and key[0] in TEENCODE_ONSETS and marked:
        key = TEENCODE_ONSETS[key[0]] + key[1:]
    return lower, key, key != folded, marked


def _word_key(lower: str) -> tuple[str, bool]:
    """The key of a word, and whether it was respelled (elongation, teencode onset)."""
    _lower, key, respelled, _marked = _word(lower)
    return key, respelled


def _number_value(raw: str) -> float | None:
    digits = raw.replace(".", "") if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", raw) else raw
    try:
        return float(digits.replace(",", "."))
    except ValueError:
        return None


def _number_key(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


@dataclass(slots=True)
class _Raw:
    kind: str
    text: str
    start: int
    end: int
    unit: str = ""
    segment: int = 0


def _scan(text: str) -> list[_Raw]:
    raws: list[_Raw] = []
    segment, last_end = 0, 0
    for m in _TOKEN.finditer(text):
        if _SEGMENT_BREAK.search(text, last_end, m.start()):
            segment += 1
        last_end = m.end()
        kind = "number" if m.lastgroup == "unit" else (m.lastgroup or "word")
        if kind in ("url", "mention"):
            segment += 1
            continue
        if kind == "number":
            raws.append(_Raw("number", m.group("number"), m.start(), m.end(), (m.group("unit") or ""), segment))
        else:
            raws.append(_Raw(kind, m.group(0), m.start(), m.end(), "", segment))
    return raws


def _bare_segments(raws: list[_Raw]) -> set[int]:
    words: dict[int, list[bool]] = {}
    for raw in raws:
        if raw.kind == "word":
            words.setdefault(raw.segment, []).append(_word(raw.text)[3])
    return {seg for seg, marks in words.items() if sum(marks) < BARE_SEGMENT_RATIO * len(marks)}


def tokenize(text: str) -> list[Token]:
    """Tokens of `text` in order; numbers, dates and money amounts get canonical keys."""
    text = normalize(text)
    raws = _scan(text)
    bare = _bare_segments(raws)
    out: list[Token] = []
    i = 0
    while i < len(raws):
        raw = raws[i]
        if raw.kind == "hashtag":
            key = _word_key(raw.text[1:].lower())[0]
            out.append(Token(raw.text, key, "", raw.start, raw.end, "hashtag", raw.segment))
        elif raw.kind == "date":
            day_month = "/".join(str(int(part)) for part in raw.text.split("/")[:2])
            out.append(Token(raw.text, day_month, "", raw.start, raw.end, "number", raw.segment))
        elif raw.kind == "number":
            consumed = _number(raws, i, text, out)
            i += consumed
            continue
        else:
            lower, key, respelled, marked = _word(raw.text)
            expansion = ABBREVIATIONS.get(key) if not marked or key == "dc" else None
            if expansion is not None:
                for word in expansion.split():
                    out.append(Token(raw.text, word, "", raw.start, raw.end, "word", raw.segment))
            else:
                accented = "" if respelled or raw.segment in bare else lower
                out.append(Token(raw.text, key, accented, raw.start, raw.end, "word", raw.segment))
        i += 1
    return out


def _number(raws: list[_Raw], i: int, text: str, out: list[Token]) -> int:
    """Append the token(s) of the number at `raws[i]`; returns how many raw tokens it used."""
    raw = raws[i]
    value = _number_value(raw.text)
    if value is None:
        out.append(Token(raw.text, raw.text, "", raw.start, raw.end, "number", raw.segment))
        return 1
    end, used = raw.end, 1
    unit = fold(raw.unit)
    currency = False
    if unit in NUMBER_SCALES:
        value *= NUMBER_SCALES[unit]
    elif unit in CURRENCY_MARKS:
        currency = True
    elif unit:  # "80ha", "3km": a number glued to a unit we do not scale
        out.append(Token(raw.text, _number_key(value), "", raw.start, raw.start + len(raw.text), "number", raw.segment))
        unit_start = raw.end - len(raw.unit)
        out.append(Token(raw.unit, _word_key(raw.unit.lower())[0], "", unit_start, raw.end, "word", raw.segment))
        return 1
    nxt = raws[i + 1] if i + 1 < len(raws) else None
    # "1 tháng 7": a day and a month written out
    if (
        not unit
        and nxt is not None
        and nxt.kind == "word"
        and fold(nxt.text) == "thang"
        and i + 2 < len(raws)
        and raws[i + 2].kind == "number"
        and not raws[i + 2].unit
        and 1 <= value <= 31
        and (month := _number_value(raws[i + 2].text)) is not None
        and 1 <= month <= 12
        and month == int(month)
    ):
        start, end = raw.start, raws[i + 2].end
        out.append(Token(text[start:end], f"{int(value)}/{int(month)}", "", start, end, "number", raw.segment))
        return 3
    # "5 triệu", "2 tỷ": a spelled-out scale after the number
    scale = fold(nxt.text) if nxt is not None and nxt.kind == "word" else ""
    if not unit and scale in NUMBER_SCALES and scale != "k":
        value *= NUMBER_SCALES[scale]
        end, used = nxt.end, 2
    out.append(Token(text[raw.start : end], _number_key(value), "", raw.start, end, "number", raw.segment))
    if currency:
        out.append(Token(raw.unit, "dong", "", raw.end - len(raw.unit), raw.end, "word", raw.segment))
    return used


def keys(text: str) -> list[str]:
    """The keys of `text`'s tokens (hashtags left out): what a fold-and-spelling index stores."""
    return [t.key for t in tokenize(text) if t.kind != "hashtag"]


def content_tokens(tokens: list[Token]) -> list[Token]:
    return [t for t in tokens if t.is_content]
