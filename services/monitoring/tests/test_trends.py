"""Burst detection on synthetic series: a burst across sources and stories is raised once, then
cools down; steady chatter, one republished story and daily habits are not trends."""

from __future__ import annotations

import random
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from presscenter.monitoring.analysis.trends import (
    BurstDetector,
    TrendAlert,
    TrendSettings,
    _Counter,
    _Term,
    item_terms,
)
from presscenter.monitoring.text.reaccent import Reaccenter
from presscenter.monitoring.text.sentences import sentences
from presscenter.monitoring.text.tokenize import tokenize
from presscenter.shared.testing.compiled import interpreted

T0 = datetime(2026, 10, 6, 0, 0, tzinfo=UTC)
SETTINGS = TrendSettings(warmup=timedelta(hours=2), min_volume=6, min_sources=4, min_stories=3, min_growth=8.0)
CHATTER = [
    "Giá vàng tại Hà Nội tăng nhẹ",
    "Lễ hội áo dài khai mạc tại phường Ba Đình",
    "Tuyến buýt số 19 điều chỉnh lộ trình",
    "Hà Nội khởi công trường tiểu học mới",
    "Đội tuyển bóng đá Hà Nội giành huy chương bạc",
    "Phường Tây Hồ ra mắt mô hình tủ sách cộng đồng",
]
FLOOD = [
    "Đường Minh Khai ngập quá trời luôn mọi người ơi",
    "Vừa lội nước ngập ở Nguyễn Xiển về, xe chết máy luôn",
    "Mưa lớn gây ngập sâu nhiều tuyến phố Hà Nội",
    "Ai đi qua Kim Mã thì cẩn thận, ngập sâu lắm",
    "Mưa lớn thế này phường Hoàn Kiếm lại ngập rồi",
    "Đường Lê Văn Lương ngập nặng sau trận mưa lớn chiều nay",
    "Ngập úng cục bộ tại phường Vĩnh Tuy sau mưa lớn",
    "Nước ngập quá đầu gối trên đường Lạc Long Quân",
]


def terms(text: str) -> dict[str, str]:
    return item_terms([sentences(text)])


class Feed:
    def __init__(self, settings: TrendSettings = SETTINGS):
        self.detector = BurstDetector(settings)
        self.alerts: list[TrendAlert] = []
        self.n = 0

    def post(self, text: str, at: datetime, source: str | None = None, story: str | None = None) -> list[TrendAlert]:
        self.n += 1
        found = self.detector.observe(
            f"i{self.n}", at, source or f"src{self.n % 7}", story or f"s{self.n}", terms(text)
        )
        self.alerts.extend(found)
        return found

    def chatter(self, start: datetime, hours: float, every: timedelta = timedelta(minutes=4)) -> datetime:
        at = start
        while at < start + timedelta(hours=hours):
            self.post(CHATTER[self.n % len(CHATTER)], at)
            at += every
        return at


def test_item_terms_are_content_words_and_adjacent_pairs() -> None:
    found = terms("Mưa lớn gây ngập sâu ở Hà Nội 2026")
    assert {"mưa", "lớn", "mưa lớn", "ngập", "ngập sâu", "hà nội"} <= set(found.values())
    assert {"mua lon", "ngap"} <= set(found)  # keyed by fold without a labeler
    assert "ở" not in found.values() and "2026" not in found.values()


def test_labelled_terms_are_the_labels_of_content_words_and_of_adjacent_pairs() -> None:
    accents = Reaccenter()
    for text in FLOOD:
        accents.learn(tokenize(text))
    for text in [*FLOOD, *CHATTER, "Mua lon gay ngap sau o Ha Noi 2026", "duong ngap qua troi, xe chet may"]:
        parts = [sentences(text)]
        expected: dict[str, str] = {}
        for sentence in parts[0]:
            previous = None
            for token, label in zip(sentence.tokens, accents.labels(sentence.tokens), strict=True):
                if not token.is_content or token.kind != "word" or len(token.key) < 2:
                    previous = None
                    continue
                expected.setdefault(label, label)
                if previous is not None:
                    expected.setdefault(f"{previous} {label}", f"{previous} {label}")
                previous = label
        found = item_terms(parts, accents.labels)
        assert list(found.items()) == list(expected.items())
    assert "ngập" in item_terms([sentences("duong ngap qua troi")], accents.labels)


