"""The monitoring application: analysis + storage + directory, without nameko.

An item (from `item_observed` or a polled feed) is checked, analysed by the engine under its
lock, and stored in one insert that carries the events it raised (`misinformation_alert`,
`trend_detected`) in its outbox; the story, alert and trend views are updated after it. The
same url is one item: a repeat is recognised before the engine sees it, so it changes nothing.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from presscenter.monitoring.active import NotActive
from presscenter.monitoring.analysis.claims import Claim
from presscenter.monitoring.analysis.contradictions import ContradictionHit
from presscenter.monitoring.analysis.engine import Item, MonitoringEngine, Observation, OfficialRelease
from presscenter.monitoring.analysis.spread import SpreadItem, spread_series
from presscenter.monitoring.analysis.trends import TrendAlert
from presscenter.monitoring.feeds import FeedEntry, feed_id, fetch, parse_feed
from presscenter.monitoring.settings import MonitoringSettings
from presscenter.monitoring.state import EngineHolder, claim_from_doc
from presscenter.monitoring.store import MonitoringStore, from_micros, micros
from presscenter.shared.directory.store import UnitDirectory
from presscenter.shared.events.envelope import EventEnvelope, EventPayload, make_event
from presscenter.shared.events.monitoring import ExampleItem, ItemObserved, MisinformationAlert, TrendDetected
from presscenter.shared.events.releases import ReleaseCorrected, ReleasePublished, ReleaseWithdrawn
from presscenter.shared.redaction import redact
from presscenter.shared.rpc import monitoring as rpc
from presscenter.shared.rpc.errors import InvalidInput
from presscenter.shared.text import fold

_log = logging.getLogger(__name__)
RECONCILE_OVERLAP_US = 5_000_000
SOURCE = "monitoring"
EXAMPLES = 20
ALERT_ITEMS = 50
MAX_FUTURE = timedelta(days=1)
Origin = Literal["event", "feed"]


def item_id_for(url: str) -> str:
    """One url, one item: the id every copy of it gets."""
    return "i-" + hashlib.sha256(url.strip().encode()).hexdigest()[:20]


def iso_duration(span: timedelta) -> str:
    """ISO 8601 duration of a whole number of minutes: PT30M, PT1H, PT1H30M."""
    hours, minutes = divmod(int(span.total_seconds() // 60), 60)
    return "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes or not hours else "")


def example(doc: dict[str, Any]) -> ExampleItem:
    title = doc.get("title") or (doc.get("text") or "")[:200]
    return ExampleItem(url=doc["url"], title=title[:1_000], source_name=doc["source"][:200])


def story_item(doc: dict[str, Any]) -> rpc.StoryItem:
    return rpc.StoryItem(
        item_id=doc["_id"],
        url=doc["url"],
        title=doc.get("title") or "",
        source_name=doc["source"],
        source_type=doc.get("source_type", "news"),
        published_at=from_micros(doc["published_us"]),
        shared_from_url=doc.get("shared_from_url") or None,
        engagement=int(doc.get("engagement", 0)),
        claim_id=doc.get("claim_id") or None,
        stance=doc.get("stance") or None,
    )


def spread_item(doc: dict[str, Any]) -> SpreadItem:
    return SpreadItem(
        url=doc["url"],
        source=doc["source"],
        published_at=from_micros(doc["published_us"]),
        stance=doc["stance"],
        engagement=int(doc.get("engagement", 0)),
        shared_from_url=doc.get("shared_from_url", ""),
    )


def item_document(item: Item, seen: Observation, origin: Origin, now: datetime) -> dict[str, Any]:
    hit = seen.claim
    return {
        "_id": item.item_id,
        "url": item.url,
        "source": item.source,
        "source_type": item.source_type,
        "title": item.title,
        "text": item.text,
        "language": item.language,
        "published_us": micros(item.published_at),
        "received_us": micros(now),
        "engagement": item.shares + item.comments + item.reactions,
        "shares": item.shares,
        "comments": item.comments,
        "reactions": item.reactions,
        "shared_from_url": item.shared_from or "",
        "origin": origin,
        "story_id": seen.story_id,
        "claim_id": hit.claim_id if hit is not None else "",
        "stance": hit.stance if hit is not None else "",
        "claim_score": hit.score if hit is not None else 0.0,
        "release_id": seen.contradiction.release_id if seen.contradiction is not None else "",
        "alert_id": "",
        "trend_ids": [t.trend_id for t in seen.trends],
    }


def alert_event(alert_id: str, score: float, claim: Claim, item: dict[str, Any], seen_at: datetime) -> EventPayload:
    return MisinformationAlert(
        alert_id=alert_id,
        kind="known_claim",
        score=score,
        claim_id=claim.claim_id,
        claim_text=claim.text,
        responsible_unit_code=claim.unit_code,
        topic=claim.topic,
        items=[example(item)],
        first_seen_at=seen_at,
        refuted_by_release_id=claim.refuted_by,
    )


def alert_document(alert_id: str, score: float, claim: Claim, item: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {
        "_id": alert_id,
        "kind": "known_claim",
        "claim_id": claim.claim_id,
        "claim_text": claim.text,
        "release_id": "",
        "unit_code": claim.unit_code,
        "topic": claim.topic or "",
        "score": score,
        "raised_us": micros(now),
        "first_seen_us": item["published_us"],
        "last_seen_us": item["published_us"],
        "item_count": 1,
        "sources": [item["source"]],
    }


def contradiction_event(alert_id: str, hit: ContradictionHit, item: dict[str, Any], seen_at: datetime) -> EventPayload:
    """The alert for items that state a release's facts otherwise: the release is the reference,
    its unit answers; `claim_text` is what the item says."""
    return MisinformationAlert(
        alert_id=alert_id,
        kind="contradicts_release",
        score=hit.score,
        claim_id=None,
        claim_text=hit.said[:5_000],
        release_id=hit.release_id,
        responsible_unit_code=hit.unit_code,
        items=[example(item)],
        first_seen_at=seen_at,
        refuted_by_release_id=hit.release_id,
    )


def contradiction_document(alert_id: str, hit: ContradictionHit, item: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {
        "_id": alert_id,
        "kind": "contradicts_release",
        "claim_id": "",
        "claim_text": hit.said[:5_000],
        "release_id": hit.release_id,
        "release_says": hit.fact[:5_000],
        "reason": hit.reason[:500],
        "unit_code": hit.unit_code,
        "topic": "",
        "score": hit.score,
        "raised_us": micros(now),
        "first_seen_us": item["published_us"],
        "last_seen_us": item["published_us"],
        "item_count": 1,
        "sources": [item["source"]],
    }


def trend_event(trend: TrendAlert, examples: list[ExampleItem]) -> EventPayload:
    return TrendDetected(
        trend_id=trend.trend_id,
        terms=list(trend.terms)[:50],
        story_ids=list(trend.story_ids)[:200],
        window=iso_duration(trend.window),
        volume=trend.volume,
        baseline=trend.expected,
        growth=trend.growth,
        distinct_sources=trend.distinct_sources,
        examples=examples[:EXAMPLES],
        window_start=trend.at - trend.window,
    )


def trend_document(trend: TrendAlert) -> dict[str, Any]:
    return {
        "_id": trend.trend_id,
        "detected_us": micros(trend.at),
        "window_start_us": micros(trend.at - trend.window),
        "terms": list(trend.terms),
        "keys": list(trend.keys),
        "volume": trend.volume,
        "expected": trend.expected,
        "growth": trend.growth,
        "distinct_sources": trend.distinct_sources,
        "story_ids": list(trend.story_ids),
        "item_ids": list(trend.item_ids),
    }


@dataclass(frozen=True)
class IngestResult:
    item_id: str
    outcome: Literal["stored", "duplicate", "parked"]
    reason: str = ""
    observation: Observation | None = None


class MonitoringApp:
    def __init__(
        self,
        store: MonitoringStore,
        holder: EngineHolder,
        directory: UnitDirectory,
        settings: MonitoringSettings,
        clock: Callable[[], datetime],
        fence: Callable[[], bool] | None = None,
        analyser: str = "",
    ):
        self.store = store
        self.holder = holder
        self.directory = directory
        self.settings = settings
        self.clock = clock
        self.fence = fence  # whether this replica may still write what it analysed (see `active`)
        self.analyser = analyser  # who analyses: recorded on each item

    # --- items coming in ------------------------------------------------------------------------

    def on_item_observed(self, event: EventEnvelope[ItemObserved]) -> IngestResult:
        p = event.payload
        e = p.engagement
        url = str(p.url)
        item = Item(
            item_id=item_id_for(url),
            source=p.source_name,
            published_at=p.published_at,
            text=p.text,
            title=p.title,
            url=url,
            source_type=p.source_type,
            language=p.language,
            shares=e.shares,
            comments=e.comments,
            reactions=e.reactions,
            shared_from=str(p.shared_from_url) if p.shared_from_url else None,
        )
        return self.ingest(item, "event", event)

    def problem(self, item: Item) -> str | None:
        """Why an item cannot be analysed, or None."""
        if not (item.text.strip() or item.title.strip()):
            return "empty: no title and no text"
        if len(item.text) + len(item.title) > self.settings.max_item_chars:
            return f"oversized: {len(item.text) + len(item.title)} characters"
        if item.published_at - self.clock() > MAX_FUTURE:
            return f"future: published {item.published_at.isoformat()}"
        return None

    def ingest(self, item: Item, origin: Origin, caused_by: EventEnvelope[Any] | None = None) -> IngestResult:
        now = self.clock()
        reason = self.problem(item)
        if reason is not None:
            parked_id = str(caused_by.event_id) if caused_by is not None else item.item_id
            if self.store.park(parked_id, reason, item.source, item.url, micros(now)):
                _log.warning("parked item %s from %s: %s", item.item_id, item.source, reason)
            return IngestResult(item.item_id, "parked", reason)
        with self.holder.session(self.store) as engine:
            if self.store.has_item(item.item_id):
                return IngestResult(item.item_id, "duplicate")
            observation = engine.observe(item)
            if self.fence is not None and not self.fence():
                raise NotActive("the analysis lease moved to another replica")  # drops the engine
            self._store(engine, item, observation, origin, caused_by, now)
        return IngestResult(item.item_id, "stored", observation=observation)

    def _store(
        self,
        engine: MonitoringEngine,
        item: Item,
        seen: Observation,
        origin: Origin,
        caused_by: EventEnvelope[Any] | None,
        now: datetime,
    ) -> None:
        """One insert for the item and the events it raised, then the story, alert and trend views."""
        hit, contradiction = seen.claim, seen.contradiction
        claim = engine.claims.claim(hit.claim_id) if hit is not None else None
        doc = item_document(item, seen, origin, now)
        doc["analysed_by"] = self.analyser
        events: list[EventPayload] = []
        attach_to = ""
        alert = seen.alert
        if alert is not None and alert.kind == "contradicts_release" and contradiction is not None:
            doc["alert_id"] = alert.alert_id
            events.append(contradiction_event(alert.alert_id, contradiction, doc, item.published_at))
        elif alert is not None and claim is not None:
            doc["alert_id"] = alert.alert_id
            events.append(alert_event(alert.alert_id, alert.score, claim, doc, item.published_at))
        elif hit is not None and hit.stance == "spread":
            open_alert = self.store.latest_alert(hit.claim_id)
            if open_alert is not None:
                attach_to = doc["alert_id"] = open_alert["_id"]
        elif contradiction is not None:
            open_alert = self.store.latest_release_alert(contradiction.release_id)
            if open_alert is not None:
                attach_to = doc["alert_id"] = open_alert["_id"]
        examples = self._examples(seen.trends, doc)
        events.extend(trend_event(trend, examples.get(trend.trend_id, [])) for trend in seen.trends)
        envelopes = tuple(make_event(p, source=SOURCE, caused_by=caused_by) for p in events)
        if not self.store.insert_item(doc, envelopes):
            raise RuntimeError(f"item {item.item_id} was stored meanwhile")  # the lock makes this unreachable
        self.store.add_to_story(seen.story_id, doc, doc["claim_id"] if doc["stance"] == "spread" else "")
        if alert is not None and alert.kind == "contradicts_release" and contradiction is not None:
            self.store.insert_alert(contradiction_document(alert.alert_id, contradiction, doc, now))
        elif alert is not None and claim is not None:
            self.store.insert_alert(alert_document(alert.alert_id, alert.score, claim, doc, now))
        elif attach_to:
            self.store.attach_to_alert(attach_to, item.source, doc["published_us"])
        for trend in seen.trends:
            self.store.insert_trend(trend_document(trend))

    def _examples(self, trends: tuple[TrendAlert, ...], current: dict[str, Any]) -> dict[str, list[ExampleItem]]:
        out: dict[str, list[ExampleItem]] = {}
        for trend in trends:
            ids = list(trend.item_ids[-EXAMPLES:])
            found = self.store.items_by_id([i for i in ids if i != current["_id"]])
            found[current["_id"]] = current
            out[trend.trend_id] = [example(found[i]) for i in ids if i in found]
        return out

    # --- official releases ----------------------------------------------------------------------

    def on_release_corrected(self, event: EventEnvelope[ReleaseCorrected]) -> list[str]:
        """A correction: later items are checked against the corrected facts, not the old ones."""
        return self.on_release_published(event, corrected=True)

    def on_release_withdrawn(self, event: EventEnvelope[ReleaseWithdrawn]) -> None:
        """A withdrawn release is no longer an official statement to check items against."""
        release_id = event.payload.release.release_id
        self.store.delete_statement(release_id)
        with self.holder.session(self.store) as engine:
            engine.withdraw_release(release_id)

    def on_release_published(
        self, event: EventEnvelope[ReleasePublished] | EventEnvelope[ReleaseCorrected], corrected: bool = False
    ) -> list[str]:
        """A published release: its facts are checked against later items (contradictions), and if
        it refutes claims, it is recorded on them and its text fed to the matcher. Returns the
        claims it marked refuted."""
        release = event.payload.release
        published = release.published_at or event.occurred_at
        body = " ".join(part for part in (release.lead, release.body) if part)
        statement = OfficialRelease(
            release.release_id, release.unit_code, release.title, body, published, tuple(release.refutes_claim_ids)
        )
        statement_doc = {
            "_id": release.release_id, "unit_code": release.unit_code, "title": release.title, "body": body,
            "published_us": micros(published), "refutes": list(release.refutes_claim_ids),
        }  # fmt: skip
        if corrected:
            self.store.replace_statement(statement_doc)
        else:
            self.store.insert_statement(statement_doc)
        marked = [
            claim_id
            for claim_id in release.refutes_claim_ids
            if self.store.mark_refuted(claim_id, release.release_id, micros(published))
        ]
        with self.holder.session(self.store) as engine:
            engine.apply_release(statement)
        return marked

    # --- claims ---------------------------------------------------------------------------------

    def _require_unit(self, unit_code: str) -> None:
        self.directory.tree().require(unit_code, "unit_code")

    def add_claim(self, request: rpc.AddClaim) -> rpc.Claim:
        self._require_unit(request.unit_code)
        now = micros(self.clock())
        claim_id = request.claim_id or f"c-{uuid.uuid4().hex[:16]}"
        doc = {
            "_id": claim_id,
            "revision": 1,
            "text": request.text.strip(),
            "rating": request.rating,
            "topic": request.topic or "",
            "unit_code": request.unit_code,
            "status": "active",
            "refuted_by_release": request.refuted_by_release or "",
            "refuted_us": now if request.refuted_by_release else 0,
            "source_url": str(request.source_url) if request.source_url else "",
            "created_us": now,
            "updated_us": now,
        }
        self.store.insert_claim(doc)
        if self.holder.built:  # else it is restored from the datastore, or reconciled by the active replica
            with self.holder.session(self.store) as engine:
                engine.register_claim(claim_from_doc(doc))
        return self._claim(doc)

    def update_claim(self, request: rpc.UpdateClaim) -> rpc.Claim:
        changes: dict[str, Any] = {}
        for name in ("text", "rating", "topic", "unit_code", "refuted_by_release", "status"):
            value = getattr(request, name)
            if value is not None:
                changes[name] = value.strip() if name == "text" else value
        if not changes:
            raise InvalidInput("name at least one field to change", "claim_id")
        if "unit_code" in changes:
            self._require_unit(changes["unit_code"])
        if changes.get("refuted_by_release"):
            changes["refuted_us"] = micros(self.clock())
        changes["updated_us"] = micros(self.clock())
        doc = self.store.update_claim(request.claim_id, request.expected_revision, changes)
        if self.holder.built:
            with self.holder.session(self.store) as engine:
                self._apply_claim(engine, doc)
        return self._claim(doc)

    @staticmethod
    def _apply_claim(engine: MonitoringEngine, doc: dict[str, Any]) -> None:
        if doc["status"] == "active":
            engine.register_claim(claim_from_doc(doc))
        else:
            engine.forget_claim(doc["_id"])

    def reconcile_claims(self, since_us: int) -> int:
        """Apply to the engine the claims changed since `since_us` (on any replica); returns the
        new mark. Changes are looked up again `RECONCILE_OVERLAP` back: clocks of replicas differ."""
        docs = self.store.claims_changed_since(max(0, since_us - RECONCILE_OVERLAP_US))
        if docs and self.holder.built:
            with self.holder.session(self.store) as engine:
                for doc in docs:
                    self._apply_claim(engine, doc)
        return max([since_us, *(int(d["updated_us"]) for d in docs)])

    def get_claim(self, request: rpc.GetClaim) -> rpc.Claim:
        return self._claim(self.store.claim(request.claim_id))

    def list_claims(self, request: rpc.ListClaims) -> rpc.ClaimPage:
        query: dict[str, Any] = {}
        if request.status:
            query["status"] = request.status
        if request.topic:
            query["topic"] = request.topic
        if request.unit_code:
            query["unit_code"] = request.unit_code
        if request.refuted is not None:
            query["refuted_by_release"] = {"$ne": ""} if request.refuted else ""
        docs, total = self.store.find_claims(query, request.offset, request.limit)
        return rpc.ClaimPage(items=[self._claim(d) for d in docs], total=total)

    def _claim(self, doc: dict[str, Any]) -> rpc.Claim:
        variants: list[str] = []
        if self.holder.built:
            with self.holder.session(self.store) as engine:
                variants = [r.text for r in engine.claims.references(doc["_id"]) if r.kind == "variant"]
        return rpc.Claim(
            claim_id=doc["_id"],
            text=doc["text"],
            rating=doc["rating"],
            topic=doc.get("topic") or None,
            unit_code=doc["unit_code"],
            refuted_by_release=doc.get("refuted_by_release") or None,
            source_url=doc.get("source_url") or None,
            status=doc["status"],
            revision=doc["revision"],
            created_at=from_micros(doc["created_us"]),
            updated_at=from_micros(doc["updated_us"]),
            refuted_at=from_micros(doc["refuted_us"]) if doc.get("refuted_us") else None,
            variants=variants,
            **self.store.claim_counts(doc["_id"]),
        )

    # --- reading what was found -----------------------------------------------------------------

    def list_trends(self, request: rpc.ListTrends) -> rpc.TrendPage:
        query: dict[str, Any] = {}
        bounds: dict[str, int] = {}
        if request.since:
            bounds["$gte"] = micros(request.since)
        if request.until:
            bounds["$lt"] = micros(request.until)
        if bounds:
            query["detected_us"] = bounds
        wanted = fold(request.term) if request.term else None
        docs = self.store.find_trends(query, request.limit * (5 if wanted else 1))
        if wanted:
            docs = [d for d in docs if any(wanted == fold(t) for t in d.get("terms", []))][: request.limit]
        return rpc.TrendPage(items=[self._trend(d) for d in docs])

    def _trend(self, doc: dict[str, Any]) -> rpc.Trend:
        ids = list(doc.get("item_ids", []))[-EXAMPLES:]
        found = self.store.items_by_id(ids)
        return rpc.Trend(
            trend_id=doc["_id"],
            detected_at=from_micros(doc["detected_us"]),
            window_start=from_micros(doc["window_start_us"]),
            terms=doc.get("terms", []),
            volume=doc["volume"],
            expected=doc["expected"],
            growth=doc["growth"],
            distinct_sources=doc["distinct_sources"],
            story_ids=doc.get("story_ids", []),
            item_count=len(doc.get("item_ids", [])),
            examples=[example(found[i]) for i in ids if i in found],
        )

    def list_alerts(self, request: rpc.ListAlerts) -> rpc.AlertPage:
        query: dict[str, Any] = {}
        if request.claim_id:
            query["claim_id"] = request.claim_id
        if request.kind:
            query["kind"] = request.kind
        if request.release_id:
            query["release_id"] = request.release_id
        if request.unit_code:
            query["unit_code"] = request.unit_code
        if request.since:
            query["raised_us"] = {"$gte": micros(request.since)}
        return rpc.AlertPage(items=[self._alert(d) for d in self.store.find_alerts(query, request.limit)])

    def _alert(self, doc: dict[str, Any]) -> rpc.Alert:
        items = [example(d) for d in self.store.alert_items(doc["_id"], ALERT_ITEMS)]
        return rpc.Alert(
            alert_id=doc["_id"],
            kind=doc["kind"],
            claim_id=doc.get("claim_id") or None,
            claim_text=doc["claim_text"],
            release_id=doc.get("release_id") or None,
            responsible_unit_code=doc["unit_code"],
            topic=doc.get("topic") or None,
            release_says=doc.get("release_says") or None,
            score=doc["score"],
            raised_at=from_micros(doc["raised_us"]),
            first_seen_at=from_micros(doc["first_seen_us"]),
            last_seen_at=from_micros(doc["last_seen_us"]),
            item_count=doc.get("item_count", 1),
            distinct_sources=max(1, len(doc.get("sources", []))),
            items=items,
        )

    def get_story(self, request: rpc.GetStory) -> rpc.Story:
        doc = self.store.story(request.story_id)
        items = [story_item(d) for d in self.store.story_items(request.story_id, request.limit)]
        first = doc["first_item"]
        return rpc.Story(
            story_id=doc["_id"],
            first_seen_at=from_micros(doc["first_seen_us"]),
            last_seen_at=from_micros(doc["last_seen_us"]),
            first_item=ExampleItem(url=first["url"], title=first.get("title", ""), source_name=first["source_name"]),
            item_count=doc["item_count"],
            distinct_sources=max(1, len(doc.get("sources", []))),
            sources=sorted(doc.get("sources", [])),
            engagement=doc.get("engagement", 0),
            claim_id=doc.get("claim_id") or None,
            items=items,
        )

    def spread(self, request: rpc.GetSpread) -> rpc.Spread:
        claim = self.store.claim(request.claim_id)
        since = micros(request.since) if request.since else None
        until = micros(request.until) if request.until else None
        docs = self.store.claim_items(request.claim_id, since, until)
        items = [spread_item(d) for d in docs if d.get("stance") in ("spread", "refute")]
        return spread_series(
            request.claim_id,
            items,
            timedelta(minutes=request.bucket_minutes),
            claim.get("refuted_by_release") or None,
        )

    # --- feeds ----------------------------------------------------------------------------------

    def poll_due_feeds(self) -> dict[str, int]:
        """Poll the configured feeds last polled at least `feed_interval` seconds ago."""
        now_us = micros(self.clock())
        interval_us = int(self.settings.feed_interval * 1_000_000)
        due = [
            url
            for url in self.settings.feed_urls
            if now_us - self.store.feed_state(feed_id(url), url)["polled_us"] >= interval_us
        ]
        return self.poll_feeds(due)

    def poll_feeds(self, urls: list[str] | None = None) -> dict[str, int]:
        """Poll feeds once (all configured ones by default); returns the new items stored per feed url."""
        stored: dict[str, int] = {}
        for url in self.settings.feed_urls if urls is None else urls:
            try:
                stored[url] = self.poll_feed(url)
            except Exception as exc:  # one broken feed must not stop the others
                _log.warning("feed %s failed: %s: %s", redact(url), type(exc).__name__, redact(str(exc))[:300])
                error = f"{type(exc).__name__}: {exc}"[:500]
                self.store.save_feed_state(feed_id(url), {"last_error": error, "polled_us": micros(self.clock())})
                stored[url] = 0
        return stored

    def poll_feed(self, url: str) -> int:
        fid = feed_id(url)
        state = self.store.feed_state(fid, url)
        now = self.clock()
        result = fetch(url, state.get("etag", ""), state.get("modified", ""), self.settings.feed_timeout)
        changes: dict[str, Any] = {"polled_us": micros(now), "last_error": ""}
        new = 0
        if not result.not_modified:
            changes.update({"etag": result.etag, "modified": result.modified})
            for entry in parse_feed(result.content, url, now):
                if self.ingest(self._feed_item(entry), "feed").outcome == "stored":
                    new += 1
        self.store.save_feed_state(fid, changes, new)
        return new

    @staticmethod
    def _feed_item(entry: FeedEntry) -> Item:
        return Item(
            item_id=item_id_for(entry.url),
            source=entry.source,
            published_at=entry.published_at,
            text=entry.text,
            title=entry.title,
            url=entry.url,
            source_type="news",
        )
