"""The whole analysis of one stream, in memory and without I/O: stories, claims, trends, alerts
(for a registered claim, or for a release whose facts an item states otherwise).

    engine = MonitoringEngine()
    engine.register_claim(Claim(...))
    observation = engine.observe(item)        # story, claim hit, trend alerts, misinformation alert
    engine.apply_release(release)             # official statements: facts, refuted claims

Items must come roughly in event-time order. What to keep across restarts is stored by the
caller (items with their story and claim, claims, alerts) and replayed with `restore_item` and
`restore_alert`; `observe` of the same stream then gives the same answers.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from presscenter.monitoring.analysis.claims import Claim, ClaimHit, ClaimMatcher, ClaimSettings
from presscenter.monitoring.analysis.contradictions import ContradictionHit, ContradictionIndex, ContradictionSettings
from presscenter.monitoring.analysis.fingerprint import Fingerprint, fingerprint
from presscenter.monitoring.analysis.stories import StoryClusterer, StorySettings
from presscenter.monitoring.analysis.terms import TermStats
from presscenter.monitoring.analysis.trends import BurstDetector, TrendAlert, TrendSettings, item_terms
from presscenter.monitoring.text.reaccent import Reaccenter
from presscenter.monitoring.text.sentences import Sentence

MAX_ANALYSED_CHARS = 20_000
INHERITED_DISCOUNT = 0.95


@dataclass(frozen=True)
class Item:
    item_id: str
    source: str
    published_at: datetime
    text: str
    title: str = ""
    url: str = ""
    source_type: str = "news"
    language: str = "vi"
    shares: int = 0
    comments: int = 0
    reactions: int = 0
    shared_from: str | None = None


@dataclass(frozen=True)
class OfficialRelease:
    release_id: str
    unit_code: str
    title: str
    body: str
    published_at: datetime
    refutes: tuple[str, ...] = ()


@dataclass(frozen=True)
class MisinformationDecision:
    """A new alert to raise, first seen on `item_id`: for `claim_id` (kind `known_claim`), or for
    the release `release_id` the item contradicts (kind `contradicts_release`)."""

    alert_id: str
    claim_id: str | None
    item_id: str
    score: float
    at: datetime
    kind: str = "known_claim"
    release_id: str | None = None


@dataclass(frozen=True)
class Observation:
    item_id: str
    story_id: str
    new_story: bool
    story_similarity: float
    claim: ClaimHit | None
    trends: tuple[TrendAlert, ...] = ()
    alert: MisinformationDecision | None = None
    contradiction: ContradictionHit | None = None

    @property
    def spreads(self) -> str | None:
        """The claim the item spreads, if any (an item reporting the refutation spreads none)."""
        return self.claim.claim_id if self.claim is not None and self.claim.stance == "spread" else None


@dataclass(frozen=True)
class EngineSettings:
    stories: StorySettings = field(default_factory=StorySettings)
    claims: ClaimSettings = field(default_factory=ClaimSettings)
    trends: TrendSettings = field(default_factory=TrendSettings)
    contradictions: ContradictionSettings = field(default_factory=ContradictionSettings)
    alert_cooldown: timedelta = timedelta(hours=6)
    max_linked_stories: int = 50_000


def alert_id_for(claim_id: str, item_id: str) -> str:
    return "a-" + hashlib.sha256(f"{claim_id}\x00{item_id}".encode()).hexdigest()[:16]


def release_alert_key(release_id: str) -> str:
    """The cool-down key of alerts about items contradicting a release (never a claim id)."""
    return f"release\x00{release_id}"


class MonitoringEngine:
    def __init__(self, settings: EngineSettings | None = None):
        self.settings = s = settings or EngineSettings()
        self.terms = TermStats()
        self.stories = StoryClusterer(s.stories)
        self.claims = ClaimMatcher(self.terms, s.claims)
        self.trends = BurstDetector(s.trends)
        self.contradictions = ContradictionIndex(self.terms.idf, s.contradictions)
        self.reaccenter = Reaccenter()
        self._story_claims: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self._last_alert: dict[str, datetime] = {}

    # --- the registry ---------------------------------------------------------------------------

    def register_claim(self, claim: Claim) -> None:
        self.claims.register(claim)

    def forget_claim(self, claim_id: str) -> None:
        self.claims.forget(claim_id)
        self._last_alert.pop(claim_id, None)

    def apply_release(self, release: OfficialRelease) -> list[str]:
        """Feed an official release: its facts are checked against later items, and its text
        refutes the claims it names. Returns those claims' ids."""
        self.contradictions.add(
            release.release_id, release.unit_code, release.title, release.body, release.published_at
        )
        done = []
        for claim_id in release.refutes:
            claim = self.claims.claim(claim_id)
            if claim is None:
                continue
            self.claims.add_statement(claim_id, f"{release.title}. {release.body}")
            if claim.refuted_by != release.release_id:
                self.claims.register(_with_refutation(claim, release.release_id))
            done.append(claim_id)
        return done

    def withdraw_release(self, release_id: str) -> None:
        """A withdrawn release states nothing any more: items are no longer checked against it."""
        self.contradictions.remove(release_id)

    # --- items ---------------------------------------------------------------------------------

    @staticmethod
    def fingerprint(item: Item) -> Fingerprint:
        return fingerprint(item.title[:MAX_ANALYSED_CHARS], item.text[:MAX_ANALYSED_CHARS])

    def observe(self, item: Item) -> Observation:
        fp = self.fingerprint(item)
        at = item.published_at
        assignment = self.stories.assign(fp, at, story_id_for(item.item_id))
        parts = (fp.title, fp.body) if fp.title else (fp.body,)
        hit = self.claims.match(parts, fp.tokens)
        if hit is None:
            hit = self._inherited(assignment.story_id, parts, fp)
        elif hit.stance == "spread":
            self.claims.learn(hit)
            self._link(assignment.story_id, hit)
        if hit is not None and hit.stance == "spread":
            self.claims.spread_seen(hit.claim_id)
        contradiction = None
        if hit is None and len(self.contradictions):
            self.contradictions.expire(at)
            contradiction = self.contradictions.check(headline(fp)[0], parts, at)
        self.reaccenter.count(c.accents for c in fp.chunks)
        terms = item_terms(headline(fp), self.reaccenter.labels)
        trends = self.trends.observe(item.item_id, at, item.source, assignment.story_id, terms)
        self.terms.add(fp.content_keys)
        alert = self._alert_decision(item, hit) or self._contradiction_decision(item, contradiction)
        return Observation(
            item.item_id,
            assignment.story_id,
            assignment.is_new,
            assignment.similarity,
            hit,
            tuple(trends),
            alert,
            contradiction,
        )

    def _inherited(self, story_id: str, parts: tuple, fp: Fingerprint) -> ClaimHit | None:  # type: ignore[type-arg]
        linked = self._story_claims.get(story_id)
        if linked is None:
            return None
        claim_id, score = linked
        hit = self.claims.check(claim_id, parts, fp.tokens)
        # the item must itself say something of the claim: a story can gather items that share
        # only boilerplate with the one that linked it, and those must not all inherit the claim
        if hit is None or hit.score < self.claims.settings.refute_threshold:
            return None
        inherited = round(max(hit.score, score * INHERITED_DISCOUNT), 4)
        return ClaimHit(claim_id, inherited, hit.stance, "story", hit.window, hit.signals)

    def _link(self, story_id: str, hit: ClaimHit) -> None:
        current = self._story_claims.get(story_id)
        if current is None or hit.score > current[1]:
            self._story_claims[story_id] = (hit.claim_id, hit.score)
        self._story_claims.move_to_end(story_id)
        while len(self._story_claims) > self.settings.max_linked_stories:
            self._story_claims.popitem(last=False)

    def _alert_decision(self, item: Item, hit: ClaimHit | None) -> MisinformationDecision | None:
        if hit is None or hit.stance != "spread":
            return None
        last = self._last_alert.get(hit.claim_id)
        if last is not None and item.published_at - last < self.settings.alert_cooldown:
            return None
        self._last_alert[hit.claim_id] = item.published_at
        return MisinformationDecision(
            alert_id_for(hit.claim_id, item.item_id), hit.claim_id, item.item_id, hit.score, item.published_at
        )

    def _contradiction_decision(self, item: Item, hit: ContradictionHit | None) -> MisinformationDecision | None:
        if hit is None:
            return None
        key = release_alert_key(hit.release_id)
        last = self._last_alert.get(key)
        if last is not None and item.published_at - last < self.settings.alert_cooldown:
            return None
        self._last_alert[key] = item.published_at
        return MisinformationDecision(
            alert_id_for(key, item.item_id), None, item.item_id, hit.score, item.published_at,
            "contradicts_release", hit.release_id,
        )  # fmt: skip

    # --- restoring after a restart -------------------------------------------------------------------

    def restore_item(self, item: Item, story_id: str, claim_id: str | None, stance: str | None, score: float) -> None:
        """Replay a stored item: index it in its story, count its terms, relink its claim."""
        fp = self.fingerprint(item)
        self.stories.restore(fp, item.published_at, story_id)
        parts = (fp.title, fp.body) if fp.title else (fp.body,)
        if claim_id is not None and stance == "spread" and claim_id in self.claims:
            self.claims.spread_seen(claim_id)
            hit = ClaimHit(claim_id, score, "spread", "claim")
            self._link(story_id, hit)
            best = self.claims.check(claim_id, parts, fp.tokens)
            if best is not None and best.stance == "spread":
                self.claims.learn(ClaimHit(claim_id, score, "spread", "claim", best.window))
        self.reaccenter.count(c.accents for c in fp.chunks)
        terms = item_terms(headline(fp), self.reaccenter.labels)
        self.trends.restore(item.item_id, item.published_at, item.source, story_id, terms)
        self.terms.add(fp.content_keys)

    def restore_alert(self, claim_id: str, at: datetime) -> None:
        last = self._last_alert.get(claim_id)
        if last is None or at > last:
            self._last_alert[claim_id] = at

    def restore_release_alert(self, release_id: str, at: datetime) -> None:
        """Remember a contradiction alert already raised, so its cool-down survives a restart."""
        self.restore_alert(release_alert_key(release_id), at)


def headline(fp: Fingerprint) -> tuple[tuple[Sentence, ...]]:
    """What an item is about, for trends: an article's title, a post's text (body boilerplate left out)."""
    return (fp.title,) if fp.title else (fp.body,)


def story_id_for(item_id: str) -> str:
    """The id of the story an item starts."""
    return f"s-{item_id}"


def _with_refutation(claim: Claim, release_id: str) -> Claim:
    return Claim(claim.claim_id, claim.text, claim.unit_code, claim.rating, claim.topic, release_id)
