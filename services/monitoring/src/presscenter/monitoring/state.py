"""The analysis engine of a running service, rebuilt from what is stored.

The engine is in memory; the datastore is the truth. `EngineHolder` builds the engine on first
use by replaying the stored state (`restore`): active claims, the official statements taken
from releases, the items of the last `restore_span` of event time with the stories and claims
they were given, and the alerts still cooling down. All work on the engine happens under one
lock, and a failure while the engine was being changed throws it away, so the next call
rebuilds it from storage instead of going on with a state that storage does not have.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from presscenter.monitoring.analysis.claims import Claim
from presscenter.monitoring.analysis.engine import EngineSettings, Item, MonitoringEngine, OfficialRelease
from presscenter.monitoring.analysis.trends import TrendAlert
from presscenter.monitoring.store import MonitoringStore, from_micros, micros
from presscenter.shared.gc_tuning import tune_gc

_log = logging.getLogger(__name__)


def claim_from_doc(doc: dict[str, Any]) -> Claim:
    return Claim(
        claim_id=doc["_id"],
        text=doc["text"],
        unit_code=doc["unit_code"],
        rating=doc.get("rating", "false"),
        topic=doc.get("topic") or None,
        refuted_by=doc.get("refuted_by_release") or None,
    )


def item_from_doc(doc: dict[str, Any]) -> Item:
    return Item(
        item_id=doc["_id"],
        source=doc["source"],
        published_at=from_micros(doc["published_us"]),
        text=doc.get("text", ""),
        title=doc.get("title", ""),
        url=doc.get("url", ""),
        source_type=doc.get("source_type", "news"),
        language=doc.get("language", "vi"),
        shares=int(doc.get("shares", 0)),
        comments=int(doc.get("comments", 0)),
        reactions=int(doc.get("reactions", 0)),
        shared_from=doc.get("shared_from_url") or None,
    )


def statement_from_doc(doc: dict[str, Any]) -> OfficialRelease:
    return OfficialRelease(
        release_id=doc["_id"],
        unit_code=doc["unit_code"],
        title=doc["title"],
        body=doc.get("body", ""),
        published_at=from_micros(doc["published_us"]),
        refutes=tuple(doc.get("refutes", [])),
    )


def trend_from_doc(doc: dict[str, Any], window: timedelta) -> TrendAlert:
    return TrendAlert(
        trend_id=doc["_id"],
        at=from_micros(doc["detected_us"]),
        terms=tuple(doc.get("terms", [])),
        keys=tuple(doc.get("keys", [])),
        item_ids=tuple(doc.get("item_ids", [])),
        story_ids=tuple(doc.get("story_ids", [])),
        volume=int(doc.get("volume", 0)),
        expected=float(doc.get("expected", 0.0)),
        growth=float(doc.get("growth", 0.0)),
        distinct_sources=int(doc.get("distinct_sources", 0)),
        window=window,
    )


def restore(store: MonitoringStore, settings: EngineSettings, span: timedelta) -> MonitoringEngine:
    """An engine in the state the stored claims, statements, items and alerts describe."""
    started = time.perf_counter()
    engine = MonitoringEngine(settings)
    for doc in store.active_claims():
        engine.register_claim(claim_from_doc(doc))
    for doc in store.all_statements():
        engine.apply_release(statement_from_doc(doc))
    latest = store.latest_published_us()
    replayed = 0
    if latest is not None:
        since = latest - micros_of(span)
        for doc in store.items_since(since):
            engine.restore_item(
                item_from_doc(doc), doc["story_id"], doc.get("claim_id") or None, doc.get("stance") or None,
                float(doc.get("claim_score", 0.0)),
            )  # fmt: skip
            replayed += 1
        cooling = latest - micros_of(settings.alert_cooldown)
        for doc in store.find_alerts({"raised_us": {"$gte": cooling}}, limit=10_000):
            if doc.get("claim_id"):
                engine.restore_alert(doc["claim_id"], from_micros(doc["raised_us"]))
            elif doc.get("release_id"):
                engine.restore_release_alert(doc["release_id"], from_micros(doc["raised_us"]))
        for doc in store.find_trends({"detected_us": {"$gte": latest - micros_of(settings.trends.cooldown)}}, 10_000):
            engine.trends.restore_alert(trend_from_doc(doc, settings.trends.window))
    _log.info(
        "analysis state restored: %d claims, %d items replayed in %.2fs",
        len(engine.claims), replayed, time.perf_counter() - started,
    )  # fmt: skip
    tune_gc()
    return engine


def micros_of(span: timedelta) -> int:
    return int(span.total_seconds() * 1_000_000)


def restore_span(settings: EngineSettings) -> timedelta:
    """How much event time to replay: enough for stories, trend baselines and cool-downs."""
    trends = settings.trends
    return max(settings.stories.horizon, trends.baseline + trends.window, trends.cooldown, settings.alert_cooldown)


class EngineHolder:
    """The process's engine and the lock every use of it takes."""

    def __init__(self, settings: EngineSettings, span: timedelta | None = None):
        self.settings = settings
        self.span = span if span is not None else restore_span(settings)
        self._lock = threading.RLock()
        self._engine: MonitoringEngine | None = None

    @contextmanager
    def session(self, store: MonitoringStore) -> Iterator[MonitoringEngine]:
        """The engine, built if needed, held under the lock; an error inside drops it for a rebuild."""
        with self._lock:
            if self._engine is None:
                self._engine = restore(store, self.settings, self.span)
            try:
                yield self._engine
            except BaseException:
                self._engine = None
                raise

    def invalidate(self) -> None:
        with self._lock:
            self._engine = None

    @property
    def built(self) -> bool:
        return self._engine is not None


__all__ = ["EngineHolder", "claim_from_doc", "item_from_doc", "micros", "restore"]
