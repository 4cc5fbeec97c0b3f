"""`handle_event_batch`: many deliveries per worker, with `handle_event`'s idempotency, retries and
parking per event. Real broker and the embedded nx-27017 server; no mocks."""

from __future__ import annotations

import json
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

import eventlet
import pika
import pytest
from pymongo import MongoClient
from pymongo.database import Database
from pymongo.errors import AutoReconnect

from presscenter.shared.events import EventEnvelope
from presscenter.shared.plumbing import dead_letter as dl
from presscenter.shared.plumbing.batch_consuming import (
    claim_many,
    complete_many,
    handle_event_batch,
    oldest_unsettled,
)
from presscenter.shared.plumbing.idempotency import Claim, ProcessedEvents
from presscenter.shared.plumbing.mongo import Mongo
from presscenter.shared.sdk.publisher import connection_parameters
from presscenter.shared.settings import ServiceSettings
from presscenter.shared.testing.incidents import INCIDENT_EVENT as EVENT
from presscenter.shared.testing.incidents import incident
from presscenter.shared.testing.incidents import publish_to_departments as publish


def wait_for(condition: Callable[[], bool], timeout: float = 8.0, on_timeout: Callable[[], Any] = str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met in time: {on_timeout()}")
        eventlet.sleep(0.02)


class BatchSettings(ServiceSettings):
    service_name = "batchy"


class BatchService:
    """Stores each incident; fails those titled "poison..." (until `fixed`); raises for the first
    batch that holds one titled "crash..."."""

    name = "batchy"
    db = Mongo(BatchSettings)
    fixed: ClassVar[bool] = False
    crashes_left: ClassVar[int] = 1

    @handle_event_batch("departments", EVENT, batch_size=50, max_wait_ms=30)
    def on_incidents(self, events: list[EventEnvelope[Any]]) -> dict[str, BaseException]:
        self.db.batches.insert_one({"size": len(events), "ids": [str(e.event_id) for e in events]})
        titles = [e.payload.title for e in events]
        if any(t.startswith("crash") for t in titles) and type(self).crashes_left > 0:
            type(self).crashes_left -= 1
            raise RuntimeError("the whole batch failed")
        failures: dict[str, BaseException] = {}
        for event in events:
            if event.payload.title.startswith("poison") and not type(self).fixed:
                failures[str(event.event_id)] = ValueError(f"cannot handle {event.payload.title}")
            else:
                self.db.effects.insert_one({"event_id": str(event.event_id), "title": event.payload.title})
        return failures


@pytest.fixture
def db(service_config: dict[str, Any]) -> Iterator[Database[Any]]:
    client: MongoClient[Any] = MongoClient(service_config["MONGO_URI"], tz_aware=True)
    yield client[service_config["MONGO_DB"]]
    client.close()


@pytest.fixture
def batchy(container_factory: Any, service_config: dict[str, Any]) -> Any:
    BatchService.fixed, BatchService.crashes_left = False, 1
    container = container_factory(BatchService, service_config)
    container.start()
    return container


def parked(amqp_uri: str) -> list[dl.ParkedMessage]:
    with dl.ParkingLot(amqp_uri, "batchy") as lot:
        return lot.list()


def test_claim_many_and_complete_many_agree_with_the_single_store(db: Database[Any]) -> None:
    store = ProcessedEvents(db)
    done, busy, fresh = (str(uuid.uuid4()) for _ in range(3))
    store.claim("c", done, 60)
    store.complete("c", done)
    store.claim("c", busy, 60)
    claims = claim_many(store, "c", [done, busy, fresh, fresh], 60)
    assert claims == [Claim.DONE, Claim.BUSY, Claim.CLAIMED, Claim.BUSY]  # the second copy finds the first's claim
    complete_many(store, "c", [fresh])
    assert store.is_processed("c", fresh) and not store.is_processed("c", busy)
    complete_many(store, "c", ["never-claimed"])  # a vanished claim is recorded anyway
    assert store.is_processed("c", "never-claimed")


def test_events_are_handled_in_batches_once_each_and_redeliveries_are_skipped(
    batchy: Any, service_config: dict[str, Any], db: Database[Any]
) -> None:
    amqp_uri = service_config["AMQP_URI"]
    events = [incident(f"good {i}") for i in range(120)]
    publish(amqp_uri, *events)
    publish(amqp_uri, *events[:10])  # re-deliveries of handled events
    wait_for(lambda: db.effects.count_documents({}) >= 120)
    eventlet.sleep(0.5)  # a second effect would show now
    assert sorted(d["event_id"] for d in db.effects.find()) == sorted(str(e.event_id) for e in events)
    sizes = [d["size"] for d in db.batches.find()]
    assert max(sizes) > 1 and sum(sizes) == 120, sizes  # grouped, and the re-deliveries never reached it
    assert ProcessedEvents(db).is_processed("batchy.on_incidents", events[0].event_id)
    [entrypoint] = batchy.entrypoints
    batchy.stop()  # a delivery left unacked (a multiple ack that missed one) is back in the queue now
    with pika.BlockingConnection(connection_parameters(amqp_uri)) as connection:
        left = connection.channel().queue_declare(entrypoint.queue.name, passive=True).method.message_count
    assert left == 0


@dataclass
class Delivery:
    """What `oldest_unsettled` reads of a kombu `Message`: a plain value, no broker involved."""

    tag: int
    channel: Any
    acknowledged: bool = False


@dataclass
class Channel:
    connection: object | None = True


def test_one_multiple_ack_only_for_the_oldest_unsettled_deliveries_of_the_channel() -> None:
    live = Channel()
    first, second, third, fourth = (Delivery(tag, live) for tag in range(1, 5))
    assert oldest_unsettled(deque([first, second, third, fourth]), [first, second])
    assert not oldest_unsettled(deque([first, second, third, fourth]), [second, third])  # 1 is another batch's
    assert not oldest_unsettled(deque([first, second, third]), [first, third])  # 2 (a failed one) would go too
    first.acknowledged = True  # settled on its own (parked, retried, a batch of one)
    delivered = deque([first, second, third, fourth])
    assert oldest_unsettled(delivered, [second, third])
    assert list(delivered) == [second, third, fourth]  # what was settled is dropped from the front
    gone = Delivery(9, Channel(connection=None))  # delivered before a reconnect: its tag died with it
    assert oldest_unsettled(deque([gone, second, third]), [second, third])
    assert not oldest_unsettled(deque([second, Delivery(3, Channel())]), [second, Delivery(3, Channel())])


def test_a_failing_event_is_retried_then_parked_while_its_batch_mates_succeed(
    batchy: Any, service_config: dict[str, Any], db: Database[Any]
) -> None:
    amqp_uri = service_config["AMQP_URI"]
    goods = [incident(f"good {i}") for i in range(10)]
    poison = incident("poison pill")
    publish(amqp_uri, *goods[:5], poison, *goods[5:])
    wait_for(lambda: len(parked(amqp_uri)) == 1 and db.effects.count_documents({}) >= 10)
    assert sorted(d["event_id"] for d in db.effects.find()) == sorted(str(g.event_id) for g in goods)
    [message] = parked(amqp_uri)
    assert message.event_id == str(poison.event_id)
    assert message.attempts == 1 + len(service_config["RETRY_DELAYS_MS"])
    assert message.headers[dl.ERROR_TYPE] == "ValueError" and message.headers[dl.CONSUMER] == "batchy.on_incidents"
    tries = db.batches.count_documents({"ids": str(poison.event_id)})
    assert tries == 1 + len(service_config["RETRY_DELAYS_MS"])


def test_a_batch_that_raises_is_retried_event_by_event_and_nothing_is_lost(
    batchy: Any, service_config: dict[str, Any], db: Database[Any]
) -> None:
    amqp_uri = service_config["AMQP_URI"]
    events = [incident(f"good {i}") for i in range(5)] + [incident("crash now")]
    publish(amqp_uri, *events)  # the batch holding "crash now" raises once; its retries succeed
    wait_for(
        lambda: db.effects.count_documents({}) >= len(events),
        on_timeout=lambda: (db.effects.count_documents({}), len(parked(amqp_uri))),
    )
    eventlet.sleep(0.3)
    assert sorted(d["event_id"] for d in db.effects.find()) == sorted(str(e.event_id) for e in events)
    assert parked(amqp_uri) == []
    assert BatchService.crashes_left == 0


def test_poison_bodies_are_parked_at_once_and_the_rest_of_the_batch_goes_on(
    batchy: Any, service_config: dict[str, Any], db: Database[Any]
) -> None:
    amqp_uri = service_config["AMQP_URI"]
    good = incident("good")
    bad = incident("bad").to_message()
    bad["payload"]["severity"] = "apocalyptic"  # not in the contract
    publish(amqp_uri, b"{not json", json.dumps(bad).encode())
    publish(amqp_uri, good)
    wait_for(lambda: len(parked(amqp_uri)) == 2 and db.effects.count_documents({}) == 1)
    assert db.effects.find_one()["event_id"] == str(good.event_id)
    assert {m.headers[dl.ERROR_TYPE] for m in parked(amqp_uri)} == {"PoisonMessage"}


class UnclaimedService:
    """Idempotent by its own key (the event id as `_id`): runs without processed-event claims."""

    name = "unclaimed"
    db = Mongo(BatchSettings)

    @handle_event_batch("departments", EVENT, batch_size=50, max_wait_ms=30, claims=False)
    def on_incidents(self, events: list[EventEnvelope[Any]]) -> dict[str, BaseException]:
        self.db.seen.insert_many([{"event_id": str(e.event_id)} for e in events])
        for event in events:
            self.db.effects.update_one({"_id": str(event.event_id)}, {"$set": {"t": 1}}, upsert=True)
        return {}


def test_without_claims_re_deliveries_reach_the_method_and_its_own_key_keeps_one_effect(
    container_factory: Any, service_config: dict[str, Any], db: Database[Any]
) -> None:
    container_factory(UnclaimedService, service_config).start()
    events = [incident(f"good {i}") for i in range(30)]
    publish(service_config["AMQP_URI"], *events, *events[:5])
    wait_for(lambda: db.seen.count_documents({}) >= 35 and db.effects.count_documents({}) >= 30)
    eventlet.sleep(0.3)  # a second effect would show now
    assert db.effects.count_documents({}) == 30
    assert db.processed_events.count_documents({}) == 0  # no claims, no "done" records


class OutageService:
    """Raises pymongo's `AutoReconnect` (what the driver raises while the datastore is away; the
    shared embedded server cannot be stopped under one test) until `fixed`."""

    name = "outage"
    db = Mongo(BatchSettings)
    fixed: ClassVar[bool] = False

    @handle_event_batch("departments", EVENT, batch_size=50, max_wait_ms=30, claims=False)
    def on_incidents(self, events: list[EventEnvelope[Any]]) -> dict[str, BaseException]:
        self.db.calls.insert_one({"size": len(events)})
        if not type(self).fixed:
            raise AutoReconnect("connection refused")
        self.db.effects.insert_many([{"event_id": str(e.event_id)} for e in events])
        return {}


def test_a_datastore_outage_requeues_the_batch_without_spending_its_attempts(
    container_factory: Any, service_config: dict[str, Any], db: Database[Any]
) -> None:
    OutageService.fixed = False
    container_factory(OutageService, service_config).start()
    events = [incident(f"during the outage {i}") for i in range(3)]
    publish(service_config["AMQP_URI"], *events)
    attempts = 1 + len(service_config["RETRY_DELAYS_MS"])
    wait_for(lambda: db.calls.count_documents({}) > attempts)  # more tries than retries would allow
    OutageService.fixed = True
    wait_for(lambda: db.effects.count_documents({}) >= 3)
    with dl.ParkingLot(service_config["AMQP_URI"], "outage") as lot:
        assert lot.list() == []
    assert sorted(d["event_id"] for d in db.effects.find()) == sorted(str(e.event_id) for e in events)
