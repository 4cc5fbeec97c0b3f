"""The portal delivery log (collection `portal_deliveries`) and `deliver`, one attempt at a time.

One document per `(release_id, version, action)`, `_id` = `DeliveryKey.id`, which is also the
`Idempotency-Key` the portal sees. States: `pending` → `delivered`, or `failed` (a permanent
refusal, or `max_attempts` used up). Every attempt is appended to `attempts`. The ninjs body is
stored at `begin` and every retry sends exactly that body.

No double delivery: `deliver` never sends a key that is delivered or failed, and sends a pending
key only after claiming it with a short lease (two workers cannot send it at once). A worker that
dies after sending but before recording leaves the key pending: the next attempt is answered 409
by the portal for the same Idempotency-Key, which counts as delivered.

Times are epoch seconds (floats) in the database and the body is JSON text, as in
`presscenter.shared.plumbing.jobs`: both round-trip exactly on MongoDB and on nx-27017. Pure
pymongo, no nameko: the service wires `deliver` into a `@scheduled_job`.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field
from pymongo import ASCENDING, ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from presscenter.releases.portal.client import DeliveryResult, Outcome
from presscenter.shared.timestamps import epoch_seconds, from_epoch_seconds

_log = logging.getLogger(__name__)

DELIVERIES_COLLECTION = "portal_deliveries"
DeliveryAction = Literal["published", "corrected", "withdrawn"]
DeliveryState = Literal["pending", "delivered", "failed"]
ACTIONS: tuple[DeliveryAction, ...] = ("published", "corrected", "withdrawn")
MAX_ERROR_CHARS = 500


@dataclass(frozen=True)
class DeliveryKey:
    """What is delivered once: a release's public `version` for one action."""

    release_id: str
    version: int
    action: DeliveryAction

    def __post_init__(self) -> None:
        if not self.release_id or "/" in self.release_id or len(self.release_id) > 128:
            raise ValueError("release_id must be 1..128 characters without '/'")
        if self.version < 1:
            raise ValueError("only published versions (>= 1) are delivered")
        if self.action not in ACTIONS:
            raise ValueError(f"action must be one of {', '.join(ACTIONS)}")

    @property
    def id(self) -> str:
        """The document id and the Idempotency-Key: `<release_id>/v<version>/<action>`."""
        return f"{self.release_id}/v{self.version}/{self.action}"


