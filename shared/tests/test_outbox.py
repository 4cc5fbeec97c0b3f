"""The transactional outbox: pure helpers, and the relay against the real broker and nx-27017."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import eventlet
import mongoengine
import pytest
from kombu import Connection, Queue
from kombu.message import Message
from nameko.contextdata import ContextDataProvider
from nameko.events import event_handler
from nameko.standalone.events import get_event_exchange
from nameko.testing.services import dummy, entrypoint_hook
from opentelemetry import context as otel_context
from opentelemetry import trace
from pymongo import MongoClient
from pymongo.database import Database

from presscenter.shared.events.catalog import parse_event
from presscenter.shared.events.envelope import EventEnvelope, make_event, utcnow
from presscenter.shared.events.releases import EmbargoLifted
from presscenter.shared.plumbing.leases import LeaseStore
from presscenter.shared.plumbing.mongo import connect
from presscenter.shared.plumbing.outbox import (
    OUTBOX_COLLECTION,
    OUTBOX_FIELD,
    PENDING_FIELD,
    RELAY_LEASE,
    Outbox,
    OutboxDocument,
    OutboxEntry,
    OutboxRelay,
    new_document_with_events,
    with_events,
)
from presscenter.shared.settings import ServiceSettings
from presscenter.shared.testing.embedded_mongo import free_port
from presscenter.shared.testing.waiting import eventually as wait_until


def lifted(release_id: str = "r-1") -> EventEnvelope[Any]:
    return make_event(EmbargoLifted(release_id=release_id, version=1, embargoed_until=utcnow()), source="releases")


def entries_of(stored: list[str]) -> list[OutboxEntry]:
    return [OutboxEntry.from_stored(raw) for raw in stored]


# --- pure helpers ---------------------------------------------------------------------------------


def test_with_events_merges_into_the_callers_update() -> None:
    first, second = lifted("r-1"), lifted("r-2")
    update = {"$set": {"status": "published"}, "$push": {"history": "published"}, "$inc": {"version": 1}}
    merged = with_events(update, first, second)
    assert merged["$set"] == {"status": "published"}
    assert merged["$push"]["history"] == "published"
    assert merged["$inc"] == {"version": 1, PENDING_FIELD: 2}
    entries = entries_of(merged["$push"][OUTBOX_FIELD]["$each"])
    assert [e.event_id for e in entries] == [str(first.event_id), str(second.event_id)]
    assert entries[0].exchange == "releases.events" and entries[0].routing_key == "embargo_lifted"
    assert parse_event(entries[0].body) == first
    assert update == {"$set": {"status": "published"}, "$push": {"history": "published"}, "$inc": {"version": 1}}

    twice = with_events(merged, lifted("r-3"))
    assert len(twice["$push"][OUTBOX_FIELD]["$each"]) == 3
    assert twice["$inc"][PENDING_FIELD] == 3
    assert with_events(update) == update


def test_with_events_refuses_what_would_break_the_outbox() -> None:
    with pytest.raises(ValueError, match="replacement"):
        with_events({"status": "x"}, lifted())
    with pytest.raises(ValueError, match=r"\$set must not touch"):
        with_events({"$set": {OUTBOX_FIELD: []}}, lifted())
    event = lifted()
    with pytest.raises(ValueError, match="twice"):
        with_events({"$set": {"a": 1}}, event, event)


def test_new_document_with_events() -> None:
    doc = new_document_with_events({"_id": "r-1", "status": "draft"}, lifted(), lifted())
    assert doc["status"] == "draft" and doc[PENDING_FIELD] == 2 and len(doc[OUTBOX_FIELD]) == 2
    more = new_document_with_events(doc, lifted())
    assert more[PENDING_FIELD] == 3 and len(more[OUTBOX_FIELD]) == 3


TRACEPARENT = "00-1234567890abcdef1234567890abcdef-1234567890abcdef-01"


@contextmanager
def active_span() -> Iterator[None]:
    """Makes a (non-recording) span current, as an instrumented worker would have."""
    span_context = trace.SpanContext(
        trace_id=0x1234567890ABCDEF1234567890ABCDEF,
        span_id=0x1234567890ABCDEF,
        is_remote=False,
        trace_flags=trace.TraceFlags(trace.TraceFlags.SAMPLED),
    )
    token = otel_context.attach(trace.set_span_in_context(trace.NonRecordingSpan(span_context)))
    try:
        yield
    finally:
        otel_context.detach(token)


def test_entries_capture_the_current_trace_context() -> None:
    with active_span():
        [raw] = with_events({"$set": {"a": 1}}, lifted())["$push"][OUTBOX_FIELD]["$each"]
    entry = OutboxEntry.from_stored(raw)
    assert entry.trace["traceparent"] == TRACEPARENT
    assert entry.headers["nameko.traceparent"] == entry.trace["traceparent"]
    [untraced] = with_events({"$set": {"a": 1}}, lifted())["$push"][OUTBOX_FIELD]["$each"]
    assert OutboxEntry.from_stored(untraced).trace == {}


# --- the relay ------------------------------------------------------------------------------------


class RelaySettings(ServiceSettings):
    service_name = "outbox_demo"


class OutboxDemo:
    name = "outbox_demo"
    outbox = OutboxRelay(RelaySettings, collections=["things"], lease_ttl=1.0)

    @dummy
    def change(self, thing_id: str, *events: EventEnvelope[Any]) -> None:
        self.outbox.db.things.update_one(
            {"_id": thing_id}, self.outbox.with_events({"$inc": {"changes": 1}}, *events), upsert=True
        )

    @dummy
    def emit(self, *events: EventEnvelope[Any]) -> None:
        self.outbox.emit(*events)


def relay_of(container: Any) -> OutboxRelay:
    return next(d for d in container.dependencies if isinstance(d, OutboxRelay))


@pytest.fixture
def db(mongo_uri: str, mongo_db_name: str) -> Iterator[Database[Any]]:
    client: MongoClient[Any] = MongoClient(mongo_uri, tz_aware=True)
    yield client[mongo_db_name]
    client.close()


class Listener:
    """A queue bound to `releases.events` on the test's vhost, read directly from the broker."""

    def __init__(self, amqp_uri: str):
        self.connection = Connection(amqp_uri)
        self.queue = Queue("outbox-test", get_event_exchange("releases"), routing_key="#", durable=False)
        self.simple = self.connection.SimpleQueue(self.queue)

    def drain(self, expected: int, timeout: float = 10.0, settle: float = 0.3) -> list[Message]:
        """Everything delivered until `expected` arrived and `settle` seconds passed quietly."""
        got: list[Message] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                message = self.simple.get(block=True, timeout=settle if len(got) >= expected else 0.1)
            except self.simple.Empty:
                if len(got) >= expected:
                    break
                continue
            message.ack()
            got.append(message)
        return got

    def close(self) -> None:
        self.simple.close()
        self.connection.release()


