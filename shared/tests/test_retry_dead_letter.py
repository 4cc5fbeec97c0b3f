"""Retry with backoff and dead-letter parking of `handle_event`, against the real broker and nx-27017.

`PRESSCENTER_DLQ_GOOD_EVENTS` sets how many good events flow around the poison one (default 20).
"""

from __future__ import annotations

import itertools
import json
import os
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import partial
from typing import Any, ClassVar

import eventlet
import pytest
from nameko.amqp.publish import get_producer
from pymongo import MongoClient
from pymongo.database import Database

from presscenter.shared.events import EventEnvelope
from presscenter.shared.plumbing import dead_letter as dl
from presscenter.shared.plumbing.consuming import handle_event
from presscenter.shared.plumbing.mongo import Mongo
from presscenter.shared.settings import ServiceSettings
from presscenter.shared.testing.incidents import INCIDENT_EVENT as EVENT
from presscenter.shared.testing.incidents import incident, publish_to_departments

QUEUE = f"evt-departments-{EVENT}--flaky.on_incident"
publish = partial(publish_to_departments, message_id="msg-1")  # raw bodies, as a department sends them
GOOD_EVENTS = int(os.environ.get("PRESSCENTER_DLQ_GOOD_EVENTS", "20"))


def wait_for(condition: Callable[[], bool], timeout: float = 8.0, on_timeout: Callable[[], Any] = str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met in time: {on_timeout()}")
        eventlet.sleep(0.02)


def parked(amqp_uri: str) -> list[dl.ParkedMessage]:
    with dl.ParkingLot(amqp_uri, "flaky") as lot:
        return lot.list()


class FlakySettings(ServiceSettings):
    service_name = "flaky"


class FlakyService:
    """Fails on events titled "poison..." until `fixed`."""

    name = "flaky"
    db = Mongo(FlakySettings)
    fixed: ClassVar[bool] = False

    @handle_event("departments", EVENT)
    def on_incident(self, event: EventEnvelope[Any]) -> None:
        title = event.payload.title
        self.db.calls.insert_one({"event_id": str(event.event_id), "title": title, "at": time.time()})
        if title.startswith("poison") and not type(self).fixed:
            raise RuntimeError(f"cannot handle {title} (password=hunter2, amqp://guest:s3cret@broker)")
        self.db.effects.insert_one({"event_id": str(event.event_id), "title": title})


@pytest.fixture
def db(service_config: dict[str, Any]) -> Iterator[Database[Any]]:
    client: MongoClient[Any] = MongoClient(service_config["MONGO_URI"], tz_aware=True)
    yield client[service_config["MONGO_DB"]]
    client.close()


@pytest.fixture
def flaky(container_factory: Any, service_config: dict[str, Any]) -> Any:
    FlakyService.fixed = False
    container = container_factory(FlakyService, service_config)
    container.start()
    return container


def test_poison_is_retried_with_backoff_then_parked_while_good_events_flow(
    flaky: Any, service_config: dict[str, Any], db: Database[Any]
) -> None:
    amqp_uri = service_config["AMQP_URI"]
    poison = incident("poison pill")
    goods = [incident(f"good {i}") for i in range(GOOD_EVENTS)]
    half = GOOD_EVENTS // 2
    for envelope in goods[:half]:
        publish(amqp_uri, envelope.model_dump_json().encode())
    poison_body = poison.model_dump_json().encode()
    traceparent = "00-" + "a" * 32 + "-" + "b" * 16 + "-01"
    publish(amqp_uri, poison_body, headers={"nameko.traceparent": traceparent, "x-custom": "kept"})
    for envelope in goods[half:]:
        publish(amqp_uri, envelope.model_dump_json().encode())

    wait_for(lambda: len(parked(amqp_uri)) == 1 and db.effects.count_documents({}) >= GOOD_EVENTS)

    # every good event had exactly one effect; the poison none
    assert db.effects.count_documents({}) == GOOD_EVENTS
    assert {d["event_id"] for d in db.effects.find()} == {str(g.event_id) for g in goods}
    # the poison ran once and was retried len(RETRY_DELAYS_MS) = 2 times, with growing delays
    calls = sorted(d["at"] for d in db.calls.find({"event_id": str(poison.event_id)}))
    assert len(calls) == 1 + len(service_config["RETRY_DELAYS_MS"])
    gaps = [b - a for a, b in itertools.pairwise(calls)]
    assert 0.045 <= gaps[0] < 1.0, gaps
    assert 0.095 <= gaps[1] < 1.5, gaps
    # the consumer kept going: good events published after the poison were handled before its last try
    later = [d["at"] for d in db.calls.find({"event_id": {"$in": [str(g.event_id) for g in goods[half:]]}})]
    assert min(later) < calls[-1]

    [message] = parked(amqp_uri)
    headers = message.headers
    assert message.body == poison_body
    assert message.properties["content_type"] == "application/json"
    assert message.properties["message_id"] == "msg-1"
    assert message.attempts == 3
    assert headers["x-custom"] == "kept" and headers["nameko.traceparent"].startswith("00-aaaa")
    assert headers[dl.ORIGINAL_EXCHANGE] == "departments.events"
    assert headers[dl.ORIGINAL_ROUTING_KEY] == EVENT
    assert headers[dl.QUEUE] == QUEUE
    assert headers[dl.CONSUMER] == "flaky.on_incident"
    assert headers[dl.EVENT_ID] == str(poison.event_id) and message.event_type == EVENT
    assert headers[dl.ERROR_TYPE] == "RuntimeError"
    assert "cannot handle poison pill" in headers[dl.ERROR_MESSAGE]
    assert "RuntimeError" in headers[dl.TRACEBACK] and len(headers[dl.TRACEBACK]) <= dl.MAX_TRACEBACK_CHARS + 10
    for secret in ("hunter2", "s3cret"):
        assert secret not in headers[dl.ERROR_MESSAGE] and secret not in headers[dl.TRACEBACK]
    assert datetime.fromisoformat(headers[dl.PARKED_AT]).tzinfo is not None
    # parking did not consume it (list requeues), and the delay queues drained
    assert len(parked(amqp_uri)) == 1
    with dl.ParkingLot(amqp_uri, "flaky") as lot:
        for delay in service_config["RETRY_DELAYS_MS"]:
            assert lot.channel.queue_declare(dl.retry_exchange(delay), passive=True).method.message_count == 0


def test_invalid_messages_are_parked_at_once(flaky: Any, service_config: dict[str, Any], db: Database[Any]) -> None:
    amqp_uri = service_config["AMQP_URI"]
    bad = incident("fine title").to_message()
    bad["payload"]["severity"] = "apocalyptic"  # not in the contract
    publish(amqp_uri, json.dumps(bad).encode())
    publish(amqp_uri, b"{not json")
    publish(amqp_uri, json.dumps({**bad, "type": "no_such_event"}).encode())
    good = incident("good after the bad ones")
    publish(amqp_uri, good.model_dump_json().encode())

    wait_for(
        lambda: len(parked(amqp_uri)) == 3 and db.effects.count_documents({}) == 1,
        on_timeout=lambda: (len(parked(amqp_uri)), db.effects.count_documents({}), db.calls.count_documents({})),
    )
    messages = {m.body: m for m in parked(amqp_uri)}
    schema = messages[json.dumps(bad).encode()]
    assert schema.attempts == 0
    assert schema.headers[dl.ERROR_TYPE] == "PoisonMessage"
    assert "payload.severity" in schema.headers[dl.ERROR_MESSAGE]
    assert schema.event_id == bad["event_id"]
    assert "cannot decode body" in messages[b"{not json"].headers[dl.ERROR_MESSAGE]
    unknown = next(m for m in messages.values() if m.event_type == "no_such_event")
    assert "no_such_event" in unknown.headers[dl.ERROR_MESSAGE]
    # the handler never saw any of them; the good event went through
    assert db.calls.count_documents({}) == 1
    assert db.effects.find_one()["event_id"] == str(good.event_id)


def test_a_failed_park_keeps_the_message_until_parking_works(
    flaky: Any, service_config: dict[str, Any], db: Database[Any]
) -> None:
    amqp_uri = service_config["AMQP_URI"]
    with dl.ParkingLot(amqp_uri, "flaky") as lot:
        lot.channel.queue_delete(lot.queue)  # parking is impossible: the publish is unroutable
    poison = incident("poison while parking is broken")
    publish(amqp_uri, poison.model_dump_json().encode())
    # 3 failed attempts, the park is refused, the delivery is requeued (not acked) and tried again
    wait_for(lambda: db.calls.count_documents({"event_id": str(poison.event_id)}) >= 4)

    with get_producer(amqp_uri) as producer:  # parking works again
        producer.channel.queue_declare(dl.dead_letter_queue("flaky"), durable=True)
    wait_for(lambda: len(parked(amqp_uri)) == 1)
    [message] = parked(amqp_uri)
    assert message.event_id == str(poison.event_id) and message.attempts == 3


@pytest.fixture
def spans() -> Iterator[Any]:
    """Raw (unredacted) in-memory spans from opentelemetry-instrumentation-nameko."""
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from presscenter.shared.plumbing.tracing import setup_tracing

    provider = setup_tracing("presscenter-tests", ServiceSettings())  # instruments nameko once per process
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))  # no RedactingSpanExporter: see what we record
    yield exporter
    exporter.shutdown()


