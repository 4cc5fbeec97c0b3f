"""Storing and finding assets, and the download audit. Every asset change is one atomic write
guarded by the revision the caller read, carrying its events in the same write (the outbox)."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from datetime import datetime
from typing import Any

from pymongo import DESCENDING
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from presscenter.media.domain.access import FULL_ACCESS_ROLES, embargo_until, press_access_of, sees_embargoed
from presscenter.media.models import AssetDocument, DownloadDocument
from presscenter.shared.events.envelope import EventEnvelope
from presscenter.shared.plumbing.outbox import new_document_with_events, with_events
from presscenter.shared.rpc.errors import Conflict, InvalidInput, NotFound
from presscenter.shared.rpc.media import Asset, AssetPage, DownloadRecord, ListAssets
from presscenter.shared.rpc.releases import Viewer

Events = tuple[EventEnvelope[Any], ...]
UNFINISHED = ("awaiting_upload", "processing")


def micros(moment: datetime | None) -> int:
    return 0 if moment is None else int(moment.timestamp() * 1_000_000)


def query_fields(asset: Asset) -> dict[str, Any]:
    """The stored document of `asset`, without internal and outbox fields."""
    return {
        "revision": asset.revision,
        "status": asset.status,
        "access": asset.access,
        "owner_unit_code": asset.owner_unit_code,
        "created_by_id": asset.created_by.id,
        "tags": list(asset.metadata.tags),
        "release_ids": sorted({*asset.metadata.linked_release_ids, *(h.release_id for h in asset.embargoes)}),
        "embargo_until_us": micros(embargo_until(asset)),
        "created_us": micros(asset.created_at),
        # when the upload window closes, while an upload is awaited or being verified; 0 after
        "upload_expires_us": micros(asset.upload_expires_at) if asset.status in UNFINISHED else 0,
        "data": asset.model_dump(mode="python"),
    }


def encode_cursor(created_us: int, asset_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([created_us, asset_id]).encode()).decode()


def decode_cursor(cursor: str) -> tuple[int, str]:
    try:
        created_us, asset_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return int(created_us), str(asset_id)
    except (ValueError, TypeError, binascii.Error):
        raise InvalidInput("not a cursor this service gave out; start again without it", "cursor") from None


def visibility_filter(viewer: Viewer, now: datetime) -> dict[str, Any]:
    """The Mongo form of `domain.access.can_read`."""
    if viewer.role in FULL_ACCESS_ROLES:
        return {}
    press: dict[str, Any] = {"status": "ready", "access": {"$in": list(press_access_of(viewer))}}
    if not sees_embargoed(viewer):
        press["embargo_until_us"] = {"$lte": micros(now)}
    mine: list[dict[str, Any]] = [{"created_by_id": viewer.id}]
    if viewer.role == "unit_officer" and viewer.unit_code:
        mine.append({"owner_unit_code": viewer.unit_code})
    return {"$or": [*mine, press]}


class AssetRepository:
    def __init__(self) -> None:
        self.collection: Collection[Any] = AssetDocument._get_collection()

    def get(self, asset_id: str) -> Asset:
        doc = self.collection.find_one({"_id": asset_id}, {"data": 1})
        if doc is None:
            raise NotFound(f"no asset {asset_id}", "asset_id")
        return Asset.model_validate(doc["data"])

    def internal(self, asset_id: str) -> dict[str, Any]:
        """The internal fields of an asset (multipart upload id, processing lease, cleanup flag)."""
        doc = self.collection.find_one(
            {"_id": asset_id}, {"multipart_upload_id": 1, "processing_until_us": 1, "cleanup_pending": 1}
        )
        if doc is None:
            raise NotFound(f"no asset {asset_id}", "asset_id")
        return doc

    def insert(self, asset: Asset, multipart_upload_id: str, events: Events = ()) -> None:
        doc = {
            "_id": asset.id,
            **query_fields(asset),
            "multipart_upload_id": multipart_upload_id,
            "processing_until_us": 0,
            "cleanup_pending": 0,
        }
        try:
            self.collection.insert_one(new_document_with_events(doc, *events))
        except DuplicateKeyError:
            raise Conflict(f"asset {asset.id} exists already", "asset_id") from None

    def update(self, asset: Asset, expected_revision: int, events: Events = (), **internal: Any) -> None:
        """Replace the stored asset if still at `expected_revision`, with its events, atomically."""
        update = with_events({"$set": {**query_fields(asset), **internal}}, *events)
        result = self.collection.update_one({"_id": asset.id, "revision": expected_revision}, update)
        if result.matched_count == 1:
            return
        current = self.get(asset.id)
        raise Conflict(
            f"asset {asset.id} is at revision {current.revision}, not {expected_revision}: reload and retry",
            "expected_revision",
            current_revision=current.revision,
        )

    def mark_cleaned(self, asset_id: str) -> None:
        self.collection.update_one({"_id": asset_id}, {"$set": {"cleanup_pending": 0}})

    def search(self, query: ListAssets, now: datetime) -> AssetPage:
        clauses: list[dict[str, Any]] = []
        visible = visibility_filter(query.viewer, now)
        if visible:
            clauses.append(visible)
        if query.owner_unit_code:
            clauses.append({"owner_unit_code": query.owner_unit_code})
        if query.release_id:
            clauses.append({"release_ids": query.release_id})
        if query.tag:
            clauses.append({"tags": query.tag})
        if query.status:
            clauses.append({"status": query.status})
        if query.access:
            clauses.append({"access": query.access})
        if query.cursor:
            key, last_id = decode_cursor(query.cursor)
            clauses.append({"$or": [{"created_us": {"$lt": key}}, {"created_us": key, "_id": {"$lt": last_id}}]})
        docs = list(
            self.collection.find({"$and": clauses} if clauses else {}, {"data": 1, "created_us": 1})
            .sort([("created_us", DESCENDING), ("_id", DESCENDING)])
            .limit(query.limit + 1)
        )
        page = docs[: query.limit]
        items = [Asset.model_validate(doc["data"]) for doc in page]
        next_cursor = encode_cursor(page[-1]["created_us"], page[-1]["_id"]) if len(docs) > query.limit else None
        return AssetPage(items=items, next_cursor=next_cursor)

    def with_release(self, release_id: str, limit: int = 1_000) -> list[str]:
        return [d["_id"] for d in self.collection.find({"release_ids": release_id}, {"_id": 1}).limit(limit)]

    def expired_uploads(self, before: datetime, limit: int) -> list[str]:
        """Unfinished assets whose upload window closed before `before`."""
        due = {"status": {"$in": list(UNFINISHED)}, "upload_expires_us": {"$gt": 0, "$lte": micros(before)}}
        return [d["_id"] for d in self.collection.find(due, {"_id": 1}).sort("upload_expires_us", 1).limit(limit)]

    def pending_cleanups(self, limit: int) -> list[str]:
        """Finished assets whose upload object could not be deleted yet."""
        due = {"cleanup_pending": 1, "status": {"$in": ["ready", "rejected", "expired"]}}
        return [d["_id"] for d in self.collection.find(due, {"_id": 1}).limit(limit)]


class DownloadLog:
    def __init__(self) -> None:
        self.collection: Collection[Any] = DownloadDocument._get_collection()

    def record(self, record: DownloadRecord) -> None:
        self.collection.insert_one(
            {
                "_id": uuid.uuid4().hex,
                "asset_id": record.asset_id,
                "rendition": record.rendition,
                "viewer_id": record.viewer_id,
                "viewer_role": record.viewer_role,
                "viewer_unit_code": record.viewer_unit_code or "",
                "at_us": micros(record.at),
                "data": record.model_dump(mode="python"),
            }
        )

    def of_asset(self, asset_id: str, limit: int) -> list[DownloadRecord]:
        docs = self.collection.find({"asset_id": asset_id}, {"data": 1}).sort("at_us", DESCENDING).limit(limit)
        return [DownloadRecord.model_validate(doc["data"]) for doc in docs]