@pytest.fixture
def listener(service_config: dict[str, Any]) -> Iterator[Listener]:
    listener = Listener(service_config["AMQP_URI"])
    yield listener
    listener.close()


def test_relay_publishes_every_pending_event_and_clears_the_outbox(
    container_factory: Any, service_config: dict[str, Any], listener: Listener, db: Database[Any]
) -> None:
    container = container_factory(OutboxDemo, service_config)
    container.start()
    events = [lifted(f"r-{i}") for i in range(5)]
    with entrypoint_hook(container, "change") as change:
        change("t-1", events[0], events[1])
        change("t-2", events[2])
        change("t-1", events[3])
    with entrypoint_hook(container, "emit") as emit:
        emit(events[4])

    messages = listener.drain(expected=5)
    by_id = {UUID(json.loads(m.body)["event_id"]): m for m in messages}
    assert len(messages) == 5 and set(by_id) == {e.event_id for e in events}
    for event in events:
        message = by_id[event.event_id]
        assert parse_event(message.body) == event
        assert message.delivery_info["exchange"] == "releases.events"
        assert message.delivery_info["routing_key"] == "embargo_lifted"
        assert message.content_type == "application/json"
        assert message.properties["delivery_mode"] == 2
        assert message.properties["message_id"] == str(event.event_id)

    relay = relay_of(container)
    assert relay.pending_count() == 0
    assert relay.publisher.confirming  # the live channel is in publisher-confirm mode
    assert {d["_id"]: (d["changes"], d[OUTBOX_FIELD], d[PENDING_FIELD]) for d in db.things.find()} == {
        "t-1": (2, [], 0),
        "t-2": (1, [], 0),
    }
    assert db[OUTBOX_COLLECTION].count_documents({}) == 0, "relayed standalone outbox documents are removed"