def test_handler_gets_a_consumer_span_without_credentials(
    spans: Any, flaky: Any, service_config: dict[str, Any], db: Database[Any]
) -> None:
    from opentelemetry.trace import SpanKind, StatusCode

    amqp_uri = service_config["AMQP_URI"]
    good, poison = incident("good"), incident("poison again")
    publish(amqp_uri, good.model_dump_json().encode())
    publish(amqp_uri, poison.model_dump_json().encode())
    wait_for(lambda: len(parked(amqp_uri)) == 1)

    ours = [s for s in spans.get_finished_spans() if s.name == "flaky.on_incident"]
    assert len(ours) == 4  # good once, poison 1 + 2 retries
    for span in ours:
        assert span.kind is SpanKind.CONSUMER
        assert span.attributes["messaging.destination.name"] == QUEUE
        for value in span.attributes.values():
            assert ":guest@" not in str(value)
    by_id: dict[str, list[Any]] = {}
    for span in ours:
        by_id.setdefault(span.attributes["messaging.message.id"], []).append(span)
    [ok] = by_id[str(good.event_id)]
    assert ok.attributes["presscenter.event.type"] == EVENT
    assert ok.attributes["presscenter.consume.outcome"] == "processed"
    assert ok.status.status_code is StatusCode.OK
    outcomes = sorted(s.attributes["presscenter.consume.outcome"] for s in by_id[str(poison.event_id)])
    assert outcomes == ["parked", "retry", "retry"]
    assert all(s.status.status_code is StatusCode.ERROR for s in by_id[str(poison.event_id)])
