"""Bursts of terms against their baseline, over a sliding window of event time.

Every item contributes its terms (content words and adjacent word pairs, see `item_terms`).
For a term, the *volume* is the number of items that used it in the last `window`; its
*expected* volume is its share of all items over the baseline (`baseline` before the window)
times the number of items in the window, so a busy morning does not look like a trend. A term
bursts when, in the window:

- volume >= `min_volume`, from >= `min_sources` distinct sources and >= `min_stories` distinct
  stories (one article republished everywhere is a story, not a trend);
- growth = volume / max(expected, `min_expected`) >= `min_growth`;
- the stream has run for `warmup` (no baseline, no trend).

Terms that burst on the same item are grouped when their items overlap, into one `TrendAlert`.
Cool-down: a term that was in an alert stays quiet for `cooldown`, and so does any burst whose
items mostly use a term of an alert still cooling down (the same trend seen through other words).
Memory: window mentions and baseline buckets per term, dropped once older than the baseline.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from presscenter.monitoring.text.sentences import Sentence
from presscenter.monitoring.text.tokenize import Token


@dataclass(frozen=True)
class TrendSettings:
    bucket: timedelta = timedelta(minutes=5)
    window: timedelta = timedelta(minutes=30)
    baseline: timedelta = timedelta(hours=24)
    warmup: timedelta = timedelta(hours=3)
    min_volume: int = 8
    min_sources: int = 5
    min_stories: int = 4
    min_growth: float = 12.0
    min_expected: float = 0.25
    cooldown: timedelta = timedelta(hours=6)
    group_overlap: float = 0.5
    max_terms: int = 6
    max_items: int = 200


@dataclass(frozen=True, slots=True)
class Mention:
    item_id: str
    at: datetime
    source: str
    story_id: str
    micros: int = 0  # `at` in microseconds since the epoch
    bucket: int = 0  # the baseline bucket `at` falls in


@dataclass(frozen=True)
class TrendAlert:
    trend_id: str
    at: datetime
    terms: tuple[str, ...]
    keys: tuple[str, ...]
    item_ids: tuple[str, ...]
    story_ids: tuple[str, ...]
    volume: int
    expected: float
    growth: float
    distinct_sources: int
    window: timedelta


@dataclass(slots=True)
class _Term:
    label: str
    recent: deque[Mention] = field(default_factory=deque)
    buckets: deque[list[int]] = field(default_factory=deque)  # [bucket number, count], oldest first
    base: int = 0
    quiet_until: datetime | None = None
    # the window edges of its last count, while `recent` holds mentions not settled then (see `_record`)
    unsettled: tuple[int, int] | None = None


def item_terms(
    parts: Iterable[Sequence[Sentence]], labeler: Callable[[Sequence[Token]], list[str]] | None = None
) -> dict[str, str]:
    """Terms of an item, key → label: content words (not numbers) and pairs of adjacent ones.

    With a `labeler` (see `text.reaccent`), terms are the accented words, so "cháy" and "chạy"
    stay apart even in posts typed without diacritics; without one, the folded keys.
    """
    terms: dict[str, str] = {}
    for part in parts:
        for sentence in part:
            tokens = sentence.tokens
            labels = labeler(tokens) if labeler else [t.accented or t.key for t in tokens]
            previous: tuple[str, str] | None = None
            for token, label in zip(tokens, labels, strict=True):
                if not token.is_content or token.kind != "word" or len(token.key) < 2:
                    previous = None
                    continue
                key = label if labeler else token.key
                terms.setdefault(key, label)
                if previous is not None:
                    pair = f"{previous[0]} {key}"
                    # with a labeler a term is its label: the pair's key is its label too
                    terms.setdefault(pair, pair if labeler else f"{previous[1]} {label}")
                previous = (key, label)
    return terms


DAY = timedelta(days=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _micros(at: datetime) -> int:
    """Microseconds since the epoch (a time without an offset is read as UTC)."""
    return ((at if at.tzinfo is not None else at.replace(tzinfo=UTC)) - _EPOCH) // _MICROSECOND


def _between(buckets: deque[list[int]], start: int, end: int) -> int:
    """Events counted in buckets numbered start..end (buckets are oldest first)."""
    total = 0
    for number, count in buckets:
        if number > end:
            break
        if number >= start:
            total += count
    return total


def _distinct_at_least(mentions: Iterable[Mention], field_name: str, least: int) -> bool:
    """Whether `mentions` have `least` distinct values of `field_name` (stops once they do: a
    common term's window holds many mentions)."""
    if least <= 0:
        return True
    seen: set[str] = set()
    for mention in mentions:
        seen.add(getattr(mention, field_name))
        if len(seen) >= least:
            return True
    return False


class _Counter:
    """Count of events in the window, and per bucket over the baseline before it."""

    def __init__(self) -> None:
        self.recent: deque[Mention] = deque()
        self.buckets: deque[list[int]] = deque()
        self.base = 0


class BurstDetector:
    def __init__(self, settings: TrendSettings | None = None):
        self.settings = settings or TrendSettings()
        self._terms: dict[str, _Term] = {}
        self._all = _Counter()
        self._item_terms: dict[str, frozenset[str]] = {}
        self._item_order: deque[tuple[datetime, str]] = deque()
        self._alerts: deque[TrendAlert] = deque()
        self._started: datetime | None = None
        self._now: datetime | None = None
        self._touches = 0
        s = self.settings
        self._bucket_us = s.bucket // _MICROSECOND
        self._window_us = s.window // _MICROSECOND
        self._baseline_us = s.baseline // _MICROSECOND
        # items in the buckets around this time yesterday, for `expected`: the same for every term
        # of one item, so worked out once per (clock, items recorded)
        self._around: tuple[datetime, int, int, int, int] | None = None

    # --- time ---------------------------------------------------------------------------------

    def _bucket(self, at: datetime) -> int:
        return _micros(at) // self._bucket_us

    def _advance(self, at: datetime) -> datetime:
        if self._started is None or at < self._started:
            self._started = at
        if self._now is None or at > self._now:
            self._now = at
        now = self._now
        window_start = now - self.settings.window
        while self._item_order and self._item_order[0][0] < window_start:
            self._item_terms.pop(self._item_order.popleft()[1], None)
        while self._alerts and self._alerts[0].at < now - self.settings.cooldown:
            self._alerts.popleft()
        return now

    def _edges(self, now: datetime) -> tuple[int, int]:
        """The start of the window (microseconds) and the oldest baseline bucket kept, at `now`."""
        # in whole microseconds: `_micros(now - window)` and `_bucket(now - window - baseline)` for
        # the fixed UTC offsets items carry (ISO 8601), with one conversion instead of three
        window_start = _micros(now) - self._window_us
        return window_start, (window_start - self._baseline_us) // self._bucket_us

    @staticmethod
    def _settle(holder: _Counter | _Term, edges: tuple[int, int]) -> None:
        """Move window entries older than the window into baseline buckets; drop buckets past the baseline."""
        window_start, oldest = edges
        recent, buckets = holder.recent, holder.buckets
        base = holder.base
        if recent and recent[0].micros < window_start:
            last = buckets[-1] if buckets else None
            while recent and recent[0].micros < window_start:
                bucket = recent.popleft().bucket
                base += 1
                if last is not None and last[0] == bucket:
                    last[1] += 1
                else:
                    last = [bucket, 1]
                    buckets.append(last)
        while buckets and buckets[0][0] < oldest:
            base -= buckets.popleft()[1]
        holder.base = base

    # --- observing ----------------------------------------------------------------------------

    def observe(
        self, item_id: str, at: datetime, source: str, story_id: str, terms: dict[str, str]
    ) -> list[TrendAlert]:
        """Count the item's terms; return the trends it makes fire (usually none)."""
        now, crowded = self._record(item_id, at, source, story_id, terms)
        if now - (self._started or now) < self.settings.warmup:
            return []
        return self._alerts_for([key for key in crowded if self._bursts(key, now)], now)

    def restore(self, item_id: str, at: datetime, source: str, story_id: str, terms: dict[str, str]) -> None:
        """Count a stored item again (after a restart), raising nothing."""
        self._record(item_id, at, source, story_id, terms)

    def restore_alert(self, alert: TrendAlert) -> None:
        """Remember an alert already raised, so its cool-down survives a restart."""
        self._alerts.append(alert)
        until = alert.at + self.settings.cooldown
        for key, label in zip(alert.keys, alert.terms, strict=False):
            term = self._terms.setdefault(key, _Term(label))
            term.quiet_until = max(term.quiet_until or until, until)

    def _record(
        self, item_id: str, at: datetime, source: str, story_id: str, terms: dict[str, str]
    ) -> tuple[datetime, list[str]]:
        """Count the item's terms; returns the time now and the terms whose window holds
        `min_volume` mentions (the only ones that can burst), in the order of `terms`.

        Settling a term only ever shortens its window, and settling it later, with later edges,
        leaves it as settling it at each count would have (mentions leave the window in the same
        order, into the same buckets), so a term that cannot reach `min_volume` is left unsettled
        and only remembers the edges of this count (`_Term.unsettled`), for when it is needed (so
        it keeps fewer than `min_volume` mentions waiting).
        """
        now = self._advance(at)
        micros = _micros(at)
        mention = Mention(item_id, at, source, story_id, micros, micros // self._bucket_us)
        edges = self._edges(now)
        self._all.recent.append(mention)
        self._settle(self._all, edges)
        known, least = self._terms, self.settings.min_volume
        window_start, oldest = edges
        crowded: list[str] = []
        for key, label in terms.items():
            term = known.get(key)
            if term is None:
                term = known[key] = _Term(label)
            recent = term.recent
            recent.append(mention)
            if len(recent) < least:
                term.unsettled = edges
                continue
            # most terms have nothing to settle: the call only when one has
            buckets = term.buckets
            if recent[0].micros < window_start or (buckets and buckets[0][0] < oldest):
                self._settle(term, edges)
            term.unsettled = None
            crowded.append(key)
        self._item_terms[item_id] = frozenset(terms)
        self._item_order.append((at, item_id))
        self._touches += 1
        if self._touches % 5000 == 0:
            self._forget_idle(now)
        return now, crowded

    def _settled(self, term: _Term) -> _Term:
        """The term as settled at its last count."""
        if term.unsettled is not None:
            self._settle(term, term.unsettled)
            term.unsettled = None
        return term

    def _forget_idle(self, now: datetime) -> None:
        for term in self._terms.values():
            self._settled(term)
        for key in [k for k, t in self._terms.items() if not t.recent and t.base <= 0]:
            term = self._terms[key]
            if term.quiet_until is None or term.quiet_until < now:
                self._settle(term, self._edges(now))
                del self._terms[key]

    # --- deciding -----------------------------------------------------------------------------

    def expected(self, key: str) -> float:
        """Items expected to use the term in the window: the larger of its share over the whole
        baseline and its share around the same time yesterday (daily habits, such as morning
        traffic posts, are not trends), times the items in the window."""
        term = self._terms.get(key)
        if term is None or self._all.base <= 0:
            return self.settings.min_expected
        self._settled(term)
        share = term.base / self._all.base
        if self._now is not None:
            start, end, around = self._around_now(self._now)
            if around > 0:
                share = max(share, _between(term.buckets, start, end) / around)
        return max(self.settings.min_expected, share * len(self._all.recent))

    def _around_now(self, now: datetime) -> tuple[int, int, int]:
        """The buckets around this time yesterday, and the items counted in them."""
        cached = self._around
        if cached is not None and cached[0] == now and cached[1] == self._touches:
            return cached[2], cached[3], cached[4]
        start = self._bucket(now - DAY - self.settings.window)
        end = self._bucket(now - DAY + self.settings.window)
        around = _between(self._all.buckets, start, end)
        self._around = (now, self._touches, start, end, around)
        return start, end, around

    def _bursts(self, key: str, now: datetime) -> bool:
        s = self.settings
        term = self._terms[key]
        volume = len(term.recent)
        if volume < s.min_volume:
            return False
        if term.quiet_until is not None and term.quiet_until > now:
            return False
        # a common term is too common to grow: `expected` is at least its share over the whole
        # baseline times the items in the window, so its growth is at most volume / that
        total = self._all.base
        least = s.min_expected if total <= 0 else max(s.min_expected, term.base / total * len(self._all.recent))
        if least > 0 and volume / least < s.min_growth:
            return False
        if not _distinct_at_least(term.recent, "source", s.min_sources):
            return False
        if not _distinct_at_least(term.recent, "story_id", s.min_stories):
            return False
        return volume / self.expected(key) >= s.min_growth

    def _alerts_for(self, bursting: list[str], now: datetime) -> list[TrendAlert]:
        s = self.settings
        ranked = sorted(bursting, key=lambda k: (-len(self._terms[k].recent), k))
        alerts: list[TrendAlert] = []
        used: set[str] = set()
        for key in ranked:
            if key in used:
                continue
            items = {m.item_id for m in self._terms[key].recent}
            group = [key]
            for other in ranked:
                if other in used or other == key:
                    continue
                others = {m.item_id for m in self._terms[other].recent}
                if len(items & others) >= s.group_overlap * min(len(items), len(others)):
                    group.append(other)
            used.update(group)
            if self._cooling(items):
                self._quiet(group, now)
                continue
            alerts.append(self._alert(group[: s.max_terms], now))
            self._quiet(group, now)
        return alerts

    def _cooling(self, items: set[str]) -> bool:
        """Whether most of these items use a term of an alert still cooling down."""
        for alert in self._alerts:
            keys = set(alert.keys)
            about = sum(1 for i in items if self._item_terms.get(i, frozenset()) & keys)
            if about >= self.settings.group_overlap * len(items):
                return True
        return False

    def _quiet(self, keys: list[str], now: datetime) -> None:
        for key in keys:
            self._terms[key].quiet_until = now + self.settings.cooldown

    def _alert(self, keys: list[str], now: datetime) -> TrendAlert:
        primary = self._terms[keys[0]]
        mentions = list(primary.recent)[-self.settings.max_items :]
        volume = len(primary.recent)
        expected = self.expected(keys[0])
        stories = tuple(dict.fromkeys(m.story_id for m in mentions))
        digest = hashlib.sha256(f"{keys[0]}|{now.isoformat()}".encode()).hexdigest()[:16]
        alert = TrendAlert(
            trend_id=f"t-{digest}",
            at=now,
            terms=tuple(self._terms[k].label for k in keys),
            keys=tuple(keys),
            item_ids=tuple(dict.fromkeys(m.item_id for m in mentions)),
            story_ids=stories,
            volume=volume,
            expected=round(expected, 3),
            growth=round(volume / expected, 3),
            distinct_sources=len({m.source for m in primary.recent}),
            window=self.settings.window,
        )
        self._alerts.append(alert)
        return alert
