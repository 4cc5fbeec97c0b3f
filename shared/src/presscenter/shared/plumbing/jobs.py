"""Scheduled jobs in MongoDB, safe with several replicas: each due job is claimed atomically.

A job is identified by `(kind, key)` (e.g. `("embargo_lift", release_id)`) and stored as one
document `{_id: "<kind>/<key>", state, due_ts, payload, attempts, owner, lease_ts, ...}`.
States: `pending` → `running` (claimed with a lease) → `done`, or back to `pending` for a
retry, or `failed` (visible with its error). A `running` job whose lease expired (its replica
died) is claimed again. Completing or failing a job is guarded by owner and attempt, so a
replica whose lease expired cannot overwrite the result of the one that took over.

Times are epoch seconds (floats) in the database and the payload is stored as JSON text:
both round-trip exactly on MongoDB and on the embedded nx-27017 server. This module is pure
pymongo; the nameko side lives in `presscenter.shared.plumbing.scheduling`.
"""

from __future__ import annotations

import builtins
import json
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pymongo import ASCENDING, ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from presscenter.shared.timestamps import epoch_seconds, from_epoch_seconds

JOBS_COLLECTION = "scheduled_jobs"
JobState = Literal["pending", "running", "done", "failed"]
KIND_PATTERN = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")
MAX_KEY_LENGTH = 256
MAX_ERROR_LENGTH = 2_000


def job_id(kind: str, key: str) -> str:
    """The document id of a job; `kind` cannot contain '/', so the id is unambiguous."""
    if not KIND_PATTERN.match(kind):
        raise ValueError(f"invalid job kind {kind!r}: lower-case letters, digits, '_', '.', '-'")
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValueError(f"job key must be 1..{MAX_KEY_LENGTH} characters")
    return f"{kind}/{key}"


@dataclass(frozen=True)
class Job:
    """A snapshot of one scheduled job."""

    kind: str
    key: str
    state: JobState
    due_at: datetime
    payload: dict[str, Any]
    attempts: int
    owner: str | None
    lease_until: datetime | None
    last_error: str | None
    updated_at: datetime | None

    @property
    def id(self) -> str:
        return job_id(self.kind, self.key)

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> Job:
        due_at = from_epoch_seconds(doc["due_ts"])
        assert due_at is not None
        return cls(
            kind=doc["kind"],
            key=doc["key"],
            state=doc["state"],
            due_at=due_at,
            payload=json.loads(doc.get("payload") or "{}"),
            attempts=int(doc.get("attempts") or 0),
            owner=doc.get("owner"),
            lease_until=from_epoch_seconds(doc.get("lease_ts")),
            last_error=doc.get("last_error"),
            updated_at=from_epoch_seconds(doc.get("updated_ts")),
        )


