"""Put diacritics back on words typed without them, from how the stream itself writes them.

Folded, "chay" is both "cháy" (fire) and "chạy" (run). `Reaccenter` learns, from text typed
with diacritics, which accented forms each folded word and each pair of adjacent words take,
then labels a bare word with the form its neighbours point to ("chay chung cu" → "cháy", as
"cháy chung" was seen), else with its most frequent form, else leaves it folded.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from operator import itemgetter

from presscenter.monitoring.text.tokenize import Token

Pair = tuple[str, str]
# what `Reaccenter.learn` counts in some tokens: (key, accented form) of each word typed with
# diacritics, and (key pair, accented pair) of each two such words adjacent in one segment
Accents = tuple[tuple[Pair, ...], tuple[tuple[Pair, Pair], ...]]


def accents_of(tokens: Sequence[Token]) -> Accents:
    words: list[Pair] = []
    pairs: list[tuple[Pair, Pair]] = []
    previous: Token | None = None
    for token in tokens:
        if token.kind != "word" or not token.accented:
            previous = None
            continue
        words.append((token.key, token.accented))
        if previous is not None and previous.segment == token.segment:
            pairs.append(((previous.key, token.key), (previous.accented, token.accented)))
        previous = token
    return tuple(words), tuple(pairs)


def _most_common(forms: dict[str, int] | dict[Pair, int]):  # type: ignore[no-untyped-def]
    """The form seen most (the first seen of equals), as `Counter.most_common(1)` gives it."""
    return max(forms.items(), key=itemgetter(1))[0]


class Reaccenter:
    def __init__(self, max_entries: int = 200_000):
        self.max_entries = max_entries
        self._words: dict[str, dict[str, int]] = {}
        self._pairs: dict[Pair, dict[Pair, int]] = {}

    def learn(self, tokens: Sequence[Token]) -> None:
        """Count the accented forms of words, and of adjacent word pairs, typed with diacritics."""
        self.count((accents_of(tokens),))

    def count(self, accents: Iterable[Accents]) -> None:
        """`learn` from what `accents_of` found in the parts of one text."""
        known_words, known_pairs = self._words, self._pairs
        for words, pairs in accents:
            for key, form in words:
                forms = known_words.get(key)
                if forms is None:
                    forms = known_words[key] = {}
                forms[form] = forms.get(form, 0) + 1
            for pair, pair_forms in pairs:
                seen = known_pairs.get(pair)
                if seen is None:
                    seen = known_pairs[pair] = {}
                seen[pair_forms] = seen.get(pair_forms, 0) + 1
        if len(known_words) > self.max_entries or len(known_pairs) > self.max_entries:
            known_words.clear()
            known_pairs.clear()

    def labels(self, tokens: Sequence[Token]) -> list[str]:
        """The accented form of each token: its own, or the one the stream suggests for a bare word."""
        out: list[str] = []
        for i, token in enumerate(tokens):
            if token.accented or token.kind != "word":
                out.append(token.accented or token.key)
                continue
            out.append(self._guess(tokens, i))
        return out

    def _guess(self, tokens: Sequence[Token], i: int) -> str:
        token = tokens[i]
        if i > 0 and tokens[i - 1].segment == token.segment:
            forms = self._pairs.get((tokens[i - 1].key, token.key))
            if forms:
                return _most_common(forms)[1]  # type: ignore[no-any-return]
        if i + 1 < len(tokens) and tokens[i + 1].segment == token.segment:
            forms = self._pairs.get((token.key, tokens[i + 1].key))
            if forms:
                return _most_common(forms)[0]  # type: ignore[no-any-return]
        words = self._words.get(token.key)
        return _most_common(words) if words else token.key  # type: ignore[no-any-return]
