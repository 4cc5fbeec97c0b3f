"""Put diacritics back on words typed without them, from how the stream itself writes them.

Folded, "chay" is both "cháy" (fire) and "chạy" (run). `Reaccenter` learns, from text typed
with diacritics, which accented forms each folded word and each pair of adjacent words take,
then labels a bare word with the form its neighbours point to ("chay chung cu" → "cháy", as
"cháy chung" was seen), else with its most frequent form, else leaves it folded.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from presscenter.monitoring.text.tokenize import Token


class Reaccenter:
    def __init__(self, max_entries: int = 200_000):
        self.max_entries = max_entries
        self._words: dict[str, Counter[str]] = {}
        self._pairs: dict[tuple[str, str], Counter[tuple[str, str]]] = {}

    def learn(self, tokens: Sequence[Token]) -> None:
        """Count the accented forms of words, and of adjacent word pairs, typed with diacritics."""
        previous: Token | None = None
        for token in tokens:
            if token.kind != "word" or not token.accented:
                previous = None
                continue
            self._words.setdefault(token.key, Counter())[token.accented] += 1
            if previous is not None and previous.segment == token.segment:
                pair = (previous.key, token.key)
                self._pairs.setdefault(pair, Counter())[(previous.accented, token.accented)] += 1
            previous = token
        if len(self._words) > self.max_entries or len(self._pairs) > self.max_entries:
            self._words.clear()
            self._pairs.clear()

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
                return forms.most_common(1)[0][0][1]
        if i + 1 < len(tokens) and tokens[i + 1].segment == token.segment:
            forms = self._pairs.get((token.key, tokens[i + 1].key))
            if forms:
                return forms.most_common(1)[0][0][0]
        words = self._words.get(token.key)
        return words.most_common(1)[0][0] if words else token.key
