"""Named leases in MongoDB: at most one owner holds a lease until it expires or is released.

Used so that one replica of a service at a time does singleton work (the outbox relay). A
lease is one document `{_id: name, owner, expires_ts}`; taking it is one atomic
`find_one_and_update` (upsert) that matches only when the lease is free, expired or already
ours. Times are stored as epoch seconds (floats): numeric comparisons behave the same on
MongoDB and on the embedded nx-27017 server, which stores datetimes set by update operators
as strings. Replicas are expected to have synchronised clocks (NTP); a lease should be much
longer than the expected skew.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

LEASES_COLLECTION = "leases"


@dataclass(frozen=True)
class Lease:
    name: str
    owner: str
    expires_at: datetime


class LeaseStore:
    """Acquire (take or extend) and release named leases stored in `db[collection]`."""

    def __init__(self, db: Database[Any], collection: str = LEASES_COLLECTION):
        self.collection = db[collection]

    def acquire(self, name: str, owner: str, ttl_s: float, now: float | None = None) -> bool:
        """Take (or keep) the lease for `ttl_s` seconds; False when another owner holds it."""
        now = time.time() if now is None else now
        try:
            doc = self.collection.find_one_and_update(
                {"_id": name, "$or": [{"expires_ts": {"$lt": now}}, {"owner": owner}]},
                {"$set": {"owner": owner, "expires_ts": now + ttl_s}},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError:  # the lease exists and is held by someone else
            return False
        return doc is not None and doc.get("owner") == owner

    def release(self, name: str, owner: str) -> bool:
        """Give the lease up if `owner` holds it, so another owner can take it at once."""
        return self.collection.delete_one({"_id": name, "owner": owner}).deleted_count == 1

    def holder(self, name: str, now: float | None = None) -> Lease | None:
        """The current, unexpired holder of the lease, if any."""
        now = time.time() if now is None else now
        doc = self.collection.find_one({"_id": name})
        if doc is None or float(doc.get("expires_ts", 0)) < now:
            return None
        return Lease(name, str(doc["owner"]), datetime.fromtimestamp(float(doc["expires_ts"]), UTC))


class KeptLease:
    """Lease `name` for `owner` (`ttl_s` seconds), for work that runs often and asks "do I lead?"
    each time (the outbox relay's passes, the releases clock's ticks): the datastore is asked only
    once a third of the ttl has passed since the lease was last taken or confirmed, since a lease
    held that recently cannot have expired. Under load, taking it every time cost a
    `find_one_and_update` per pass or tick (5 % of the releases service's samples in the event
    pipeline; a fifth of its idle CPU with the datastore's). Another `Database` (a reconnect, each
    test's container) is asked at once, and after a refusal every time.
    """

    def __init__(self, name: str, owner: str, ttl_s: float) -> None:
        self.name = name
        self.owner = owner
        self.ttl_s = ttl_s
        self._database: Any = None  # where it was last taken or confirmed, and when (monotonic)
        self._taken = -math.inf

    def held(self, store: LeaseStore) -> bool:
        """True when this owner holds the lease in `store` (taken or confirmed there if need be)."""
        database = store.collection.database
        if database is self._database and time.monotonic() - self._taken <= self.ttl_s / 3:
            return True
        asked = time.monotonic()  # before asking: the lease runs from no earlier than this
        if not store.acquire(self.name, self.owner, self.ttl_s):
            self._database = None
            return False
        self._database, self._taken = database, asked
        return True

    def release(self, store: LeaseStore) -> bool:
        """Give the lease up (another owner can take it at once) and forget it was held."""
        self._database = None
        return store.release(self.name, self.owner)