def test_relay_once_publishes_in_batches_and_reports_pending(
    container_factory: Any, service_config: dict[str, Any], listener: Listener, db: Database[Any]
) -> None:
    config = {**service_config, "OUTBOX_RELAY_INTERVAL": 3600, "OUTBOX_BATCH_SIZE": 3}
    container = container_factory(OutboxDemo, config)
    container.start()
    outbox = Outbox(db)
    for i in range(4):
        db.things.insert_one(outbox.new_document({"_id": f"t-{i}"}, lifted(f"r-{i}")))
    outbox.emit(lifted("a"), lifted("b"))
    relay = relay_of(container)
    assert relay.pending_count() == 6
    assert relay.relay_once() == 3
    assert relay.pending_count() == 3
    assert relay.relay_once() == 3
    assert relay.relay_once() == 0
    assert len(listener.drain(expected=6)) == 6


def test_an_unreadable_entry_stays_and_does_not_block_the_others(
    container_factory: Any, service_config: dict[str, Any], listener: Listener, db: Database[Any]
) -> None:
    container = container_factory(OutboxDemo, {**service_config, "OUTBOX_RELAY_INTERVAL": 3600})
    container.start()
    good = lifted("r-good")
    doc = new_document_with_events({"_id": "t-1"}, good)
    db.things.insert_one({**doc, OUTBOX_FIELD: ["not json", *doc[OUTBOX_FIELD]], PENDING_FIELD: 2})
    relay = relay_of(container)
    assert relay.relay_once() == 1
    [message] = listener.drain(expected=1)
    assert json.loads(message.body)["event_id"] == str(good.event_id)
    left = db.things.find_one({"_id": "t-1"})
    assert left is not None and (left[OUTBOX_FIELD], left[PENDING_FIELD]) == (["not json"], 1)


class TraceParent(ContextDataProvider):
    context_key = "traceparent"


class Subscriber:
    """A plain nameko event handler, as the other services will have."""

    name = "outbox_subscriber"
    traceparent = TraceParent()
    received: list[tuple[dict[str, Any], str | None]] = []

    @event_handler("releases", "embargo_lifted")
    def on_lifted(self, body: dict[str, Any]) -> None:
        Subscriber.received.append((body, self.traceparent))


def test_nameko_event_handlers_get_relayed_events_with_the_writers_trace(
    container_factory: Any, service_config: dict[str, Any], db: Database[Any]
) -> None:
    Subscriber.received = []
    container_factory(Subscriber, service_config).start()
    container_factory(OutboxDemo, service_config).start()
    event = lifted("r-traced")
    with active_span():
        Outbox(db).emit(event)
    wait_until(lambda: len(Subscriber.received) == 1)
    body, traceparent = Subscriber.received[0]
    assert body == event.to_message()
    assert traceparent == TRACEPARENT


class TcpProxy:
    """Forwards a local port to RabbitMQ; stopping it is a broker outage for whoever uses it."""

    def __init__(self, port: int, target: tuple[str, int] = ("127.0.0.1", 5672)):
        self.port, self.target = port, target
        self.pool = eventlet.GreenPool()
        self.server: Any = None
        self.sockets: list[Any] = []

    def start(self) -> TcpProxy:
        self.server = eventlet.listen(("127.0.0.1", self.port))
        self.pool.spawn_n(self._accept)
        return self

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = eventlet.connect(self.target)
            self.sockets += [client, upstream]
            self.pool.spawn_n(self._pipe, client, upstream)
            self.pool.spawn_n(self._pipe, upstream, client)

    @staticmethod
    def _pipe(source: Any, sink: Any) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                sock.close()

    def stop(self) -> None:
        if self.server is not None:
            self.server.close()
        for sock in self.sockets:
            sock.close()


