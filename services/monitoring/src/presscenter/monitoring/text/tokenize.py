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

Tokenising is on the hot path of monitoring: what a word form gives (its key, marks, expansion,
stopword status) is computed once per distinct form and remembered (`_lexeme`), and tokens are
tuples.
"""

from __future__ import annotations

import re
from typing import Literal, NamedTuple

from presscenter.monitoring.text.spellings import ABBREVIATIONS, CURRENCY_MARKS, NUMBER_SCALES, TEENCODE_ONSETS
from presscenter.monitoring.text.stopwords import FOLDED_STOPWORDS, STOPWORDS
from presscenter.shared.text import fold, normalize

TokenKind = Literal["word", "number", "hashtag"]
BARE_SEGMENT_RATIO = 0.34
MAX_REMEMBERED_FORMS = 200_000

# A word is tried first (the most frequent token), unless a url starts there.
_TOKEN = re.compile(
    r"""
    (?P<word>(?!https?://|www\.)[^\W\d_]+)
  | (?P<url>https?://\S+|www\.\S+)
  | (?P<hashtag>\#[^\W_]\w*)
  | (?P<mention>@[\w.]+)
  | (?P<date>(?<![\w/])\d{1,2}/\d{1,2}(?:/\d{2,4})?(?![\w/]))
  | (?P<number>\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?)(?P<unit>[^\W\d_]{1,5})?(?![\w])
    """,
    re.UNICODE | re.VERBOSE,
)
# Characters that end a segment (a clause typed in one go).
_SEGMENT_BREAK = re.compile(r"[^\w\s\-'/%&+]")
_ELONGATION = re.compile(r"([a-z])\1{2,}")
_GROUPED_DIGITS = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?")


class _TokenFields(NamedTuple):
    surface: str
    key: str
    accented: str
    start: int
    end: int
    kind: TokenKind
    segment: int
    is_stopword: bool  # a function word
    is_content: bool  # a word or number that says what the text is about


class Token(_TokenFields):
    """One token; `is_stopword` and `is_content` are derived from the other fields."""

    __slots__ = ()

    def __new__(
        cls, surface: str, key: str, accented: str, start: int, end: int, kind: TokenKind = "word", segment: int = 0
    ) -> Token:
        stop = _is_stopword(kind, key, accented)
        return _new(cls, (surface, key, accented, start, end, kind, segment, stop, kind != "hashtag" and not stop))

    def __getnewargs__(self) -> tuple[str, str, str, int, int, TokenKind, int]:  # type: ignore[override]
        return self[:7]  # type: ignore[return-value]

    @property
    def bare(self) -> bool:
        """Carries no diacritics information: matches any accented form with the same key."""
        return not self.accented


_new = tuple.__new__


def _is_stopword(kind: str, key: str, accented: str) -> bool:
    return kind == "word" and (accented in STOPWORDS if accented else key in FOLDED_STOPWORDS)


def compatible(a: Token, b: Token) -> bool:
    """Same word, ignoring diacritics only where one side was typed without them."""
    return a.key == b.key and (not a.accented or not b.accented or a.accented == b.accented)


class _Lexeme(NamedTuple):
    """What a word form as written gives, whatever its context."""

    key: str
    lower: str
    respelled: bool  # elongation or a teencode onset changed the key
    marked: bool  # carries diacritics
    expansion: tuple[tuple[str, bool], ...] | None  # an abbreviation's words, with whether each is a stopword
    stop_marked: bool  # a stopword when its segment is typed with diacritics
    stop_bare: bool  # a stopword when its segment is typed without


_lexemes: dict[str, _Lexeme] = {}


def _lexeme(surface: str) -> _Lexeme:
    found = _lexemes.get(surface)
    if found is not None:
        return found
    lower = surface.lower()
    folded = fold(lower)
    marked = folded != lower
    key = _ELONGATION.sub(r"\1", folded)
    if key and key[0] in TEENCODE_ONSETS and marked:
        key = TEENCODE_ONSETS[key[0]] + key[1:]
    respelled = key != folded
    words = ABBREVIATIONS.get(key) if not marked or key == "dc" else None
    expansion = tuple((w, w in FOLDED_STOPWORDS) for w in words.split()) if words is not None else None
    accented = "" if respelled else lower
    found = _Lexeme(
        key, lower, respelled, marked, expansion, _is_stopword("word", key, accented), key in FOLDED_STOPWORDS
    )
    if len(_lexemes) >= MAX_REMEMBERED_FORMS:
        _lexemes.clear()
    _lexemes[surface] = found
    return found


def _word_key(lower: str) -> str:
    return _lexeme(lower).key


def _number_value(raw: str) -> float | None:
    digits = raw.replace(".", "") if _GROUPED_DIGITS.fullmatch(raw) else raw
    try:
        return float(digits.replace(",", "."))
    except ValueError:
        return None


def _number_key(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


# A raw token: (kind, text, start, end, unit, segment).
_Raw = tuple[str, str, int, int, str, int]


def _scan(text: str, segment_base: int = 0) -> tuple[list[_Raw], set[int]]:
    """The raw tokens of `text` and the segments typed without diacritics."""
    raws: list[_Raw] = []
    append = raws.append
    breaks = [m.start() for m in _SEGMENT_BREAK.finditer(text)]
    breaks.append(len(text) + 1)
    b = last_end = 0
    segment = segment_base
    bare: set[int] = set()
    # segments only grow, so the words of one are consecutive: counted until the next one starts
    counted, words, marked = segment, 0, 0
    for m in _TOKEN.finditer(text):
        start, end = m.span()
        while breaks[b] < last_end:
            b += 1
        if breaks[b] < start:
            segment += 1
        last_end = end
        kind = m.lastgroup
        if kind == "word":
            surface = m.group()
            append(("word", surface, start, end, "", segment))
            if segment != counted:
                if marked < BARE_SEGMENT_RATIO * words:
                    bare.add(counted)
                counted, words, marked = segment, 0, 0
            words += 1
            marked += (_lexemes.get(surface) or _lexeme(surface)).marked
        elif kind in ("url", "mention"):
            segment += 1
        elif kind in ("number", "unit"):
            append(("number", m.group("number"), start, end, m.group("unit") or "", segment))
        else:
            append((kind or "word", m.group(), start, end, "", segment))
    if marked < BARE_SEGMENT_RATIO * words:
        bare.add(counted)
    return raws, bare


def tokenize(text: str) -> list[Token]:
    """Tokens of `text` in order; numbers, dates and money amounts get canonical keys."""
    return tokenize_normal(normalize(text))[0]


def tokenize_normal(text: str, segment_base: int = 0) -> tuple[list[Token], bool]:
    """`tokenize` of NFC text (segments numbered from `segment_base`), and whether it ends open:
    on a number that would take words that followed it ("5" + "triệu", "5 tháng" + "7")."""
    raws, bare = _scan(text, segment_base)
    out: list[Token] = []
    append = out.append
    i = 0
    while i < len(raws):
        kind, surface, start, end, _unit, segment = raws[i]
        if kind == "word":
            lex = _lexemes.get(surface) or _lexeme(surface)
            if lex.expansion is not None:
                for word, stop in lex.expansion:
                    append(_new(Token, (surface, word, "", start, end, "word", segment, stop, not stop)))
            elif lex.respelled or segment in bare:
                stop = lex.stop_bare
                append(_new(Token, (surface, lex.key, "", start, end, "word", segment, stop, not stop)))
            else:
                stop = lex.stop_marked
                append(_new(Token, (surface, lex.key, lex.lower, start, end, "word", segment, stop, not stop)))
        elif kind == "hashtag":
            append(Token(surface, _word_key(surface[1:].lower()), "", start, end, "hashtag", segment))
        elif kind == "date":
            day_month = "/".join(str(int(part)) for part in surface.split("/")[:2])
            append(Token(surface, day_month, "", start, end, "number", segment))
        else:
            i += _number(raws, i, text, out)
            continue
        i += 1
    return out, _ends_open(raws)


def _ends_open(raws: list[_Raw]) -> bool:
    if not raws:
        return False
    last = raws[-1]
    return last[0] == "number" or (len(raws) > 1 and raws[-2][0] == "number" and fold(last[1]) == "thang")


def _number(raws: list[_Raw], i: int, text: str, out: list[Token]) -> int:
    """Append the token(s) of the number at `raws[i]`; returns how many raw tokens it used."""
    _kind, raw, start, raw_end, raw_unit, segment = raws[i]
    value = _number_value(raw)
    if value is None:
        out.append(Token(raw, raw, "", start, raw_end, "number", segment))
        return 1
    end, used = raw_end, 1
    unit = fold(raw_unit)
    currency = False
    if unit in NUMBER_SCALES:
        value *= NUMBER_SCALES[unit]
    elif unit in CURRENCY_MARKS:
        currency = True
    elif unit:  # "80ha", "3km": a number glued to a unit we do not scale
        out.append(Token(raw, _number_key(value), "", start, start + len(raw), "number", segment))
        unit_start = raw_end - len(raw_unit)
        out.append(Token(raw_unit, _word_key(raw_unit.lower()), "", unit_start, raw_end, "word", segment))
        return 1
    nxt = raws[i + 1] if i + 1 < len(raws) else None
    after = raws[i + 2] if i + 2 < len(raws) else None
    # "1 tháng 7": a day and a month written out
    if (
        not unit
        and nxt is not None
        and nxt[0] == "word"
        and fold(nxt[1]) == "thang"
        and after is not None
        and after[0] == "number"
        and not after[4]
        and 1 <= value <= 31
        and (month := _number_value(after[1])) is not None
        and 1 <= month <= 12
        and month == int(month)
    ):
        month_end = after[3]
        out.append(Token(text[start:month_end], f"{int(value)}/{int(month)}", "", start, month_end, "number", segment))
        return 3
    # "5 triệu", "2 tỷ": a spelled-out scale after the number
    scale = fold(nxt[1]) if nxt is not None and nxt[0] == "word" else ""
    if not unit and scale in NUMBER_SCALES and scale != "k":
        value *= NUMBER_SCALES[scale]
        end, used = nxt[3], 2  # type: ignore[index]
    out.append(Token(text[start:end], _number_key(value), "", start, end, "number", segment))
    if currency:
        out.append(Token(raw_unit, "dong", "", raw_end - len(raw_unit), raw_end, "word", segment))
    return used


def keys(text: str) -> list[str]:
    """The keys of `text`'s tokens (hashtags left out): what a fold-and-spelling index stores."""
    return [t.key for t in tokenize(text) if t.kind != "hashtag"]


def content_tokens(tokens: list[Token]) -> list[Token]:
    return [t for t in tokens if t.is_content]
