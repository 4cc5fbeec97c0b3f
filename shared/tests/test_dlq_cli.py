"""`presscenter-dlq` run as a real subprocess against a service's parking queue in a test vhost."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import eventlet
import pytest
from nameko.amqp.publish import get_producer
from pymongo import MongoClient
from pymongo.database import Database

from presscenter.shared.events import EventEnvelope, build_event
from presscenter.shared.plumbing import dead_letter as dl
from presscenter.shared.plumbing.consuming import handle_event
from presscenter.shared.plumbing.mongo import Mongo
from presscenter.shared.settings import ServiceSettings
from presscenter.shared.testing.embedded_mongo import free_port

EVENT = "department_incident_reported"
CLI = str(Path(sys.executable).parent / "presscenter-dlq")


def incident(title: str) -> EventEnvelope[Any]:
    payload = {
        "external_id": f"inc-{uuid.uuid4().hex[:6]}",
        "unit_code": "hanoi.water",
        "title": title,
        "severity": "low",
        "started_at": "2025-05-01T08:00:00+07:00",
    }
    return build_event(EVENT, payload, source="hanoi.water")


def publish(amqp_uri: str, envelope: EventEnvelope[Any]) -> None:
    with get_producer(amqp_uri) as producer:
        producer.publish(
            envelope.model_dump_json().encode(),
            exchange="departments.events",
            routing_key=EVENT,
            content_type="application/json",
            content_encoding="utf-8",
            delivery_mode=2,
        )


def wait_for(condition: Callable[[], bool], timeout: float = 8.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        eventlet.sleep(0.02)


def parked_count(amqp_uri: str) -> int:
    with dl.ParkingLot(amqp_uri, "dlqdemo") as lot:
        return int(lot.channel.queue_declare(lot.queue, passive=True).method.message_count)


class DlqSettings(ServiceSettings):
    service_name = "dlqdemo"


class DlqService:
    """Fails on every event until `fixed`."""

    name = "dlqdemo"
    db = Mongo(DlqSettings)
    fixed: ClassVar[bool] = False

    @handle_event("departments", EVENT)
    def on_incident(self, event: EventEnvelope[Any]) -> None:
        self.db.calls.insert_one({"event_id": str(event.event_id)})
        if not type(self).fixed:
            raise ValueError(f"directory has no unit for {event.payload.title}")
        self.db.effects.insert_one({"event_id": str(event.event_id)})


@pytest.fixture
def service(container_factory: Any, service_config: dict[str, Any]) -> Any:
    DlqService.fixed = False
    container = container_factory(DlqService, service_config)
    container.start()
    return container


@pytest.fixture
def db(service_config: dict[str, Any]) -> Iterator[Database[Any]]:
    client: MongoClient[Any] = MongoClient(service_config["MONGO_URI"])
    yield client[service_config["MONGO_DB"]]
    client.close()


@pytest.fixture
def dlq(service_config: dict[str, Any]) -> Callable[..., subprocess.CompletedProcess[str]]:
    env = {**os.environ, "AMQP_URI": service_config["AMQP_URI"]}

    def run(*args: str, service: str = "dlqdemo") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [CLI, "--service", service, *args], env=env, capture_output=True, text=True, timeout=30, check=False
        )

    return run


def park(amqp_uri: str, *titles: str) -> list[EventEnvelope[Any]]:
    events = [incident(t) for t in titles]
    for envelope in events:
        publish(amqp_uri, envelope)
    wait_for(lambda: parked_count(amqp_uri) == len(events))
    return events


def test_list_show_then_replay_after_the_fix(
    service: Any, service_config: dict[str, Any], db: Database[Any], dlq: Any
) -> None:
    amqp_uri = service_config["AMQP_URI"]
    [event] = park(amqp_uri, "ward 7")

    listing = dlq("list")
    assert listing.returncode == 0, listing.stderr
    assert EVENT in listing.stdout and str(event.event_id) in listing.stdout
    assert "ValueError: directory has no unit for ward 7" in listing.stdout
    short_id = listing.stdout.splitlines()[1].split()[1]

    shown = dlq("show", short_id)
    assert shown.returncode == 0, shown.stderr
    assert f"event type: {EVENT}" in shown.stdout
    assert "x-presscenter-original-exchange: departments.events" in shown.stdout
    assert "attempts:   3" in shown.stdout
    assert '    "title": "ward 7"' in shown.stdout  # pretty JSON body
    assert dlq("show", str(event.event_id)).stdout == shown.stdout  # the event id works as ID too

    missing = dlq("show", "feedfacefeed")
    assert missing.returncode == 1
    assert "no parked message with id or event id 'feedfacefeed'" in missing.stderr

    DlqService.fixed = True  # the bug is fixed and deployed
    replay = dlq("replay", "--all")
    assert replay.returncode == 0, replay.stderr
    assert f"replayed {short_id}" in replay.stdout
    wait_for(lambda: db.effects.count_documents({}) == 1)
    eventlet.sleep(0.3)
    assert db.effects.count_documents({"event_id": str(event.event_id)}) == 1
    assert db.calls.count_documents({}) == 3 + 1  # three failed attempts, then the replay
    assert parked_count(amqp_uri) == 0
    assert "no parked messages in dlqdemo.dead-letter" in dlq("list").stdout


def test_list_keeps_order_and_purge_removes(service: Any, service_config: dict[str, Any], dlq: Any) -> None:
    amqp_uri = service_config["AMQP_URI"]
    park(amqp_uri, "first", "second", "third")

    def ids() -> list[str]:
        result = dlq("list", "--json")
        assert result.returncode == 0, result.stderr
        return [line.split('"id": "')[1][:32] for line in result.stdout.splitlines()]

    before = ids()
    assert len(before) == 3 and ids() == before  # listing consumes nothing and keeps the order

    refused = dlq("purge", before[1])
    assert refused.returncode == 2 and "--yes" in refused.stderr
    purged = dlq("purge", before[1][:8], "--yes")
    assert purged.returncode == 0 and f"purged {before[1][:12]}" in purged.stdout
    assert ids() == [before[0], before[2]]
    assert dlq("purge", "--all", "--yes").returncode == 0
    assert ids() == []


def test_clear_errors(service: Any, dlq: Any) -> None:
    unknown = dlq("list", service="nosuchservice")
    assert unknown.returncode == 1
    assert "unknown service 'nosuchservice'" in unknown.stderr

    port = free_port()
    down = subprocess.run(
        [CLI, "--amqp-uri", f"amqp://guest:topsecret@127.0.0.1:{port}/", "--service", "dlqdemo", "list"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert down.returncode == 3
    assert f"cannot reach RabbitMQ at amqp://guest:***@127.0.0.1:{port}/" in down.stderr
    assert "topsecret" not in down.stderr

    assert dlq("replay").returncode == 2  # neither an id nor --all


def test_replay_headers_reset_attempts_and_keep_the_rest() -> None:
    original = {"x-custom": "kept", "nameko.traceparent": "00-abc", dl.QUEUE: "evt-q"}
    parked = dl.park_headers(
        original,
        error=RuntimeError("boom"),
        attempts=3,
        exchange="departments.events",
        routing_key=EVENT,
        queue="evt-q",
        consumer="svc.m",
        event_id="e1",
        event_type=EVENT,
    )
    replayed = dl.replay_headers(parked)
    assert dl.ATTEMPTS not in replayed and dl.attempts_of(replayed) == 0
    assert not set(dl.PARK_HEADERS) & set(replayed)
    assert replayed[dl.REPLAYS] == 1 and dl.replay_headers(replayed)[dl.REPLAYS] == 2
    assert replayed["x-custom"] == "kept" and replayed["nameko.traceparent"] == "00-abc"
    assert replayed[dl.ORIGINAL_EXCHANGE] == "departments.events" and replayed[dl.QUEUE] == "evt-q"
    assert dl.pika_url("pyamqp://u:p@h:5672/vh") == "amqp://u:p@h:5672/vh"
    assert dl.pika_url("amqp://u:p@h:5672/") == "amqp://u:p@h:5672/%2F"
