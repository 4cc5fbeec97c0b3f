"""Vietnamese-first text folding for search and matching.

`fold("Hà Nội")` is `"ha noi"`: Unicode NFC normalisation, then diacritics removed (the
combining marks of NFD and the letter đ/Đ, which has no decomposition), then lower case.
The original text is always kept elsewhere; folded text is only for matching. Vietnamese
words are space-separated syllables, so tokens are syllables.
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_SPECIAL = {"đ": "d", "Đ": "d", "ð": "d"}
_CACHED_CHARACTERS = 65_536  # bounds the table whatever text comes in (Vietnamese needs a few hundred)


class _WithoutMarks(dict[int, str]):
    """A `str.translate` table, filled as characters are met: each character decomposed (NFD) with its
    combining marks dropped, and đ/Đ/ð as d.

    Decomposing a text and dropping its marks is the same as doing it character by character (NFD
    only reorders marks, which are all dropped), so the table gives what decomposing the whole text
    gave, without a Python step per character: folding was about 15 % of the releases service's
    CPU per department event (docs/performance.md).
    """

    def __missing__(self, code: int) -> str:
        char = chr(code)
        stripped = _SPECIAL.get(char)
        if stripped is None:
            stripped = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
        if len(self) < _CACHED_CHARACTERS:
            self[code] = stripped
        return stripped


_WITHOUT_MARKS = _WithoutMarks()


def normalize(text: str) -> str:
    """NFC form, the one Vietnamese text should be stored in."""
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """Lower-case, diacritics-free form of `text` for matching ("Hà Nội" → "ha noi")."""
    return unicodedata.normalize("NFC", text.translate(_WITHOUT_MARKS)).lower()


def tokens(text: str) -> list[str]:
    """Folded syllable tokens of `text`, in order."""
    return _WORD.findall(fold(text))


def search_terms(*texts: str) -> list[str]:
    """The distinct folded tokens of `texts`, sorted: what a search index stores."""
    return sorted({tok for text in texts if text for tok in tokens(text)})


def has_diacritics(text: str) -> bool:
    """True when `text` carries Vietnamese marks (tones, ă/â/ê/ô/ơ/ư, đ): folding changes more than case."""
    return fold(text) != normalize(text).lower()
