"""Transactional outbox for MongoDB without multi-document transactions.

An event is stored INSIDE the aggregate's document, in the same single-document atomic write
as the state change: `_outbox` (array of entries) gets the event and `_outbox_pending` (an
integer counter) goes up. Events not tied to an aggregate go to the `outbox` collection, one
document per `emit` (an insert is atomic too). A relay publishes every pending entry with
publisher confirms, then removes exactly that entry and decrements the counter in one update:
publish-then-remove is at-least-once, and consumers deduplicate on `event_id`.

Entries are stored as JSON text (not sub-documents): the embedded nx-27017 server turns
sub-documents pushed into arrays into strings and cannot `$pull` them by field, while a
string is pulled by exact value everywhere. Pending documents are found by the scalar
counter only (`_outbox_pending > 0`), never by array contents.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Self

import eventlet
import mongoengine
from amqp import spec
from eventlet.event import Event
from eventlet.semaphore import Semaphore
from kombu import Connection
from nameko.constants import PERSISTENT
from nameko.extensions import DependencyProvider
from nameko.messaging import encode_to_headers
from nameko.standalone.events import get_event_exchange
from opentelemetry.propagate import inject
from pymongo import MongoClient, UpdateOne
from pymongo.collection import Collection
from pymongo.database import Database

from presscenter.shared.events.catalog import entry as catalog_entry
from presscenter.shared.events.envelope import EventEnvelope, EventPayload, utcnow
from presscenter.shared.plumbing.leases import KeptLease, LeaseStore
from presscenter.shared.plumbing.mongo import open_client
from presscenter.shared.redaction import redact
from presscenter.shared.sdk.confirms import Confirms, PartialPublish
from presscenter.shared.settings import ServiceSettings

OUTBOX_FIELD = "_outbox"
PENDING_FIELD = "_outbox_pending"
OUTBOX_COLLECTION = "outbox"
RELAY_LEASE = "outbox-relay"
NUDGE_MIN_GAP = 0.05  # seconds between relay passes started by nudges
EVENTS_SUFFIX = ".events"

_log = logging.getLogger(__name__)


# --- entries and the pure helpers that write them ---------------------------------------------


@dataclass(frozen=True)
class OutboxEntry:
    """One event waiting to be published, with where it goes and its trace context."""

    event_id: str
    exchange: str
    routing_key: str
    body: str
    trace: dict[str, str] = field(default_factory=dict)
    recorded_at: str = ""

    @classmethod
    def for_event(cls, event: EventEnvelope[Any]) -> OutboxEntry:
        """Build the entry now, capturing the current trace context."""
        trace: dict[str, str] = {}
        inject(trace)
        return cls(
            event_id=str(event.event_id),
            exchange=_exchange_of(event),
            routing_key=event.type,
            # `to_message()` as JSON text, serialised by pydantic at once (a quarter of the CPU of
            # dumping the dict); compact UTF-8 text, as the SDK sends it, not \u escapes
            body=event.model_dump_json(),
            trace=trace,
            recorded_at=utcnow().isoformat(),
        )

    def to_stored(self) -> str:
        """The entry as the outbox stores it: JSON text, UTF-8 characters as they are (escaped, every
        non-ASCII character of the body took seven characters twice over, in the stored entry and in
        the datastore's own encoding of it)."""
        fields = {"body": self.body, "event_id": self.event_id, "exchange": self.exchange,
                  "recorded_at": self.recorded_at, "routing_key": self.routing_key, "trace": self.trace}  # fmt: skip
        return json.dumps(fields, separators=(",", ":"), sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_stored(cls, raw: str) -> OutboxEntry:
        return cls(**json.loads(raw))

    @property
    def channel(self) -> str:
        return self.exchange.removesuffix(EVENTS_SUFFIX)

    @property
    def headers(self) -> dict[str, str]:
        """AMQP headers: the trace context as `nameko.<key>`, as nameko services expect."""
        return encode_to_headers(self.trace)


def _exchange_of(event: EventEnvelope[Any]) -> str:
    payload = event.payload
    if isinstance(payload, EventPayload):
        return f"{payload.channel}{EVENTS_SUFFIX}"
    return catalog_entry(event.type, event.version).exchange


_events_staged = False
"""Set when events are staged for a write in this process; the relay is nudged once the worker ends."""


def _stored_entries(events: Iterable[EventEnvelope[Any]]) -> list[str]:
    global _events_staged
    entries = [OutboxEntry.for_event(event) for event in events]
    _events_staged = _events_staged or bool(entries)
    ids = [e.event_id for e in entries]
    if len(set(ids)) != len(ids):
        raise ValueError("the same event_id is recorded twice")
    return [e.to_stored() for e in entries]


def with_events(update: Mapping[str, Any], *events: EventEnvelope[Any]) -> dict[str, Any]:
    """`update` (a MongoDB update with operators) plus the events, for one atomic write.

    Adds `$push: {_outbox: {$each: [...]}}` and `$inc: {_outbox_pending: n}`, merged with the
    caller's own `$push`/`$inc`. The caller's update must not otherwise touch the outbox fields.
    """
    merged: dict[str, Any] = {op: dict(v) if isinstance(v, Mapping) else v for op, v in update.items()}
    if not events:
        return merged
    if any(not op.startswith("$") for op in merged):
        raise ValueError("with_events needs an update with operators ($set, $inc, ...), not a replacement")
    for op, fields in merged.items():
        if op not in ("$push", "$inc") and isinstance(fields, Mapping) and {OUTBOX_FIELD, PENDING_FIELD} & set(fields):
            raise ValueError(f"{op} must not touch {OUTBOX_FIELD}/{PENDING_FIELD}")
    entries = _stored_entries(events)
    push = merged.setdefault("$push", {})
    existing = push.get(OUTBOX_FIELD)
    if existing is None:
        push[OUTBOX_FIELD] = {"$each": entries}
    elif isinstance(existing, Mapping):
        if set(existing) != {"$each"}:
            raise ValueError(f"$push to {OUTBOX_FIELD} supports only $each")
        push[OUTBOX_FIELD] = {"$each": [*existing["$each"], *entries]}
    else:
        push[OUTBOX_FIELD] = {"$each": [existing, *entries]}
    inc = merged.setdefault("$inc", {})
    inc[PENDING_FIELD] = int(inc.get(PENDING_FIELD, 0)) + len(entries)
    return merged


def new_document_with_events(doc: Mapping[str, Any], *events: EventEnvelope[Any]) -> dict[str, Any]:
    """A copy of `doc` (to insert) carrying the events in its outbox."""
    out = dict(doc)
    entries = _stored_entries(events)
    out[OUTBOX_FIELD] = [*out.get(OUTBOX_FIELD, []), *entries]
    out[PENDING_FIELD] = int(out.get(PENDING_FIELD, 0)) + len(entries)
    return out


class OutboxDocument(mongoengine.Document):
    """Base of a mongoengine aggregate whose events travel through the outbox.

    Use `save_with_events(*events)`: a new document is inserted with its events; an existing one
    gets its changed fields and the events in one `update_one` (`save_condition` works as in
    `save`). The relay owns the outbox fields; the in-memory `outbox` is not refreshed.
    """

    meta = {"abstract": True}

    outbox = mongoengine.ListField(mongoengine.StringField(), db_field=OUTBOX_FIELD, default=list)
    outbox_pending = mongoengine.IntField(db_field=PENDING_FIELD, default=0, min_value=0)

    _staged_events: tuple[EventEnvelope[Any], ...] = ()

    def save_with_events(self, *events: EventEnvelope[Any], **save_kwargs: Any) -> Self:
        if self._created or self.pk is None:
            entries = _stored_entries(events)
            self.outbox = [*(self.outbox or []), *entries]
            self.outbox_pending = (self.outbox_pending or 0) + len(entries)
            save_kwargs.setdefault("force_insert", True)
            return self.save(**save_kwargs)
        self._staged_events = events
        try:
            return self.save(**save_kwargs)
        finally:
            self._staged_events = ()

    def _get_update_doc(self) -> dict[str, Any]:
        update: dict[str, Any] = super()._get_update_doc()
        if not self._staged_events:
            return update
        for op in ("$set", "$unset"):
            if op in update:
                for name in (OUTBOX_FIELD, PENDING_FIELD):
                    update[op].pop(name, None)
                if not update[op]:
                    del update[op]
        return with_events(update, *self._staged_events)


# --- writing events from a service -------------------------------------------------------------


class Outbox:
    """Writes events into the outbox of `db`; what `OutboxRelay` injects into workers."""

    def __init__(self, db: Database[Any]):
        self.db = db

    def with_events(self, update: Mapping[str, Any], *events: EventEnvelope[Any]) -> dict[str, Any]:
        """See `with_events`; apply the result with one `update_one`/`find_one_and_update`."""
        return with_events(update, *events)

    def new_document(self, doc: Mapping[str, Any], *events: EventEnvelope[Any]) -> dict[str, Any]:
        """See `new_document_with_events`; insert the result with `insert_one`."""
        return new_document_with_events(doc, *events)

    def emit(self, *events: EventEnvelope[Any]) -> Any:
        """Record events not tied to an aggregate (all or none); returns the outbox document id."""
        doc = new_document_with_events({"created_at": utcnow()}, *events)
        return self.db[OUTBOX_COLLECTION].insert_one(doc).inserted_id


# --- publishing ----------------------------------------------------------------------------------


class EventPublisher:
    """Publishes outbox entries to nameko event exchanges with publisher confirms.

    `publish_many` sends a whole batch, then waits once for the broker's confirms (instead of one
    round trip per event); `publish` is a batch of one.
    """

    def __init__(self, amqp_uri: str, *, connect_timeout: float = 5.0, confirm_timeout: float = 10.0):
        self.amqp_uri = amqp_uri
        self.connect_timeout = connect_timeout
        self.confirm_timeout = confirm_timeout
        self._connection: Connection | None = None
        self._channel: Any = None
        self._declared: set[str] = set()
        self._confirms = Confirms()

    def _ensure(self) -> Any:
        if self._channel is None:
            connection = Connection(self.amqp_uri, connect_timeout=self.connect_timeout)
            try:
                connection.ensure_connection(max_retries=0)  # one attempt; the relay loop backs off
                channel = connection.channel()
                channel.confirm_select()
                channel.events["basic_ack"].add(partial(self._confirms.settle, confirmed=True))
                channel.events["basic_nack"].add(partial(self._confirms.settle, confirmed=False))
            except Exception:
                connection.release()
                raise
            self._connection, self._channel = connection, channel
            self._declared = set()
            self._confirms.channel_opened()
        return self._channel

    @property
    def confirming(self) -> bool:
        """Connected, on a channel in publisher-confirm mode."""
        return self._channel is not None

    def publish(self, entry: OutboxEntry) -> None:
        """Publish and wait for the broker's confirm; raises when it does not come."""
        try:
            self.publish_many([entry])
        except PartialPublish as exc:
            raise (exc.__cause__ or exc) from None

    def publish_many(self, entries: Sequence[OutboxEntry]) -> None:
        """Publish every entry (persistent, in order), then wait for all the confirms.

        Raises `PartialPublish` (with the confirmed indexes, the cause chained) when the broker
        refused some, did not confirm in `confirm_timeout`, or the connection failed.
        """
        confirms = self._confirms
        confirms.start()
        try:
            channel = self._ensure()
            for index, entry in enumerate(entries):
                if entry.exchange not in self._declared:
                    get_event_exchange(entry.channel)(channel).declare()
                    self._declared.add(entry.exchange)
                message = channel.prepare_message(
                    entry.body.encode("utf-8"),
                    content_type="application/json",
                    content_encoding="utf-8",
                    headers=entry.headers,
                    properties={"delivery_mode": PERSISTENT, "message_id": entry.event_id},
                )
                confirms.sent(index)
                channel.basic_publish(message, exchange=entry.exchange, routing_key=entry.routing_key)
            deadline = time.monotonic() + self.confirm_timeout
            while confirms.waiting:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"{confirms.waiting} publishes not confirmed in {self.confirm_timeout}s")
                channel.wait([spec.Basic.Ack, spec.Basic.Nack], timeout=remaining)
        except Exception as exc:
            self.close()  # the channel state is unknown: reconnect on the next publish
            raise PartialPublish(f"publishing failed: {type(exc).__name__}: {exc}", set(confirms.acked)) from exc
        if confirms.nacked:
            raise PartialPublish(f"the broker refused {len(confirms.nacked)} events", set(confirms.acked))

    def close(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None:
            try:
                connection.release()
            except Exception:  # closing a broken connection may fail; it is gone either way
                _log.debug("closing the relay's broker connection failed", exc_info=True)


class OutboxForwarder:
    """One relay pass over the outbox collections: publish the pending entries, then remove them.

    A pass reads up to `batch_size` entries, publishes them together with one wait for the
    broker's confirms (`publish_many`), then removes what was confirmed: publish-then-remove,
    at-least-once. What the broker confirmed is removed even when others of the batch failed.
    """

    def __init__(
        self,
        db: Database[Any],
        publish: Callable[[OutboxEntry], None],
        collections: Iterable[str] = (),
        batch_size: int = 200,
        publish_many: Callable[[Sequence[OutboxEntry]], None] | None = None,
    ):
        self.db = db
        self.publish = publish
        self.publish_many = publish_many or self._one_by_one
        names = [OUTBOX_COLLECTION, *(c for c in collections if c != OUTBOX_COLLECTION)]
        self.collections = list(dict.fromkeys(names))
        self.batch_size = batch_size

    def _one_by_one(self, entries: Sequence[OutboxEntry]) -> None:
        for index, entry in enumerate(entries):
            try:
                self.publish(entry)
            except Exception as exc:
                raise PartialPublish(f"publishing failed: {exc}", set(range(index))) from exc

    def ensure_indexes(self) -> None:
        """Each pass looks up pending documents by their counter: index it, or every pass scans."""
        for name in self.collections:
            self.db[name].create_index(PENDING_FIELD)

    def pending_count(self) -> int:
        """Events recorded and not yet published, over every outbox collection."""
        total = 0
        for name in self.collections:
            for doc in self.db[name].find({PENDING_FIELD: {"$gt": 0}}, {PENDING_FIELD: 1}):
                total += int(doc[PENDING_FIELD])
        return total

    def relay_once(self, keep_going: Callable[[], bool] = lambda: True) -> int:
        """Publish up to `batch_size` pending entries; returns how many were published."""
        sent = 0
        for name in self.collections:
            collection = self.db[name]
            limit = self.batch_size - sent
            if limit <= 0 or not keep_going():
                break
            # No sort: order only matters within a document, whose entries keep theirs.
            cursor = collection.find({PENDING_FIELD: {"$gt": 0}}, {OUTBOX_FIELD: 1, PENDING_FIELD: 1})
            batch: list[tuple[Any, str, OutboxEntry]] = []
            emptied: list[Any] = []
            for doc in list(cursor.limit(limit)):
                batch += self._entries_of(collection, doc, limit - len(batch))
                if collection.name == OUTBOX_COLLECTION:
                    emptied.append(doc["_id"])
                if len(batch) >= limit:
                    break
            if not batch:
                continue
            removals = _Removals(collection)
            confirmed: set[int] = set()
            try:
                self.publish_many([entry for _, _, entry in batch])
                confirmed = set(range(len(batch)))
            except PartialPublish as exc:
                confirmed = exc.confirmed
                raise (exc.__cause__ or exc) from None
            finally:  # what was published is removed, even when others of the batch failed
                for index in sorted(confirmed):
                    doc_id, raw, _ = batch[index]
                    removals.add(doc_id, raw)
                for doc_id in emptied:
                    removals.delete_when_empty(doc_id)
                removals.flush()
            sent += len(batch)
        return sent

    def _entries_of(
        self, collection: Collection[Any], doc: dict[str, Any], limit: int
    ) -> list[tuple[Any, str, OutboxEntry]]:
        entries: list[str] = list(doc.get(OUTBOX_FIELD) or [])
        if not entries:
            # the counter says pending but nothing is there: only possible after a manual edit
            collection.update_one({"_id": doc["_id"], PENDING_FIELD: doc[PENDING_FIELD]}, {"$set": {PENDING_FIELD: 0}})
            _log.warning("outbox counter of %s/%s reset: no entries", collection.name, doc["_id"])
            return []
        out = []
        for raw in entries[:limit]:
            try:
                out.append((doc["_id"], raw, OutboxEntry.from_stored(raw)))
            except (ValueError, TypeError) as exc:  # kept for an operator; must not block the others
                _log.error("unreadable outbox entry in %s/%s left in place: %s", collection.name, doc["_id"], exc)
        return out


class _Removals:
    """Published entries of one relay pass, removed together: one `bulk_write` of the same
    `$pull`/`$inc` updates instead of one round trip per entry (publish-then-remove is unchanged)."""

    def __init__(self, collection: Collection[Any]):
        self.collection = collection
        self.updates: list[UpdateOne] = []
        self.emptied: list[Any] = []

    def add(self, doc_id: Any, raw: str) -> None:
        self.updates.append(
            UpdateOne({"_id": doc_id, OUTBOX_FIELD: raw}, {"$pull": {OUTBOX_FIELD: raw}, "$inc": {PENDING_FIELD: -1}})
        )

    def delete_when_empty(self, doc_id: Any) -> None:
        self.emptied.append(doc_id)

    def flush(self) -> None:
        updates, emptied, self.updates, self.emptied = self.updates, self.emptied, [], []
        if updates:
            result = self.collection.bulk_write(updates, ordered=False)
            if result.matched_count != len(updates):
                _log.warning(
                    "%d outbox entries of %s were already removed",
                    len(updates) - result.matched_count,
                    self.collection.name,
                )
        if emptied:
            self.collection.delete_many({"_id": {"$in": emptied}, PENDING_FIELD: {"$lte": 0}})


# --- the nameko relay ------------------------------------------------------------------------------


def _collection_name(item: str | type[mongoengine.Document]) -> str:
    if isinstance(item, str):
        return item
    return str(item._get_collection_name())


class OutboxRelay(DependencyProvider):
    """Relays the outbox of a service to RabbitMQ; injects an `Outbox` writer into workers.

    Every `settings.outbox_relay_interval` seconds (first pass one interval after start), and as
    soon as a worker of this service that wrote events ends (at most one such pass per 50 ms), the
    replica holding the `outbox-relay` lease publishes pending events in batches of
    `settings.outbox_batch_size`. If that replica dies, another takes the lease after
    `lease_ttl` seconds. Broker or datastore errors are logged (redacted) and retried with
    backoff; nothing is dropped.
    """

    def __init__(
        self,
        settings_cls: type[ServiceSettings],
        collections: Iterable[str | type[mongoengine.Document]] = (),
        lease_ttl: float = 10.0,
        max_backoff: float = 5.0,
    ):
        self.settings_cls = settings_cls
        self.collection_names = [_collection_name(c) for c in collections]
        self.lease_ttl = lease_ttl
        self.max_backoff = max_backoff
        self.client: MongoClient[Any] | None = None
        self._thread: eventlet.greenthread.GreenThread | None = None

    def setup(self) -> None:
        self.settings = self.settings_cls.load()
        self.client = open_client(self.settings)
        self.db: Database[Any] = self.client[self.settings.database]
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.leases = LeaseStore(self.db)
        self.publisher = EventPublisher(self.settings.amqp_uri)
        self.forwarder = OutboxForwarder(
            self.db,
            self.publisher.publish,
            self.collection_names,
            self.settings.outbox_batch_size,
            publish_many=self.publisher.publish_many,
        )
        self._pass_lock = Semaphore(1)
        self._stopping = Event()
        self._wake = Event()
        self.lease = KeptLease(RELAY_LEASE, self.owner, self.lease_ttl)

    def start(self) -> None:
        try:
            self.forwarder.ensure_indexes()
        except Exception as exc:  # the datastore may be down at start: passes still work, unindexed
            _log.warning("outbox relay could not ensure its indexes: %s", redact(str(exc)))
        self._thread = self.container.spawn_managed_thread(self._run, identifier="outbox_relay")

    def stop(self) -> None:
        if not self._stopping.ready():
            self._stopping.send(True)
        self._nudge()
        if self._thread is not None:
            self._thread.wait()
            self._thread = None
        try:
            self.lease.release(self.leases)
        except Exception as exc:
            _log.warning("outbox relay could not release its lease: %s", redact(str(exc)))
        self._close()

    def kill(self) -> None:
        if self._thread is not None:
            self._thread.kill()
            self._thread = None
        self._close()

    def _close(self) -> None:
        self.publisher.close()
        if self.client is not None:
            self.client.close()
            self.client = None

    def get_dependency(self, worker_ctx: Any) -> Outbox:
        return Outbox(self.db)

    def worker_teardown(self, worker_ctx: Any) -> None:
        """A worker that wrote events (through the helpers of this module) wakes the relay at once, so
        an event waits for the broker about one pass, not a whole `outbox_relay_interval`."""
        global _events_staged
        if _events_staged:
            _events_staged = False
            self._nudge()

    def _nudge(self) -> None:
        if not self._wake.ready():
            self._wake.send(True)

    def pending_count(self) -> int:
        return self.forwarder.pending_count()

    def relay_once(self) -> int:
        """One relay pass now, without the lease (for tests and operations)."""
        with self._pass_lock:
            return self.forwarder.relay_once(lambda: not self._stopping.ready())

    def _keep_going(self) -> bool:
        return not self._stopping.ready() and self.lease.held(self.leases)

    def _leader_pass(self) -> int:
        if not self.lease.held(self.leases):
            return 0
        with self._pass_lock:
            return self.forwarder.relay_once(self._keep_going)

    def _sleep(self, seconds: float, wakeable: bool = True) -> bool:
        """Sleep `seconds`, or until nudged (when `wakeable`) or asked to stop; True when stopping."""
        with eventlet.Timeout(seconds, False):
            (self._wake if wakeable else self._stopping).wait()
        if self._wake.ready():
            self._wake = Event()
        return self._stopping.ready()

    def _run(self) -> None:
        interval = self.settings.outbox_relay_interval
        delay, failures = interval, 0
        last_pass = 0.0
        while not self._sleep(delay, wakeable=failures == 0):  # backing off after a failure: no early wake
            # nudged passes keep a small gap, so a busy service batches its events instead of one pass each
            gap = last_pass + min(NUDGE_MIN_GAP, interval) - time.monotonic()
            if gap > 0 and self._sleep(gap, wakeable=False):
                break
            last_pass = time.monotonic()
            try:
                sent = self._leader_pass()
            except Exception as exc:
                failures += 1
                delay = min(interval * 2**failures, max(self.max_backoff, interval))
                _log.warning(
                    "outbox relay pass failed (%d in a row), retrying in %.2fs: %s: %s",
                    failures,
                    delay,
                    type(exc).__name__,
                    redact(str(exc)),
                )
                continue
            if failures:
                _log.info("outbox relay recovered after %d failed passes", failures)
            failures = 0
            delay = 0 if sent >= self.settings.outbox_batch_size else interval
