"""The outbox relay publishes a pass's entries together with one wait for the broker's confirms,
and removes exactly what the broker confirmed. Real broker (a queue that refuses publishes when
full gives real negative confirms) and the embedded nx-27017 server; no mocks."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from kombu import Connection
from pymongo import MongoClient
from pymongo.database import Database

from presscenter.shared.plumbing.outbox import (
    OUTBOX_FIELD,
    PENDING_FIELD,
    EventPublisher,
    OutboxEntry,
    OutboxForwarder,
    PartialPublish,
)

EXCHANGE = "batchprobe.events"


def entry(routing_key: str, n: int) -> OutboxEntry:
    return OutboxEntry(
        event_id=str(uuid.uuid4()), exchange=EXCHANGE, routing_key=routing_key, body=json.dumps({"n": n})
    )


@pytest.fixture
def amqp_uri(service_config: dict[str, Any]) -> str:
    return str(service_config["AMQP_URI"])


@pytest.fixture
def queues(amqp_uri: str) -> Iterator[Any]:
    """`open` (takes everything) and `full` (holds one message, refuses more: a negative confirm)."""
    with Connection(amqp_uri) as conn:
        channel = conn.channel()
        channel.exchange_declare(EXCHANGE, "topic", durable=True, auto_delete=False)
        channel.queue_declare("batchprobe-open", durable=True, auto_delete=False)
        channel.queue_bind("batchprobe-open", EXCHANGE, "open")
        arguments = {"x-max-length": 1, "x-overflow": "reject-publish"}
        channel.queue_declare("batchprobe-full", durable=True, auto_delete=False, arguments=arguments)
        channel.queue_bind("batchprobe-full", EXCHANGE, "full")
        yield channel
        for name in ("batchprobe-open", "batchprobe-full"):
            channel.queue_delete(name)


def drain(channel: Any, queue: str) -> list[dict[str, Any]]:
    bodies = []
    while (message := channel.basic_get(queue, no_ack=True)) is not None:
        bodies.append({"body": json.loads(message.body), "id": message.properties.get("message_id")})
    return bodies


@pytest.fixture
def db(service_config: dict[str, Any]) -> Iterator[Database[Any]]:
    client: MongoClient[Any] = MongoClient(service_config["MONGO_URI"], tz_aware=True)
    yield client[service_config["MONGO_DB"]]
    client.close()


def test_publish_many_waits_once_and_reports_what_the_broker_refused(amqp_uri: str, queues: Any) -> None:
    publisher = EventPublisher(amqp_uri, confirm_timeout=5)
    try:
        sent = [entry("open", n) for n in range(50)]
        publisher.publish_many(sent)
        got = drain(queues, "batchprobe-open")
        assert [g["body"]["n"] for g in got] == list(range(50))  # all there, in order
        assert [g["id"] for g in got] == [e.event_id for e in sent]

        mixed = [entry("full", 0), entry("full", 1), entry("open", 2), entry("full", 3)]
        with pytest.raises(PartialPublish) as caught:
            publisher.publish_many(mixed)
        assert caught.value.confirmed == {0, 2}  # the full queue took one, then refused
        publisher.publish(entry("open", 9))  # the publisher goes on after a refusal
        assert [g["body"]["n"] for g in drain(queues, "batchprobe-open")] == [2, 9]
    finally:
        publisher.close()


def test_a_pass_removes_what_was_confirmed_and_keeps_what_was_refused(
    amqp_uri: str, queues: Any, db: Database[Any]
) -> None:
    entries = {"a": entry("full", 0), "b": entry("full", 1), "c": entry("open", 2)}
    for doc_id, e in entries.items():
        db.things.insert_one({"_id": doc_id, OUTBOX_FIELD: [e.to_stored()], PENDING_FIELD: 1})
    publisher = EventPublisher(amqp_uri, confirm_timeout=5)
    forwarder = OutboxForwarder(db, publisher.publish, ["things"], publish_many=publisher.publish_many)
    try:
        with pytest.raises(Exception, match="refused 1"):
            forwarder.relay_once()
        pending = {d["_id"]: d[PENDING_FIELD] for d in db.things.find()}
        assert sum(pending.values()) == 1 and forwarder.pending_count() == 1  # one of the "full" pair
        left = next(doc_id for doc_id, n in pending.items() if n)
        drain(queues, "batchprobe-full")  # room again
        assert forwarder.relay_once() == 1
        assert forwarder.pending_count() == 0
        assert [g["id"] for g in drain(queues, "batchprobe-full")] == [entries[left].event_id]
    finally:
        publisher.close()
