"""Put diacritics back on words typed without them, from how the stream itself writes them.

Folded, "chay" is both "cháy" (fire) and "chạy" (run). `Reaccenter` learns, from text typed
with diacritics, which accented forms each folded word and each pair of adjacent words take,
then labels a bare word with the form its neighbours point to ("chay chung cu" → "cháy", as
"cháy chung" was seen), else with its most frequent form, else leaves it folded.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from itertools import chain, islice

from presscenter.monitoring.text.tokenize import Token

Pair = tuple[str, str]
# what `Reaccenter.learn` counts in some tokens, each as one string (parts joined by _SEP): (key, accented
# form) of each word typed with diacritics, and (key pair, accented pair) of each two such words
# adjacent in one segment. A string keeps its hash once computed, so counting the same chunk's
# labels again (every copy of a republished text) hashes nothing; a tuple is hashed every time.
Accents = tuple[tuple[str, ...], tuple[str, ...]]
_SEP = "\x00"  # never in a word


def accents_of(tokens: Sequence[Token]) -> Accents:
    words: list[str] = []
    pairs: list[str] = []
    previous: Token | None = None
    for token in tokens:
        if token.kind != "word" or not token.accented:
            previous = None
            continue
        key, accented = token.key, token.accented
        words.append(f"{key}{_SEP}{accented}")
        if previous is not None and previous.segment == token.segment:
            pairs.append(f"{previous.key}{_SEP}{key}{_SEP}{previous.accented}{_SEP}{accented}")
        previous = token
    return tuple(words), tuple(pairs)


def _word(label: str) -> tuple[Hashable, Hashable]:
    key, accented = label.split(_SEP)
    return key, accented


def _pair(label: str) -> tuple[Hashable, Hashable]:
    k1, k2, a1, a2 = label.split(_SEP)
    return (k1, k2), (a1, a2)


class _FormCounts:
    """How often each (thing, form) was seen, by its label (counted in C, `Counter.update`), and
    each thing's forms in the order first seen, so the most frequent form is the first seen of
    equals (as `Counter.most_common(1)` gives it)."""

    def __init__(self, parse: Callable[[str], tuple[Hashable, Hashable]]) -> None:
        self.parse = parse  # label -> (thing, form)
        self.counts: Counter[str] = Counter()
        self.forms: dict[Hashable, list[tuple[str, Hashable]]] = {}  # thing -> [(label, form)]

    def __len__(self) -> int:
        return len(self.forms)

    def update(self, seen: Iterable[str]) -> None:
        counts = self.counts
        before = len(counts)
        counts.update(seen)
        added = len(counts) - before
        if added:  # new labels are the last ones inserted, in the order first seen
            forms, parse = self.forms, self.parse
            for label in reversed(list(islice(reversed(counts), added))):
                thing, form = parse(label)
                known = forms.get(thing)
                if known is None:
                    forms[thing] = [(label, form)]
                else:
                    known.append((label, form))

    def most_common(self, thing: Hashable) -> Hashable | None:
        forms = self.forms.get(thing)
        if not forms:
            return None
        if len(forms) == 1:
            return forms[0][1]
        counts = self.counts
        return max(forms, key=lambda entry: counts[entry[0]])[1]

    def clear(self) -> None:
        self.counts.clear()
        self.forms.clear()


class Reaccenter:
    def __init__(self, max_entries: int = 200_000):
        self.max_entries = max_entries
        self._words = _FormCounts(_word)  # key -> accented forms
        self._pairs = _FormCounts(_pair)  # key pair -> accented pairs

    def learn(self, tokens: Sequence[Token]) -> None:
        """Count the accented forms of words, and of adjacent word pairs, typed with diacritics."""
        self.count((accents_of(tokens),))

    def count(self, accents: Iterable[Accents]) -> None:
        """`learn` from what `accents_of` found in the parts of one text."""
        known_words, known_pairs = self._words, self._pairs
        parts = list(accents)
        known_words.update(chain.from_iterable(words for words, _pairs in parts))  # one update per text
        known_pairs.update(chain.from_iterable(pairs for _words, pairs in parts))
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
            forms = self._pairs.most_common((tokens[i - 1].key, token.key))
            if forms is not None:
                return forms[1]  # type: ignore[index,no-any-return]
        if i + 1 < len(tokens) and tokens[i + 1].segment == token.segment:
            forms = self._pairs.most_common((token.key, tokens[i + 1].key))
            if forms is not None:
                return forms[0]  # type: ignore[index,no-any-return]
        word = self._words.most_common(token.key)
        return word if word is not None else token.key  # type: ignore[return-value]