def test_events_stay_pending_during_a_broker_outage_and_go_out_when_it_is_back(
    container_factory: Any,
    service_config: dict[str, Any],
    listener: Listener,
    db: Database[Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="presscenter.shared.plumbing.outbox")
    port = free_port()
    broker_uri = service_config["AMQP_URI"]
    vhost = broker_uri.rsplit("/", 1)[1]
    config = {**service_config, "AMQP_URI": f"pyamqp://guest:guest@127.0.0.1:{port}/{vhost}"}
    container = container_factory(OutboxDemo, config)
    container.start()
    events = [lifted(f"r-{i}") for i in range(3)]
    with entrypoint_hook(container, "change") as change:
        change("t-1", *events)

    time.sleep(0.6)  # several relay passes fail: nothing listens on the port
    relay = relay_of(container)
    assert relay.pending_count() == 3
    failures = [r.getMessage() for r in caplog.records if "relay pass failed" in r.getMessage()]
    assert len(failures) >= 2
    assert all("guest:guest" not in line for line in failures)
    assert listener.drain(expected=0, settle=0.1) == []

    proxy = TcpProxy(port).start()  # the broker is back
    try:
        wait_until(lambda: relay.pending_count() == 0, timeout=10)
        messages = listener.drain(expected=3)
    finally:
        proxy.stop()
    assert sorted(json.loads(m.body)["event_id"] for m in messages) == sorted(str(e.event_id) for e in events)
    assert any("recovered" in r.getMessage() for r in caplog.records)


def test_one_replica_relays_and_another_takes_over_when_it_dies(
    container_factory: Any, service_config: dict[str, Any], listener: Listener, db: Database[Any]
) -> None:
    first, second = (container_factory(OutboxDemo, service_config) for _ in range(2))
    first.start()
    second.start()
    outbox = Outbox(db)
    before = [lifted(f"before-{i}") for i in range(10)]
    for event in before:
        outbox.emit(event)
    assert len(listener.drain(expected=10)) == 10, "each event once, though two replicas poll"

    leases = LeaseStore(db)
    holder = leases.holder(RELAY_LEASE)
    assert holder is not None
    relays = {relay_of(c).owner: c for c in (first, second)}
    leader = relays.pop(holder.owner)
    [survivor] = relays.values()
    leader.kill()  # dies holding the lease (no release)

    after = [lifted(f"after-{i}") for i in range(3)]
    outbox.emit(*after)
    killed_at = time.monotonic()
    messages = listener.drain(expected=3, timeout=5)
    assert sorted(json.loads(m.body)["event_id"] for m in messages) == sorted(str(e.event_id) for e in after)
    assert time.monotonic() - killed_at < 3, "taken over about one lease ttl (1 s) later"
    new_holder = leases.holder(RELAY_LEASE)
    assert new_holder is not None and new_holder.owner == relay_of(survivor).owner


# --- mongoengine aggregates -----------------------------------------------------------------------


class Thing(OutboxDocument):
    meta = {"collection": "me_things", "db_alias": "outbox_test"}
    name = mongoengine.StringField(required=True)
    version = mongoengine.IntField(default=1)


@pytest.fixture
def me_alias(mongo_uri: str, mongo_db_name: str) -> Iterator[None]:
    connect(ServiceSettings(mongo_uri=mongo_uri, mongo_db=mongo_db_name), alias="outbox_test")
    yield
    mongoengine.disconnect("outbox_test")


def test_mongoengine_documents_save_their_events_atomically(me_alias: None, db: Database[Any]) -> None:
    thing = Thing(name="draft").save_with_events(lifted("r-1"))
    raw = db.me_things.find_one({"_id": thing.pk})
    assert raw is not None and raw[PENDING_FIELD] == 1 and len(raw[OUTBOX_FIELD]) == 1

    thing.name = "published"
    thing.version = 2
    thing.save_with_events(lifted("r-2"), save_condition={"version": 1})
    raw = db.me_things.find_one({"_id": thing.pk})
    assert raw is not None and (raw["name"], raw["version"], raw[PENDING_FIELD]) == ("published", 2, 2)
    assert [e.routing_key for e in entries_of(raw[OUTBOX_FIELD])] == ["embargo_lifted", "embargo_lifted"]

    stale = Thing.objects.get(pk=thing.pk)
    stale.version = 99
    with pytest.raises(mongoengine.errors.SaveConditionError):
        stale.save_with_events(lifted("r-3"), save_condition={"version": 1})
    raw = db.me_things.find_one({"_id": thing.pk})
    assert raw is not None and raw[PENDING_FIELD] == 2, "a refused change records no event"
    loaded = Thing.objects.get(pk=thing.pk)
    assert loaded.outbox_pending == 2 and len(loaded.outbox) == 2