class JobStore:
    """Schedule, claim, complete and fail jobs in `db[collection]`."""

    def __init__(self, db: Database[Any], collection: str = JOBS_COLLECTION):
        self.db = db
        self.collection = db[collection]
        self.collection.create_index([("state", ASCENDING), ("due_ts", ASCENDING)])
        self.collection.create_index([("kind", ASCENDING), ("state", ASCENDING)])

    def schedule(
        self,
        kind: str,
        key: str,
        due_at: datetime,
        payload: dict[str, Any] | None = None,
        *,
        replace: bool = False,
    ) -> Job:
        """Schedule `(kind, key)` at `due_at`; idempotent.

        A pending job gets the new `due_at` and payload. A running, done or failed job is left
        as it is (and returned) unless `replace=True`, which makes it pending again with
        attempts reset; a run still in flight then cannot record its result.
        """
        _id = job_id(kind, key)
        due_ts = epoch_seconds(due_at)
        body = json.dumps(payload or {}, separators=(",", ":"), sort_keys=True)
        while True:
            now = time.time()
            moved = self.collection.find_one_and_update(
                {"_id": _id, "state": "pending"},
                {"$set": {"due_ts": due_ts, "payload": body, "updated_ts": now}},
                return_document=ReturnDocument.AFTER,
            )
            if moved is not None:
                return Job.from_document(moved)
            fresh = {
                "kind": kind,
                "key": key,
                "state": "pending",
                "due_ts": due_ts,
                "payload": body,
                "attempts": 0,
                "owner": None,
                "lease_ts": None,
                "last_error": None,
                "updated_ts": now,
            }
            if replace:
                doc = self.collection.find_one_and_update(
                    {"_id": _id},
                    {"$set": fresh},
                    upsert=True,
                    return_document=ReturnDocument.AFTER,
                )
                assert doc is not None
                return Job.from_document(doc)
            try:
                self.collection.insert_one({"_id": _id, **fresh})
                return Job.from_document({"_id": _id, **fresh})
            except DuplicateKeyError:
                existing = self.collection.find_one({"_id": _id})
                if existing is not None and existing["state"] != "pending":
                    return Job.from_document(existing)
                # it became pending or vanished in between: try again

    def cancel(self, kind: str, key: str) -> bool:
        """Forget a job that has not completed; a done job stays as history. True if removed."""
        result = self.collection.delete_one(
            {"_id": job_id(kind, key), "state": {"$in": ["pending", "running", "failed"]}}
        )
        return result.deleted_count == 1

    def get(self, kind: str, key: str) -> Job | None:
        doc = self.collection.find_one({"_id": job_id(kind, key)})
        return None if doc is None else Job.from_document(doc)

    def claim_due(
        self,
        kinds: Iterable[str],
        owner: str,
        lease_s: float,
        limit: int,
        now: datetime | None = None,
    ) -> builtins.list[Job]:
        """Claim up to `limit` due jobs of `kinds` for `owner`, each in its own atomic update.

        Due means pending with `due_at <= now`, or running with an expired lease.
        """
        kinds = builtins.list(kinds)
        now_ts = time.time() if now is None else epoch_seconds(now)
        claimed: builtins.list[Job] = []
        if not kinds:
            return claimed
        while len(claimed) < limit:
            doc = self.collection.find_one_and_update(
                {
                    "kind": {"$in": kinds},
                    "$or": [
                        {"state": "pending", "due_ts": {"$lte": now_ts}},
                        {"state": "running", "lease_ts": {"$lt": now_ts}},
                    ],
                },
                {
                    "$set": {"state": "running", "owner": owner, "lease_ts": now_ts + lease_s, "updated_ts": now_ts},
                    "$inc": {"attempts": 1},
                },
                sort=[("due_ts", ASCENDING)],
                return_document=ReturnDocument.AFTER,
            )
            if doc is None:
                break
            claimed.append(Job.from_document(doc))
        return claimed

    def next_due(self, kinds: Iterable[str]) -> datetime | None:
        """When the earliest pending job of `kinds` is due."""
        doc = self.collection.find_one(
            {"kind": {"$in": builtins.list(kinds)}, "state": "pending"},
            {"due_ts": 1},
            sort=[("due_ts", ASCENDING)],
        )
        return None if doc is None else from_epoch_seconds(doc["due_ts"])

    def _guard(self, job: Job) -> dict[str, Any]:
        return {"_id": job.id, "state": "running", "owner": job.owner, "attempts": job.attempts}

    def extend_lease(self, job: Job, lease_s: float) -> bool:
        """Keep a long run claimed; False if the job was taken over meanwhile."""
        result = self.collection.update_one(self._guard(job), {"$set": {"lease_ts": time.time() + lease_s}})
        return result.matched_count == 1

    def complete(self, job: Job) -> bool:
        """Mark a claimed job done; False if this claim is no longer the current one."""
        now = time.time()
        result = self.collection.update_one(
            self._guard(job),
            {"$set": {"state": "done", "lease_ts": None, "last_error": None, "updated_ts": now, "finished_ts": now}},
        )
        return result.matched_count == 1

    def release(self, job: Job) -> bool:
        """Give a claimed job back unrun (e.g. on shutdown): pending again, attempt not counted."""
        result = self.collection.update_one(
            self._guard(job),
            {
                "$set": {"state": "pending", "owner": None, "lease_ts": None, "updated_ts": time.time()},
                "$inc": {"attempts": -1},
            },
        )
        return result.matched_count == 1

    def fail(
        self,
        job: Job,
        error: str,
        retry_at: datetime | None = None,
        *,
        max_attempts: int | None = None,
    ) -> bool:
        """Record a failed run: pending again at `retry_at`, or `failed` when there is no retry
        (no `retry_at`, or `max_attempts` reached). False if this claim is no longer current."""
        now = time.time()
        update: dict[str, Any] = {"last_error": error[:MAX_ERROR_LENGTH], "lease_ts": None, "updated_ts": now}
        exhausted = max_attempts is not None and job.attempts >= max_attempts
        if retry_at is None or exhausted:
            update.update(state="failed", finished_ts=now)
        else:
            update.update(state="pending", due_ts=epoch_seconds(retry_at))
        return self.collection.update_one(self._guard(job), {"$set": update}).matched_count == 1

    def list(self, kind: str | None = None, state: JobState | None = None, limit: int = 1_000) -> builtins.list[Job]:
        """Jobs filtered by kind and state, earliest due first."""
        query: dict[str, Any] = {}
        if kind is not None:
            query["kind"] = kind
        if state is not None:
            query["state"] = state
        cursor = self.collection.find(query).sort("due_ts", ASCENDING).limit(limit)
        return [Job.from_document(doc) for doc in cursor]