def test_a_burst_across_sources_and_stories_is_raised_once_then_cools_down() -> None:
    feed = Feed()
    at = feed.chatter(T0, hours=4)
    for i, text in enumerate(FLOOD):
        feed.post(text, at + timedelta(minutes=i), source=f"flood-src-{i}")
    assert len(feed.alerts) == 1
    alert = feed.alerts[0]
    assert "ngập" in alert.terms and alert.volume >= SETTINGS.min_volume
    assert alert.distinct_sources >= SETTINGS.min_sources and alert.growth >= SETTINGS.min_growth
    assert len(alert.story_ids) >= SETTINGS.min_stories and alert.item_ids
    later = at + timedelta(hours=1)
    for i, text in enumerate(FLOOD):  # the same trend, still going, seen through the same and other words
        feed.post(text + " sáng nay", later + timedelta(minutes=i), source=f"flood-src-{i}")
    assert len(feed.alerts) == 1
    after = feed.chatter(at + timedelta(hours=2), hours=SETTINGS.cooldown.total_seconds() / 3600)
    for i, text in enumerate(FLOOD * 2):  # after the cool-down, a new wave (above a baseline that now has floods)
        feed.post(text, after + timedelta(minutes=i), source=f"flood-src-{i}")
    assert len(feed.alerts) == 2


def test_no_trend_before_warmup_or_with_too_few_sources_or_stories() -> None:
    early = Feed()
    for i, text in enumerate(FLOOD):
        early.post(text, T0 + timedelta(minutes=i), source=f"s{i}")
    assert early.alerts == []

    one_source = Feed()
    at = one_source.chatter(T0, hours=4)
    for i, text in enumerate(FLOOD):
        one_source.post(text, at + timedelta(minutes=i), source="one-page")
    assert one_source.alerts == []

    one_story = Feed()
    at = one_story.chatter(T0, hours=4)
    for i in range(12):  # one article republished everywhere
        one_story.post(FLOOD[2], at + timedelta(minutes=i), source=f"outlet{i}", story="s-article")
    assert one_story.alerts == []


def test_steady_chatter_and_a_daily_habit_do_not_trend() -> None:
    feed = Feed()
    at = T0
    for day in range(2):
        at = feed.chatter(at, hours=7.5)
        for i in range(8):  # every morning, traffic jam posts
            feed.post(f"Sáng nay đường số {i} lại kẹt xe như mọi ngày", at + timedelta(minutes=2 * i), source=f"t{i}")
        at = feed.chatter(at + timedelta(minutes=20), hours=16.5 if day == 0 else 1)
    first_day = [a for a in feed.alerts if a.at < T0 + timedelta(hours=24)]
    assert len(first_day) == 1 and "kẹt" in first_day[0].terms  # new on the first morning: a trend
    assert [a for a in feed.alerts if a.at >= T0 + timedelta(hours=24)] == []  # the same hour the next day: a habit


def test_restored_alerts_keep_their_cool_down() -> None:
    feed = Feed()
    at = feed.chatter(T0, hours=4)
    for i, text in enumerate(FLOOD):
        feed.post(text, at + timedelta(minutes=i), source=f"flood-src-{i}")
    [alert] = feed.alerts

    restarted = Feed()
    restarted.chatter(T0, hours=4)
    restarted.detector.restore_alert(alert)
    for i, text in enumerate(FLOOD):
        restarted.post(text, at + timedelta(minutes=i), source=f"flood-src-{i}")
    assert restarted.alerts == []


def test_a_term_from_too_few_sources_or_stories_does_not_burst_however_busy() -> None:
    """Many mentions of one term from four sources (one short of `min_sources`): no alert, and
    none either once a fifth source joins if all is one story."""
    settings = TrendSettings(warmup=timedelta(0), min_volume=8, min_sources=5, min_stories=4, min_growth=1.0)
    detector = BurstDetector(settings)
    at = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    terms = {"ngập": "ngập"}
    alerts = []
    for n in range(40):
        alerts += detector.observe(f"i{n}", at + timedelta(seconds=n), f"src{n % 4}", f"s{n % 6}", terms)
    assert alerts == []
    one_story = BurstDetector(settings)
    for n in range(40):
        alerts += one_story.observe(f"j{n}", at + timedelta(seconds=n), f"src{n % 5}", "s0", terms)
    assert alerts == []
    many = BurstDetector(settings)
    for n in range(40):
        alerts += many.observe(f"k{n}", at + timedelta(seconds=n), f"src{n % 5}", f"s{n % 6}", terms)
    assert [a.keys for a in alerts] == [("ngập",)]


REFERENCE = interpreted("presscenter.monitoring.analysis.trends")


