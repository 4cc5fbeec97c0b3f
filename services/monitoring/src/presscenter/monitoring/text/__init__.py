"""Vietnamese text processing for monitoring: tokens that keep the original, social spellings,
stopwords, shingles and diacritics-insensitive phrase matching. Pure: no I/O."""

from presscenter.monitoring.text.matching import Span, contains_phrase, find_phrase, find_tokens
from presscenter.monitoring.text.shingles import ngrams, shingles, stable_hash
from presscenter.monitoring.text.tokenize import Token, compatible, content_tokens, keys, tokenize

__all__ = [
    "Span",
    "Token",
    "compatible",
    "contains_phrase",
    "content_tokens",
    "find_phrase",
    "find_tokens",
    "keys",
    "ngrams",
    "shingles",
    "stable_hash",
    "tokenize",
]
