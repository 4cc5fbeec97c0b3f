"""Storing and finding releases. Every change is one atomic write guarded by the revision the
caller read, carrying its events in the same write (the outbox)."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any, Literal, NamedTuple

from pymongo import DESCENDING
from pymongo.collection import Collection
from pymongo.errors import BulkWriteError, DuplicateKeyError

from presscenter.releases.domain.visibility import FULL_ACCESS_ROLES, PRESS_STATUSES, can_read, sees_embargoed
from presscenter.releases.models import ReleaseDocument
from presscenter.shared.events.envelope import EventEnvelope
from presscenter.shared.plumbing.outbox import new_document_with_events, with_events
from presscenter.shared.rpc.errors import Conflict, InvalidInput, NotFound
from presscenter.shared.rpc.releases import Release, ReleasePage, ReleaseSummary, SearchReleases, Viewer
from presscenter.shared.text import search_terms, tokens
from presscenter.shared.timestamps import epoch_micros


def query_fields(release: Release) -> dict[str, Any]:
    """The stored document of `release`, without the outbox fields."""
    content = release.content
    return {
        "revision": release.revision,
        "status": release.status,
        "unit_code": release.unit_code,
        "categories": list(content.categories),
        "places": list(content.places),
        "search_terms": search_terms(
            content.title, content.lead, content.body, content.title_en or "", content.lead_en or ""
        ),
        "sort_key": epoch_micros(release.first_published_at or release.created_at),
        "published_us": epoch_micros(release.first_published_at),
        # 0 = no embargo in force, so one range test covers both cases (no null matching needed)
        "embargo_until_us": 0 if release.embargo_lifted_at else (epoch_micros(release.embargoed_until) or 0),
        # when the clock must publish it: 0 unless scheduled
        "publish_due_us": epoch_micros(release.scheduled_at) if release.status == "scheduled" else 0,
        "data": release.model_dump(mode="python"),
    }


def summary(release: Release) -> ReleaseSummary:
    content = release.content
    return ReleaseSummary(
        id=release.id,
        unit_code=release.unit_code,
        title=content.title,
        lead=content.lead,
        language=content.language,
        status=release.status,
        revision=release.revision,
        version=release.version,
        categories=content.categories,
        places=content.places,
        embargoed_until=release.embargoed_until,
        scheduled_at=release.scheduled_at,
        first_published_at=release.first_published_at,
        version_created_at=release.version_created_at,
        updated_at=release.updated_at,
    )


DUPLICATE_KEY = 11000


class WriteRefused(RuntimeError):
    """The datastore refused to store a release (other than because it is stored already)."""


class Timer(NamedTuple):
    """Something the clock must do to a release at `due_us` (epoch microseconds)."""

    due_us: int
    kind: Literal["publish", "lift_embargo"]
    release_id: str


def encode_cursor(sort_key: int, release_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([sort_key, release_id]).encode()).decode()


def decode_cursor(cursor: str) -> tuple[int, str]:
    try:
        sort_key, release_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return int(sort_key), str(release_id)
    except (ValueError, TypeError, binascii.Error):
        raise InvalidInput("not a cursor this service gave out; start again without it", "cursor") from None


def visibility_filter(viewer: Viewer, now: datetime) -> dict[str, Any]:
    """The Mongo form of `domain.visibility.can_read`."""
    if viewer.role in FULL_ACCESS_ROLES:
        return {}
    press: dict[str, Any] = {"status": {"$in": list(PRESS_STATUSES)}}
    if not sees_embargoed(viewer):
        now_us = epoch_micros(now)
        press = {"$and": [press, {"embargo_until_us": {"$lte": now_us}}]}
    if viewer.role == "unit_officer" and viewer.unit_code:
        return {"$or": [{"unit_code": viewer.unit_code}, press]}
    return press


class ReleaseRepository:
    def __init__(self) -> None:
        self.collection: Collection[Any] = ReleaseDocument._get_collection()

    def get(self, release_id: str) -> Release:
        doc = self.collection.find_one({"_id": release_id}, {"data": 1})
        if doc is None:
            raise NotFound(f"no release {release_id}", "release_id")
        return Release.model_validate(doc["data"])

    def read(self, release_id: str, viewer: Viewer, now: datetime) -> Release:
        """The release if `viewer` may read it; the same NotFound otherwise, so ids do not leak."""
        release = self.get(release_id)
        if not can_read(release, viewer, now):
            raise NotFound(f"no release {release_id}", "release_id")
        return release

    def exists(self, release_id: str) -> bool:
        # find_one, not count_documents: counting is an aggregation, which some stores run as a scan
        return self.collection.find_one({"_id": release_id}, {"_id": 1}) is not None

    def insert(self, release: Release, events: tuple[EventEnvelope[Any], ...]) -> bool:
        """Store a new release with its events; False when that id is already stored (a re-delivery)."""
        doc = new_document_with_events({"_id": release.id, **query_fields(release)}, *events)
        try:
            self.collection.insert_one(doc)
        except DuplicateKeyError:
            return False
        return True

    def insert_many(self, items: list[tuple[Release, tuple[EventEnvelope[Any], ...]]]) -> dict[int, Exception]:
        """Store new releases with their events in one `insert_many` (unordered).

        Returns the error of each item (by index) that was not stored. An id already stored (a
        re-delivery, or the same submission twice in `items`) is not an error: it is there.
        """
        docs = [
            new_document_with_events({"_id": release.id, **query_fields(release)}, *events) for release, events in items
        ]
        try:
            self.collection.insert_many(docs, ordered=False)
        except BulkWriteError as exc:
            return {
                int(error["index"]): WriteRefused(
                    f"release {docs[int(error['index'])]['_id']} not stored: {error.get('errmsg', error)}"
                )
                for error in exc.details.get("writeErrors", [])
                if error.get("code") != DUPLICATE_KEY
            }
        return {}

    def existing_ids(self, release_ids: list[str]) -> set[str]:
        """Which of `release_ids` are stored (one query)."""
        return {doc["_id"] for doc in self.collection.find({"_id": {"$in": release_ids}}, {"_id": 1})}

    def update(self, release: Release, expected_revision: int, events: tuple[EventEnvelope[Any], ...]) -> None:
        """Replace the stored release if it is still at `expected_revision`, with its events, atomically."""
        update = with_events({"$set": query_fields(release)}, *events)
        result = self.collection.update_one({"_id": release.id, "revision": expected_revision}, update)
        if result.matched_count == 1:
            return
        current = self.get(release.id)  # NotFound when it is gone
        raise Conflict(
            f"release {release.id} is at revision {current.revision}, not {expected_revision}: reload and retry",
            "expected_revision",
            current_revision=current.revision,
        )

    def search(self, query: SearchReleases, now: datetime) -> ReleasePage:
        clauses: list[dict[str, Any]] = []
        visible = visibility_filter(query.viewer, now)
        if visible:
            clauses.append(visible)
        if query.q:
            terms = tokens(query.q)
            if not terms:
                raise InvalidInput("give at least one word to search for", "q")
            clauses.append({"search_terms": {"$all": terms}})
        for field in ("unit_code",):
            if getattr(query, field):
                clauses.append({field: getattr(query, field)})
        if query.category:
            clauses.append({"categories": query.category})
        if query.place:
            clauses.append({"places": query.place})
        if query.status:
            clauses.append({"status": {"$in": list(query.status)}})
        if query.published_from or query.published_to:
            published: dict[str, Any] = {}
            if query.published_from:
                published["$gte"] = epoch_micros(query.published_from)
            if query.published_to:
                published["$lt"] = epoch_micros(query.published_to)
            clauses.append({"published_us": published})
        if query.cursor:
            key, last_id = decode_cursor(query.cursor)
            clauses.append({"$or": [{"sort_key": {"$lt": key}}, {"sort_key": key, "_id": {"$lt": last_id}}]})
        mongo_filter: dict[str, Any] = {"$and": clauses} if clauses else {}
        docs = list(
            self.collection.find(mongo_filter, {"data": 1, "sort_key": 1})
            .sort([("sort_key", DESCENDING), ("_id", DESCENDING)])
            .limit(query.limit + 1)
        )
        page = docs[: query.limit]
        items = [summary(Release.model_validate(doc["data"])) for doc in page]
        next_cursor = encode_cursor(page[-1]["sort_key"], page[-1]["_id"]) if len(docs) > query.limit else None
        return ReleasePage(items=items, next_cursor=next_cursor)

    def pending_timers(self) -> list[Timer]:
        """Every scheduled publication and every embargo still to lift: what the clock watches.

        One unsorted query (small result): the clock caches it, instead of querying each tick.
        """
        # two plain queries rather than one $or: the embedded store runs $or as a collection scan
        timers = [
            Timer(doc["publish_due_us"], "publish", doc["_id"])
            for doc in self.collection.find({"publish_due_us": {"$gt": 0}}, {"publish_due_us": 1})
        ]
        lifts = {"status": "published", "embargo_until_us": {"$gt": 0}}
        timers += [
            Timer(doc["embargo_until_us"], "lift_embargo", doc["_id"])
            for doc in self.collection.find(lifts, {"embargo_until_us": 1})
        ]
        return sorted(timers)

    def public_latest(self, now: datetime, limit: int) -> list[Release]:
        """The newest published releases the public may read (what the feeds show)."""
        public = Viewer(id="public", role="public")
        query = {"$and": [visibility_filter(public, now), {"status": "published"}]}
        docs = self.collection.find(query, {"data": 1}).sort([("sort_key", DESCENDING), ("_id", DESCENDING)])
        return [Release.model_validate(doc["data"]) for doc in docs.limit(limit)]