class _EagerDetector(REFERENCE.BurstDetector):
    """The detector as it was before terms were settled lazily (every term settled at each count)
    and common terms ruled out by their baseline share alone: a subclass of the interpreted
    detector (a compiled class has no Python subclasses), compared by value with the installed one."""

    @staticmethod
    def _settle(holder: _Counter | _Term, edges: tuple[int, int]) -> None:
        window_start, oldest = edges
        recent, buckets = holder.recent, holder.buckets
        while recent and recent[0].micros < window_start:
            bucket = recent.popleft().bucket
            if buckets and buckets[-1][0] == bucket:
                buckets[-1][1] += 1
            else:
                buckets.append([bucket, 1])
            holder.base += 1
        while buckets and buckets[0][0] < oldest:
            holder.base -= buckets.popleft()[1]

    def _bursts(self, key: str, now: datetime) -> bool:
        s = self.settings
        term = self._terms[key]
        if len(term.recent) < s.min_volume:
            return False
        if term.quiet_until is not None and term.quiet_until > now:
            return False
        if len({m.source for m in term.recent}) < s.min_sources:
            return False
        if len({m.story_id for m in term.recent}) < s.min_stories:
            return False
        return len(term.recent) / self.expected(key) >= s.min_growth

    def _record(
        self, item_id: str, at: datetime, source: str, story_id: str, terms: dict[str, str]
    ) -> tuple[datetime, list[str]]:
        now = self._advance(at)
        micros = REFERENCE._micros(at)
        mention = REFERENCE.Mention(item_id, at, source, story_id, micros, micros // self._bucket_us)
        edges = self._edges(now)
        self._all.recent.append(mention)
        self._settle(self._all, edges)
        for key, label in terms.items():
            term = self._terms.get(key) or self._terms.setdefault(key, REFERENCE._Term(label))
            term.recent.append(mention)
            self._settle(term, edges)
        self._item_terms[item_id] = frozenset(terms)
        self._item_order.append((at, item_id))
        self._touches += 1
        if self._touches % 5000 == 0:
            for key in [k for k, t in self._terms.items() if not t.recent and t.base <= 0]:
                term = self._terms[key]
                if term.quiet_until is None or term.quiet_until < now:
                    self._settle(term, self._edges(now))
                    del self._terms[key]
        return now, [k for k in terms if len(self._terms[k].recent) >= self.settings.min_volume]


def test_lazily_settled_terms_give_the_alerts_and_counts_of_settling_every_count() -> None:
    """11,000 random items (some late by minutes or by a day, bursts of rare terms, labels that
    change, so a term forgotten and seen again shows): the same alerts item by item, the same
    terms forgotten, the same expected volume of every term."""
    rng = random.Random(11)
    settings = TrendSettings(warmup=timedelta(hours=2), min_volume=6, min_sources=3, min_stories=3, min_growth=4.0)
    lazy, eager = BurstDetector(settings), _EagerDetector(settings)
    words = [f"w{n}" for n in range(600)]
    weights = [1 / (n + 1) for n in range(len(words))]
    clock = datetime(2026, 10, 6, tzinfo=UTC)
    burst: list[str] = []
    burst_left = 0
    alerts = 0
    seen: set[str] = set()
    for n in range(11_000):
        clock += timedelta(seconds=rng.expovariate(1 / 20))
        late = rng.random()
        at = clock - timedelta(minutes=rng.uniform(0, 120)) if late < 0.05 else clock
        at = clock - timedelta(hours=rng.uniform(24, 26)) if late > 0.99 else at
        if burst_left == 0 and rng.random() < 0.004:
            burst, burst_left = [f"b{n}", f"b{n} x"], rng.randrange(10, 40)
        keys = rng.choices(words, weights, k=rng.randrange(3, 12))
        if burst_left and rng.random() < 0.6:
            keys += burst
            burst_left -= 1
        if late > 0.99:  # a term only a day-late item has: forgotten at the next clean-up
            keys.append(f"late{n}")
        terms = {key: f"{key}/{rng.randrange(3)}" for key in keys}
        seen.update(terms)
        args = (f"i{n}", at, f"src{rng.randrange(12)}", f"s{rng.randrange(max(n, 1))}", terms)
        if n < 500:
            lazy.restore(*args)
            eager.restore(*args)
            continue
        found = lazy.observe(*args)
        assert [asdict(a) for a in found] == [asdict(a) for a in eager.observe(*args)], n
        alerts += len(found)
    assert alerts >= 10
    assert set(lazy._terms) == set(eager._terms)
    assert len(eager._terms) < len(seen) - 50  # some were forgotten
    assert all(lazy.expected(key) == eager.expected(key) for key in eager._terms)
