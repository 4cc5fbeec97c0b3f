"""How informative a word is in the stream so far: document frequencies, bounded in memory."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable

# Pseudo-documents added to the count: early in a stream every word weighs about the same.
PRIOR_DOCS = 20


class TermStats:
    """Online document frequency of token keys; `idf` is near log(N/df), never below `floor`."""

    def __init__(self, max_terms: int = 300_000, floor: float = 0.2):
        self.max_terms = max_terms
        self.floor = floor
        self.docs = 0
        self._df: Counter[str] = Counter()
        self._watchers: list[Callable[[Iterable[str]], None]] = []

    def watch(self, changed: Callable[[Iterable[str]], None]) -> None:
        """Call `changed(keys)` with the keys whose document frequency changed, after each change."""
        self._watchers.append(changed)

    def add(self, keys: Iterable[str]) -> None:
        """Count one document holding `keys` (each counted once)."""
        self.docs += 1
        df = self._df
        distinct = set(keys)
        df.update(distinct)  # counted in C
        if len(df) > self.max_terms:
            distinct |= self._prune()
        for changed in self._watchers:
            changed(distinct)

    def df(self, key: str) -> int:
        return self._df.get(key, 0)

    def idf(self, key: str) -> float:
        return max(self.floor, math.log((self.docs + PRIOR_DOCS) / (self._df.get(key, 0) + 1)))

    def _prune(self) -> set[str]:
        """Forget the rarest terms (half of the ones seen once first): they weigh the same unseen."""
        ones = [k for k, n in self._df.items() if n <= 1]
        dropped = set(ones[: max(len(ones) // 2, len(self._df) - self.max_terms)])
        for key in dropped:
            del self._df[key]
        return dropped

    def __len__(self) -> int:
        return len(self._df)
