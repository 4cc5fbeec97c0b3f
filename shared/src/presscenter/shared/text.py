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
_SPECIAL = str.maketrans({"đ": "d", "Đ": "d", "ð": "d"})


def normalize(text: str) -> str:
    """NFC form, the one Vietnamese text should be stored in."""
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """Lower-case, diacritics-free form of `text` for matching ("Hà Nội" → "ha noi")."""
    decomposed = unicodedata.normalize("NFD", text.translate(_SPECIAL))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped).lower()


def tokens(text: str) -> list[str]:
    """Folded syllable tokens of `text`, in order."""
    return _WORD.findall(fold(text))


def search_terms(*texts: str) -> list[str]:
    """The distinct folded tokens of `texts`, sorted: what a search index stores."""
    return sorted({tok for text in texts if text for tok in tokens(text)})


def has_diacritics(text: str) -> bool:
    """True when `text` carries Vietnamese marks (tones, ă/â/ê/ô/ơ/ư, đ): folding changes more than case."""
    return fold(text) != normalize(text).lower()