class DeliveryAttempt(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: int = Field(ge=1)
    at: datetime
    outcome: Outcome
    status: int | None = None
    error: str | None = None
    duration_ms: float = 0.0


class DeliveryRecord(BaseModel):
    """A snapshot of one delivery and its attempts."""

    model_config = ConfigDict(frozen=True)

    id: str
    release_id: str
    version: int
    action: DeliveryAction
    state: DeliveryState
    body: dict[str, Any]
    attempts: tuple[DeliveryAttempt, ...] = ()
    attempt_count: int = 0
    next_attempt_at: datetime | None = None
    lease_until: datetime | None = None
    delivered_at: datetime | None = None
    failed_at: datetime | None = None
    failure: str | None = None
    created_at: datetime
    updated_at: datetime

    @property
    def key(self) -> DeliveryKey:
        return DeliveryKey(self.release_id, self.version, self.action)

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> DeliveryRecord:
        attempts = tuple(
            DeliveryAttempt(
                number=a["number"],
                at=from_epoch_seconds(a["at_ts"]),
                outcome=a["outcome"],
                status=a.get("status"),
                error=a.get("error"),
                duration_ms=a.get("duration_ms") or 0.0,
            )
            for a in doc.get("attempts") or ()
        )
        lease = doc.get("lease_ts") or 0.0
        return cls(
            id=doc["_id"],
            release_id=doc["release_id"],
            version=doc["version"],
            action=doc["action"],
            state=doc["state"],
            body=json.loads(doc.get("body") or "{}"),
            attempts=tuple(sorted(attempts, key=lambda a: a.number)),
            attempt_count=int(doc.get("attempt_count") or 0),
            next_attempt_at=from_epoch_seconds(doc.get("next_attempt_ts")),
            lease_until=from_epoch_seconds(lease) if lease else None,
            delivered_at=from_epoch_seconds(doc.get("delivered_ts")),
            failed_at=from_epoch_seconds(doc.get("failed_ts")),
            failure=doc.get("failure"),
            created_at=from_epoch_seconds(doc["created_ts"]),
            updated_at=from_epoch_seconds(doc["updated_ts"]),
        )


class DeliveryLog:
    """The delivery log in `db[collection]`."""

    def __init__(self, db: Database[Any], collection: str = DELIVERIES_COLLECTION):
        self.collection = db[collection]
        self.collection.create_index([("release_id", ASCENDING)])
        self.collection.create_index([("state", ASCENDING), ("next_attempt_ts", ASCENDING)])

    def begin(self, key: DeliveryKey, body: Mapping[str, Any], now: datetime) -> DeliveryRecord:
        """Create the pending delivery of `key` with `body`; idempotent (an existing record is returned as is)."""
        now_ts = epoch_seconds(now)
        doc = {
            "_id": key.id,
            "release_id": key.release_id,
            "version": key.version,
            "action": key.action,
            "state": "pending",
            "body": json.dumps(dict(body), ensure_ascii=False, separators=(",", ":")),
            "attempts": [],
            "attempt_count": 0,
            "next_attempt_ts": now_ts,
            "lease_ts": 0.0,
            "delivered_ts": None,
            "failed_ts": None,
            "failure": None,
            "created_ts": now_ts,
            "updated_ts": now_ts,
        }
        try:
            self.collection.insert_one(doc)
            return DeliveryRecord.from_document(doc)
        except DuplicateKeyError:
            existing = self.get(key)
            assert existing is not None, "a delivery record is never deleted"
            return existing

    def get(self, key: DeliveryKey) -> DeliveryRecord | None:
        doc = self.collection.find_one({"_id": key.id})
        return None if doc is None else DeliveryRecord.from_document(doc)

    def claim(self, key: DeliveryKey, now: datetime, lease_s: float) -> DeliveryRecord | None:
        """Take the pending, due, unleased delivery of `key` for `lease_s` seconds; None if not available."""
        now_ts = epoch_seconds(now)
        doc = self.collection.find_one_and_update(
            {"_id": key.id, "state": "pending", "next_attempt_ts": {"$lte": now_ts}, "lease_ts": {"$lte": now_ts}},
            {"$set": {"lease_ts": now_ts + lease_s, "updated_ts": now_ts}},
            return_document=ReturnDocument.AFTER,
        )
        return None if doc is None else DeliveryRecord.from_document(doc)

    def record_attempt(
        self,
        key: DeliveryKey,
        at: datetime,
        result: DeliveryResult,
        *,
        next_attempt_at: datetime | None = None,
    ) -> DeliveryAttempt:
        """Append one attempt (numbered in order), release the lease and set when the next one is due."""
        at_ts = epoch_seconds(at)
        bumped = self.collection.find_one_and_update(
            {"_id": key.id},
            {"$inc": {"attempt_count": 1}},
            return_document=ReturnDocument.AFTER,
        )
        if bumped is None:
            raise KeyError(f"no delivery {key.id}: call begin first")
        attempt = DeliveryAttempt(
            number=int(bumped["attempt_count"]),
            at=from_epoch_seconds(at_ts),
            outcome=result.outcome,
            status=result.status,
            error=None if result.error is None else result.error[:MAX_ERROR_CHARS],
            duration_ms=round(result.duration_s * 1000, 3),
        )
        entry = {
            "number": attempt.number,
            "at_ts": at_ts,
            "outcome": attempt.outcome,
            "status": attempt.status,
            "error": attempt.error,
            "duration_ms": attempt.duration_ms,
        }
        update: dict[str, Any] = {"lease_ts": 0.0, "updated_ts": at_ts}
        if next_attempt_at is not None:
            update["next_attempt_ts"] = epoch_seconds(next_attempt_at)
        self.collection.update_one({"_id": key.id}, {"$push": {"attempts": entry}, "$set": update})
        return attempt

    def mark_delivered(self, key: DeliveryKey, at: datetime) -> bool:
        """Pending (or failed, if the portal did get it after all) → delivered; False if already delivered."""
        at_ts = epoch_seconds(at)
        result = self.collection.update_one(
            {"_id": key.id, "state": {"$in": ["pending", "failed"]}},
            {
                "$set": {
                    "state": "delivered",
                    "delivered_ts": at_ts,
                    "next_attempt_ts": None,
                    "lease_ts": 0.0,
                    "updated_ts": at_ts,
                }
            },
        )
        return result.modified_count == 1

    def mark_failed(self, key: DeliveryKey, at: datetime, reason: str) -> bool:
        """Pending → failed with `reason`; no more attempts. False if it was not pending."""
        at_ts = epoch_seconds(at)
        result = self.collection.update_one(
            {"_id": key.id, "state": "pending"},
            {
                "$set": {
                    "state": "failed",
                    "failed_ts": at_ts,
                    "failure": reason[:MAX_ERROR_CHARS],
                    "next_attempt_ts": None,
                    "lease_ts": 0.0,
                    "updated_ts": at_ts,
                }
            },
        )
        return result.modified_count == 1

    def for_release(self, release_id: str) -> list[DeliveryRecord]:
        """Every delivery of one release, by version then action (published, corrected, withdrawn)."""
        records = [DeliveryRecord.from_document(d) for d in self.collection.find({"release_id": release_id})]
        return sorted(records, key=lambda r: (r.version, ACTIONS.index(r.action)))

    def due(self, now: datetime, limit: int = 100) -> list[DeliveryRecord]:
        """Pending deliveries whose next attempt is due and that no worker holds (for a sweeping job)."""
        now_ts = epoch_seconds(now)
        cursor = (
            self.collection.find(
                {"state": "pending", "next_attempt_ts": {"$lte": now_ts}, "lease_ts": {"$lte": now_ts}}
            )
            .sort("next_attempt_ts", ASCENDING)
            .limit(limit)
        )
        return [DeliveryRecord.from_document(d) for d in cursor]


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff: `base_delay_s` doubling per attempt up to `max_delay_s`, minus up to
    `jitter` of it at random; a `Retry-After` longer than that wins (bounded by `max_retry_after_s`).
    With jitter < 0.5 the delays grow strictly until the cap."""

    base_delay_s: float = 2.0
    max_delay_s: float = 900.0
    jitter: float = 0.25
    max_attempts: int = 12
    max_retry_after_s: float = 86_400.0
    lease_s: float = 120.0

    def __post_init__(self) -> None:
        if self.base_delay_s <= 0 or self.max_delay_s < self.base_delay_s:
            raise ValueError("need 0 < base_delay_s <= max_delay_s")
        if not 0 <= self.jitter < 1:
            raise ValueError("jitter is a fraction in [0, 1)")
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")

    def delay(self, attempt: int, retry_after_s: float | None = None, rng: random.Random | None = None) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        backoff = min(self.max_delay_s, self.base_delay_s * 2 ** min(max(attempt - 1, 0), 60))
        backoff *= 1 - self.jitter * (rng or random).random()
        if retry_after_s is not None:
            backoff = max(backoff, min(retry_after_s, self.max_retry_after_s))
        return backoff


class Pusher(Protocol):
    """What `deliver` needs of a client (`PortalClient`)."""

    timeout: float

    def push(self, body: Mapping[str, Any], *, idempotency_key: str) -> DeliveryResult: ...


@dataclass(frozen=True)
class DeliveryOutcome:
    """What one `deliver` call did and what the caller should do next.

    `sent` is True when a request went out. `retry` with `retry_at` means: call `deliver` again
    at that time (the key is still pending). `result` is the HTTP outcome when something was sent.
    """

    key: DeliveryKey
    state: DeliveryState
    sent: bool
    retry: bool
    retry_at: datetime | None = None
    delay_s: float | None = None
    attempts: int = 0
    result: DeliveryResult | None = None
    note: str = ""


def _not_sent(record: DeliveryRecord, now: datetime, note: str) -> DeliveryOutcome:
    if record.state != "pending":
        return DeliveryOutcome(
            record.key, record.state, sent=False, retry=False, attempts=record.attempt_count, note=note
        )
    candidates = [t for t in (record.next_attempt_at, record.lease_until) if t is not None and t > now]
    retry_at = max(candidates) if candidates else now
    return DeliveryOutcome(
        record.key,
        "pending",
        sent=False,
        retry=True,
        retry_at=retry_at,
        delay_s=(retry_at - now).total_seconds(),
        attempts=record.attempt_count,
        note=note,
    )


def deliver(
    log: DeliveryLog,
    client: Pusher,
    key: DeliveryKey,
    body: Mapping[str, Any] | None,
    now: datetime,
    *,
    policy: RetryPolicy | None = None,
    rng: random.Random | None = None,
) -> DeliveryOutcome:
    """Make at most ONE attempt to deliver `key` and say whether and when to try again.

    `body` starts the delivery if the log does not hold it yet (`None` for a key already begun);
    the stored body is what is sent. Nothing is sent for a delivered or failed key, before the
    next attempt is due, or while another worker holds it.
    """
    policy = policy or RetryPolicy()
    if body is not None:
        record = log.begin(key, body, now)
    else:
        found = log.get(key)
        if found is None:
            raise KeyError(f"no delivery {key.id}: pass its body to begin it")
        record = found
    if record.state != "pending":
        return _not_sent(record, now, f"already {record.state}")

    claimed = log.claim(key, now, max(policy.lease_s, client.timeout + 30.0))
    if claimed is None:
        current = log.get(key)
        assert current is not None
        busy = current.lease_until is not None and current.lease_until > now
        return _not_sent(current, now, "held by another worker" if busy else "not due yet")

    result = client.push(claimed.body, idempotency_key=key.id)
    if result.outcome == "delivered":
        attempt = log.record_attempt(key, now, result)
        log.mark_delivered(key, now)
        _log.info("portal delivery %s delivered (attempt %d, HTTP %s)", key.id, attempt.number, result.status)
        return DeliveryOutcome(key, "delivered", sent=True, retry=False, attempts=attempt.number, result=result)

    if result.outcome == "permanent":
        attempt = log.record_attempt(key, now, result)
        log.mark_failed(key, now, f"refused by the portal: {result.error}")
        _log.error("portal delivery %s refused permanently: %s", key.id, result.error)
        return DeliveryOutcome(key, "failed", sent=True, retry=False, attempts=attempt.number, result=result)

    number = claimed.attempt_count + 1
    if number >= policy.max_attempts:
        attempt = log.record_attempt(key, now, result)
        log.mark_failed(key, now, f"gave up after {attempt.number} attempts: {result.error}")
        _log.error("portal delivery %s failed after %d attempts: %s", key.id, attempt.number, result.error)
        return DeliveryOutcome(key, "failed", sent=True, retry=False, attempts=attempt.number, result=result)

    delay = policy.delay(number, result.retry_after_s, rng)
    retry_at = now + timedelta(seconds=delay)
    attempt = log.record_attempt(key, now, result, next_attempt_at=retry_at)
    _log.warning(
        "portal delivery %s attempt %d failed (%s); retry in %.1f s", key.id, attempt.number, result.error, delay
    )
    return DeliveryOutcome(
        key,
        "pending",
        sent=True,
        retry=True,
        retry_at=retry_at,
        delay_s=delay,
        attempts=attempt.number,
        result=result,
    )
