"""Reading and writing monitoring's collections (pymongo over the collections `models` declares)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from presscenter.monitoring.models import (
    DOCUMENTS,
    AlertDocument,
    ClaimDocument,
    FeedDocument,
    ItemDocument,
    ParkedItemDocument,
    StatementDocument,
    StoryDocument,
    TrendDocument,
)
from presscenter.shared.events.envelope import EventEnvelope
from presscenter.shared.plumbing.outbox import new_document_with_events
from presscenter.shared.rpc.errors import Conflict, NotFound

ITEMS_COLLECTION = "items"


def micros(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


def from_micros(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1_000_000, UTC)


class MonitoringStore:
    def __init__(self) -> None:
        self.items: Collection[Any] = ItemDocument._get_collection()
        self.stories: Collection[Any] = StoryDocument._get_collection()
        self.claims: Collection[Any] = ClaimDocument._get_collection()
        self.alerts: Collection[Any] = AlertDocument._get_collection()
        self.trends: Collection[Any] = TrendDocument._get_collection()
        self.statements: Collection[Any] = StatementDocument._get_collection()
        self.parked: Collection[Any] = ParkedItemDocument._get_collection()
        self.feeds: Collection[Any] = FeedDocument._get_collection()

    @staticmethod
    def ensure_indexes() -> None:
        for document in DOCUMENTS:
            document.ensure_indexes()

    # --- items ----------------------------------------------------------------------------------

    def has_item(self, item_id: str) -> bool:
        return self.items.count_documents({"_id": item_id}, limit=1) > 0

    def insert_item(self, doc: Mapping[str, Any], events: tuple[EventEnvelope[Any], ...]) -> bool:
        """Store an analysed item with the events it raised; False if that item is already stored."""
        try:
            self.items.insert_one(new_document_with_events(doc, *events))
        except DuplicateKeyError:
            return False
        return True

    def items_since(self, since_us: int) -> Iterator[dict[str, Any]]:
        """Stored items published at or after `since_us`, oldest first (to replay after a restart)."""
        fields = {"_outbox": 0}
        yield from self.items.find({"published_us": {"$gte": since_us}}, fields).sort("published_us", ASCENDING)

    def latest_published_us(self) -> int | None:
        doc = self.items.find_one({}, {"published_us": 1}, sort=[("published_us", DESCENDING)])
        return None if doc is None else int(doc["published_us"])

    def claim_items(self, claim_id: str, since_us: int | None, until_us: int | None) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"claim_id": claim_id}
        bounds: dict[str, int] = {}
        if since_us is not None:
            bounds["$gte"] = since_us
        if until_us is not None:
            bounds["$lt"] = until_us
        if bounds:
            query["published_us"] = bounds
        fields = dict.fromkeys(("_id", "url", "source", "published_us", "stance", "engagement", "shared_from_url"), 1)
        return list(self.items.find(query, fields).sort("published_us", ASCENDING))

    def claim_counts(self, claim_id: str) -> dict[str, Any]:
        """Spread and refutation item counts, and first/last time the claim was seen spreading."""
        spread = self.items.count_documents({"claim_id": claim_id, "stance": "spread"})
        refute = self.items.count_documents({"claim_id": claim_id, "stance": "refute"})
        first = self.items.find_one({"claim_id": claim_id, "stance": "spread"}, {"published_us": 1},
                                    sort=[("published_us", ASCENDING)])  # fmt: skip
        last = self.items.find_one({"claim_id": claim_id, "stance": "spread"}, {"published_us": 1},
                                   sort=[("published_us", DESCENDING)])  # fmt: skip
        return {
            "spread_items": spread,
            "refutation_items": refute,
            "first_seen_at": from_micros(first["published_us"]) if first else None,
            "last_seen_at": from_micros(last["published_us"]) if last else None,
        }

    def story_items(self, story_id: str, limit: int) -> list[dict[str, Any]]:
        query = self.items.find({"story_id": story_id}, {"_outbox": 0, "text": 0})
        return list(query.sort("published_us", DESCENDING).limit(limit))

    def alert_items(self, alert_id: str, limit: int) -> list[dict[str, Any]]:
        fields = {"_id": 1, "url": 1, "title": 1, "text": 1, "source": 1}
        return list(self.items.find({"alert_id": alert_id}, fields).sort("published_us", ASCENDING).limit(limit))

    # --- stories --------------------------------------------------------------------------------

    def add_to_story(self, story_id: str, item: Mapping[str, Any], claim_id: str) -> None:
        """Count the item in its story (creating the story with it as first item)."""
        at, engagement = int(item["published_us"]), int(item.get("engagement", 0))
        first = {"url": item["url"], "title": item.get("title", ""), "source_name": item["source"]}
        doc = {"_id": story_id, "first_seen_us": at, "last_seen_us": at, "first_item": first, "item_count": 1,
               "sources": [item["source"]], "engagement": engagement, "claim_id": claim_id}  # fmt: skip
        try:
            self.stories.insert_one(doc)
            return
        except DuplicateKeyError:
            pass
        update: dict[str, Any] = {
            "$inc": {"item_count": 1, "engagement": engagement},
            "$max": {"last_seen_us": at},
            "$min": {"first_seen_us": at},
            "$addToSet": {"sources": item["source"]},
        }
        if claim_id:
            update["$set"] = {"claim_id": claim_id}
        self.stories.update_one({"_id": story_id}, update)

    def story(self, story_id: str) -> dict[str, Any]:
        doc = self.stories.find_one({"_id": story_id})
        if doc is None:
            raise NotFound(f"no story {story_id}", "story_id")
        return doc

    # --- claims ---------------------------------------------------------------------------------

    def insert_claim(self, doc: Mapping[str, Any]) -> None:
        try:
            self.claims.insert_one(dict(doc))
        except DuplicateKeyError:
            raise Conflict(f"claim {doc['_id']} already exists", "claim_id") from None

    def claim(self, claim_id: str) -> dict[str, Any]:
        doc = self.claims.find_one({"_id": claim_id})
        if doc is None:
            raise NotFound(f"no claim {claim_id}", "claim_id")
        return doc

    def update_claim(self, claim_id: str, expected_revision: int, changes: Mapping[str, Any]) -> dict[str, Any]:
        result = self.claims.update_one(
            {"_id": claim_id, "revision": expected_revision}, {"$set": dict(changes), "$inc": {"revision": 1}}
        )
        if result.matched_count != 1:
            current = self.claim(claim_id)
            raise Conflict(
                f"claim {claim_id} is at revision {current['revision']}, not {expected_revision}: reload and retry",
                "expected_revision",
                current_revision=current["revision"],
            )
        return self.claim(claim_id)

    def find_claims(self, query: Mapping[str, Any], offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        cursor = self.claims.find(dict(query)).sort([("created_us", DESCENDING), ("_id", ASCENDING)])
        return list(cursor.skip(offset).limit(limit)), self.claims.count_documents(dict(query))

    def claims_changed_since(self, since_us: int) -> list[dict[str, Any]]:
        """Claims added or changed at or after `since_us`, oldest change first."""
        return list(self.claims.find({"updated_us": {"$gte": since_us}}).sort("updated_us", ASCENDING))

    def active_claims(self) -> list[dict[str, Any]]:
        return list(self.claims.find({"status": "active"}))

    def mark_refuted(self, claim_id: str, release_id: str, at_us: int) -> bool:
        """Record the refuting release on an active claim that has none yet; True if it changed."""
        result = self.claims.update_one(
            {"_id": claim_id, "refuted_by_release": ""},
            {"$set": {"refuted_by_release": release_id, "refuted_us": at_us, "updated_us": at_us},
             "$inc": {"revision": 1}},
        )  # fmt: skip
        return result.modified_count == 1

    # --- alerts and trends ----------------------------------------------------------------------

    def insert_alert(self, doc: Mapping[str, Any]) -> None:
        with suppress(DuplicateKeyError):
            self.alerts.insert_one(dict(doc))

    def attach_to_alert(self, alert_id: str, source: str, at_us: int) -> None:
        self.alerts.update_one(
            {"_id": alert_id},
            {"$inc": {"item_count": 1}, "$max": {"last_seen_us": at_us}, "$addToSet": {"sources": source}},
        )

    def latest_alert(self, claim_id: str) -> dict[str, Any] | None:
        return self.alerts.find_one({"claim_id": claim_id}, sort=[("raised_us", DESCENDING)])

    def latest_release_alert(self, release_id: str) -> dict[str, Any] | None:
        """The newest alert about items contradicting the release."""
        query = {"release_id": release_id, "kind": "contradicts_release"}
        return self.alerts.find_one(query, sort=[("raised_us", DESCENDING)])

    def find_alerts(self, query: Mapping[str, Any], limit: int) -> list[dict[str, Any]]:
        return list(self.alerts.find(dict(query)).sort([("raised_us", DESCENDING), ("_id", ASCENDING)]).limit(limit))

    def insert_trend(self, doc: Mapping[str, Any]) -> None:
        with suppress(DuplicateKeyError):
            self.trends.insert_one(dict(doc))

    def find_trends(self, query: Mapping[str, Any], limit: int) -> list[dict[str, Any]]:
        return list(self.trends.find(dict(query)).sort([("detected_us", DESCENDING), ("_id", ASCENDING)]).limit(limit))

    def items_by_id(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        fields = {"_id": 1, "url": 1, "title": 1, "text": 1, "source": 1}
        return {doc["_id"]: doc for doc in self.items.find({"_id": {"$in": ids}}, fields)}

    # --- statements, parking, feeds ---------------------------------------------------------------

    def insert_statement(self, doc: Mapping[str, Any]) -> bool:
        try:
            self.statements.insert_one(dict(doc))
        except DuplicateKeyError:
            return False
        return True

    def replace_statement(self, doc: Mapping[str, Any]) -> None:
        """A corrected release's statement in place of the one published before."""
        self.statements.delete_one({"_id": doc["_id"]})
        self.statements.insert_one(dict(doc))

    def delete_statement(self, release_id: str) -> None:
        self.statements.delete_one({"_id": release_id})

    def all_statements(self) -> list[dict[str, Any]]:
        return list(self.statements.find({}).sort("published_us", ASCENDING))

    def park(self, parked_id: str, reason: str, source: str, url: str, at_us: int) -> bool:
        try:
            self.parked.insert_one({"_id": parked_id, "reason": reason, "source": source, "url": url,
                                    "received_us": at_us})  # fmt: skip
        except DuplicateKeyError:
            return False
        return True

    def parked_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for doc in self.parked.find({}, {"reason": 1}):
            kind = str(doc["reason"]).split(":", 1)[0]
            counts[kind] = counts.get(kind, 0) + 1
        return counts

    def feed_state(self, feed_id: str, url: str) -> dict[str, Any]:
        doc = self.feeds.find_one({"_id": feed_id})
        if doc is None:
            doc = {"_id": feed_id, "url": url, "etag": "", "modified": "", "polled_us": 0, "entries_seen": 0,
                   "last_error": ""}  # fmt: skip
            try:
                self.feeds.insert_one(doc)
            except DuplicateKeyError:
                doc = self.feeds.find_one({"_id": feed_id}) or doc
        return doc

    def save_feed_state(self, feed_id: str, changes: Mapping[str, Any], new_entries: int = 0) -> None:
        self.feeds.update_one({"_id": feed_id}, {"$set": dict(changes), "$inc": {"entries_seen": new_entries}})
