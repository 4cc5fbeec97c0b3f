"""Processed-event store: a redelivered event has no second effect.

Each consumer (`service.method`) records the `event_id`s it has handled in its service's
database, collection `processed_events`, `_id = "<consumer>:<event_id>"`, so two handlers of the
same event in one service are independent. A TTL index on `processed_at` forgets them after
`processed_event_ttl_days`; an event redelivered later than that is handled again.

A record goes through two states:

- `processing`: claimed by one worker, with a lease (`lease_until`). Two copies of the same
  event handled at the same moment (prefetch and a worker pool make this real) cannot both
  run: the second sees the claim. A claim whose lease has run out (its worker died) can be
  taken over.
- `done`: the handler returned; every later copy is skipped.

What this cannot give: the handler's own effect and the `done` record are two writes. If the
process dies between them, the event is handled again once the lease expires. Handlers whose
effect cannot be repeated must make it idempotent themselves (a conditional update, an upsert
keyed by the event id, a unique index). `presscenter.shared.plumbing.consuming.handle_event`
uses this store; it needs only pymongo, so it can be used and tested without nameko.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from presscenter.shared.events import utcnow

COLLECTION = "processed_events"
TTL_INDEX_NAME = "processed_at_ttl"
PROCESSING = "processing"
DONE = "done"


class Claim(enum.Enum):
    """Outcome of `ProcessedEvents.claim`."""

    CLAIMED = "claimed"  # the caller now owns the event: handle it, then `complete` or `release`
    DONE = "done"  # already handled: skip it
    BUSY = "busy"  # another worker holds a live claim: try again later


def record_id(consumer: str, event_id: UUID | str) -> str:
    return f"{consumer}:{event_id}"


class ProcessedEvents:
    """The `processed_events` collection of one service database."""

    def __init__(self, db: Database[Any], collection: str = COLLECTION):
        self.collection: Collection[Any] = db[collection]

    def ensure_indexes(self, ttl_days: int) -> None:
        """Create the TTL index on `processed_at`, or fix its expiry if the setting changed."""
        expire = int(ttl_days) * 86_400
        for name, info in self.collection.index_information().items():
            if [tuple(k) for k in info.get("key", [])] == [("processed_at", 1)]:
                if info.get("expireAfterSeconds") == expire:
                    return
                self.collection.drop_index(name)
        self.collection.create_index("processed_at", name=TTL_INDEX_NAME, expireAfterSeconds=expire)

    def ttl_seconds(self) -> int | None:
        """expireAfterSeconds of the TTL index on `processed_at`, if there is one."""
        for info in self.collection.index_information().values():
            if [tuple(k) for k in info.get("key", [])] == [("processed_at", 1)]:
                value = info.get("expireAfterSeconds")
                return int(value) if value is not None else None
        return None

    def claim(self, consumer: str, event_id: UUID | str, lease_seconds: float) -> Claim:
        """Take the event for `consumer` for `lease_seconds`, unless it is done or held elsewhere."""
        key = record_id(consumer, event_id)
        for _ in range(3):  # a claim released between our insert and our read: try again
            now = utcnow()
            lease_until = now + timedelta(seconds=lease_seconds)
            try:
                self.collection.insert_one(
                    {
                        "_id": key,
                        "consumer": consumer,
                        "event_id": str(event_id),
                        "state": PROCESSING,
                        "lease_until": lease_until,
                        # also set while processing, so an abandoned claim expires with the TTL index
                        "processed_at": now,
                    }
                )
                return Claim.CLAIMED
            except DuplicateKeyError:
                pass
            taken = self.collection.update_one(
                {"_id": key, "state": PROCESSING, "lease_until": {"$lt": now}},
                {"$set": {"lease_until": lease_until, "processed_at": now}},
            )
            if taken.modified_count:
                return Claim.CLAIMED
            existing = self.collection.find_one({"_id": key}, {"state": 1})
            if existing is not None:
                return Claim.DONE if existing.get("state") == DONE else Claim.BUSY
        return Claim.BUSY

    def complete(self, consumer: str, event_id: UUID | str, at: datetime | None = None) -> None:
        """Mark the event handled (with or without a prior claim)."""
        self.collection.update_one(
            {"_id": record_id(consumer, event_id)},
            {
                "$set": {
                    "consumer": consumer,
                    "event_id": str(event_id),
                    "state": DONE,
                    "processed_at": at or utcnow(),
                },
                "$unset": {"lease_until": ""},
            },
            upsert=True,
        )

    record = complete

    def release(self, consumer: str, event_id: UUID | str) -> None:
        """Drop an unfinished claim (the handler failed), so a retry can claim the event."""
        self.collection.delete_one({"_id": record_id(consumer, event_id), "state": PROCESSING})

    def is_processed(self, consumer: str, event_id: UUID | str) -> bool:
        found = self.collection.find_one({"_id": record_id(consumer, event_id)}, {"state": 1})
        return found is not None and found.get("state") == DONE
