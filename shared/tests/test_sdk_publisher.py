"""EventPublisher against the real RabbitMQ (a fresh vhost per test), including broker faults: one event
at a time, and bursts (`publish_many`: one wait for the confirms of many events)."""

from __future__ import annotations

import json
import math
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pika
import pytest
from nameko.events import event_handler

from presscenter.shared.events import InvalidEvent, UnknownEventType, parse_event
from presscenter.shared.sdk import (
    BatchPublishError,
    BrokerUnavailable,
    EventNotRouted,
    EventPublisher,
    PublishRejected,
    connection_parameters,
)
from presscenter.shared.testing.embedded_mongo import free_port
from presscenter.shared.testing.tcp_proxy import TcpProxy

EVENT = "department_release_submitted"
EXCHANGE = "departments.events"
FAULT_EVENTS = int(os.environ.get("SDK_FAULT_EVENTS", "200"))
INCIDENT = "department_incident_reported"


def release(n: int = 1, **overrides: Any) -> dict[str, Any]:
    payload = {"external_id": f"ext-{n}", "unit_code": "so-ytt", "title": f"Release {n}", "body": "Nội dung."}
    return {**payload, **overrides}


def bind_queue(amqp_uri: str, routing_key: str = EVENT) -> str:
    """A durable queue bound to departments.events, declared the way nameko would."""
    queue = f"test-sdk-{uuid.uuid4().hex[:8]}"
    with pika.BlockingConnection(connection_parameters(amqp_uri)) as conn:
        channel = conn.channel()
        channel.exchange_declare(EXCHANGE, exchange_type="topic", durable=True, auto_delete=False)
        channel.queue_declare(queue, durable=True)
        channel.queue_bind(queue, EXCHANGE, routing_key)
    return queue


def drain(amqp_uri: str, queue: str) -> list[tuple[Any, Any, bytes]]:
    """Every message waiting in `queue` as (method, properties, body)."""
    out = []
    with pika.BlockingConnection(connection_parameters(amqp_uri)) as conn:
        channel = conn.channel()
        while True:
            method, properties, body = channel.basic_get(queue, auto_ack=True)
            if method is None:
                return out
            out.append((method, properties, body))


def fast_publisher(uri: str, **kwargs: Any) -> EventPublisher:
    options: dict[str, Any] = {"source": "so-ytt", "attempts": 3, "base_delay": 0.05, "max_delay": 0.2}
    return EventPublisher(uri, **{**options, **kwargs})


@pytest.fixture
def queue(amqp_uri: str) -> str:
    return bind_queue(amqp_uri)


def test_publish_confirmed_persistent_with_envelope_body(amqp_uri: str, queue: str) -> None:
    event_id = uuid.uuid4()
    with fast_publisher(amqp_uri) as publisher:
        sent = publisher.emit(EVENT, release(), correlation_id="flow-1", event_id=str(event_id))
        assert publisher.is_connected

    assert sent.event_id == event_id
    [(method, props, body)] = drain(amqp_uri, queue)
    assert json.loads(body) == sent.to_message()
    assert parse_event(body).payload.title == "Release 1"
    assert method.routing_key == EVENT and method.exchange == EXCHANGE
    assert props.delivery_mode == 2
    assert props.content_type == "application/json"
    assert props.message_id == str(event_id)
    assert props.correlation_id == "flow-1"
    assert props.headers == {"x-event-type": EVENT, "x-event-version": 1}


def test_publish_accepts_a_full_envelope_dict_and_keeps_its_event_id(amqp_uri: str, queue: str) -> None:
    envelope = {"type": EVENT, "version": 1, "source": "so-ytt", "event_id": str(uuid.uuid4()), "payload": release()}
    with fast_publisher(amqp_uri) as publisher:
        sent = publisher.publish(envelope)
        publisher.publish(sent)  # a resend: same event_id, consumers deduplicate

    bodies = [json.loads(body) for _, _, body in drain(amqp_uri, queue)]
    assert [b["event_id"] for b in bodies] == [envelope["event_id"]] * 2


def test_a_nameko_event_handler_receives_the_event(amqp_uri: str, container_factory: Any) -> None:
    received: list[dict[str, Any]] = []
    arrived = threading.Event()

    class DepartmentInbox:
        name = "sdk_test_inbox"

        @event_handler("departments", EVENT)
        def on_release(self, body: dict[str, Any]) -> None:
            received.append(body)
            arrived.set()

    container = container_factory(DepartmentInbox, {"AMQP_URI": amqp_uri})
    container.start()

    with fast_publisher(amqp_uri) as publisher:
        sent = publisher.emit(EVENT, release(7))

    assert arrived.wait(5), "the nameko handler never received the event"
    assert received == [sent.to_message()]


def test_invalid_payload_names_the_field_and_sends_nothing(amqp_uri: str, queue: str) -> None:
    publisher = fast_publisher(amqp_uri)
    payload = release()
    del payload["title"]
    with pytest.raises(InvalidEvent) as caught:
        publisher.emit(EVENT, payload)
    assert str(caught.value) == f"{EVENT} v1: payload.title: Field required"
    assert caught.value.errors[0]["field"] == "payload.title"

    with pytest.raises(InvalidEvent, match=r"payload\.unit_code"):
        publisher.publish({"type": EVENT, "version": 1, "payload": release(unit_code="Not A Code!")})
    with pytest.raises(UnknownEventType):
        publisher.emit("no_such_event", {})

    assert not publisher.is_connected
    assert drain(amqp_uri, queue) == []


def test_unroutable_event_raises_when_mandatory(amqp_uri: str) -> None:
    with fast_publisher(amqp_uri) as publisher, pytest.raises(EventNotRouted) as caught:
        publisher.emit(EVENT, release())
    assert caught.value.exchange == EXCHANGE
    assert "no queue is bound" in str(caught.value)

    with fast_publisher(amqp_uri, mandatory=False) as publisher:
        publisher.emit(EVENT, release())  # accepted and dropped by the broker, as asked


def test_closed_port_gives_broker_unavailable_quickly() -> None:
    port = free_port()
    publisher = fast_publisher(f"amqp://guest:s3cret-pw@127.0.0.1:{port}/", attempts=3)
    started = time.monotonic()
    with pytest.raises(BrokerUnavailable) as caught:
        publisher.emit(EVENT, release())
    elapsed = time.monotonic() - started

    message = str(caught.value)
    assert f"127.0.0.1:{port}" in message
    assert "3 attempts" in message
    assert "s3cret-pw" not in message
    assert caught.value.attempts == 3
    assert elapsed < 3


def test_a_refused_login_fails_at_once_but_a_cut_handshake_is_retried(amqp_uri: str, proxy: TcpProxy) -> None:
    """pika names both a "probable authentication error"; only the broker's refusal is final."""
    with pytest.raises(BrokerUnavailable, match="refused the login") as caught:
        fast_publisher(amqp_uri.replace("guest:guest@", "guest:wrong-pw@"), attempts=3).connect()
    assert caught.value.attempts == 1 and "wrong-pw" not in str(caught.value)

    cuts = threading.Thread(target=lambda: [proxy.kill_connections() or time.sleep(0.001) for _ in range(300)])
    cuts.start()
    with fast_publisher(proxy.uri(amqp_uri), attempts=30, base_delay=0.01, max_delay=0.05) as publisher:
        publisher.connect()  # cut during its handshakes again and again, then through
    cuts.join()
    assert proxy.connections_accepted > 1


@pytest.fixture
def proxy() -> Iterator[TcpProxy]:
    with TcpProxy() as running:
        yield running


def cut_links(
    proxy: TcpProxy, sent: list[uuid.UUID], done: threading.Event, cut_at: int, away_at: int
) -> threading.Thread:
    """A running thread that cuts the link three times once `cut_at` events were sent, each cut once
    the publisher has reconnected after the last (a cut with no connection open proves nothing),
    then takes the port away for 0.3 s once `away_at` were (or stops waiting when `done` is set)."""

    def until(condition: Callable[[], bool], seconds: float = math.inf) -> None:
        deadline = time.monotonic() + seconds
        while not condition() and not done.is_set() and time.monotonic() < deadline:
            time.sleep(0.002)

    def sabotage() -> None:
        until(lambda: len(sent) >= cut_at)
        for _ in range(3):
            accepted = proxy.connections_accepted
            proxy.kill_connections()
            until(lambda: proxy.connections_accepted != accepted, seconds=5)  # noqa: B023 - called at once
        until(lambda: len(sent) >= away_at)
        proxy.stop()
        time.sleep(0.3)
        proxy.start()

    saboteur = threading.Thread(target=sabotage, daemon=True)
    saboteur.start()
    return saboteur


def test_severed_connections_lose_no_event(amqp_uri: str, queue: str, proxy: TcpProxy) -> None:
    publisher = fast_publisher(proxy.uri(amqp_uri), attempts=12, base_delay=0.05, max_delay=0.3)
    sent: list[uuid.UUID] = []
    done = threading.Event()
    saboteur = cut_links(proxy, sent, done, FAULT_EVENTS // 4, FAULT_EVENTS // 2)
    with publisher:
        for n in range(FAULT_EVENTS):
            sent.append(publisher.emit(EVENT, release(n)).event_id)
    done.set()
    saboteur.join(5)

    received = {json.loads(body)["event_id"] for _, _, body in drain(amqp_uri, queue)}
    assert received == {str(event_id) for event_id in sent}
    assert proxy.connections_accepted >= 3, "the link was never cut, the test proved nothing"


def test_broker_gone_for_good_raises_never_silent(amqp_uri: str, queue: str, proxy: TcpProxy) -> None:
    publisher = fast_publisher(proxy.uri(amqp_uri), attempts=4)
    with publisher:
        publisher.emit(EVENT, release(1))
        proxy.stop()
        started = time.monotonic()
        with pytest.raises(BrokerUnavailable) as caught:
            publisher.emit(EVENT, release(2))
        assert time.monotonic() - started < 3

    assert f"127.0.0.1:{proxy.port}" in str(caught.value)
    assert "4 attempts" in str(caught.value)
    assert ":guest@" not in str(caught.value)
    assert len(drain(amqp_uri, queue)) == 1


# --- bursts: publish_many ---------------------------------------------------------------------


def incident(n: int) -> dict[str, Any]:
    return {"external_id": f"inc-{n}", "unit_code": "so-ytt", "title": f"Incident {n}", "severity": "low",
            "started_at": "2026-11-27T08:00:00+07:00"}  # fmt: skip


def test_a_burst_is_confirmed_and_arrives_in_order(amqp_uri: str, queue: str) -> None:
    with fast_publisher(amqp_uri) as publisher:
        burst = [publisher.build(EVENT, release(n)) for n in range(50)]
        sent = publisher.publish_many(burst)
        again = publisher.publish_many([publisher.build(EVENT, release(50))])  # the channel goes on

    assert sent == burst
    messages = drain(amqp_uri, queue)
    assert [json.loads(body) for _, _, body in messages] == [e.to_message() for e in [*burst, *again]]
    assert all(props.delivery_mode == 2 and props.message_id == json.loads(body)["event_id"]
               for _, props, body in messages)  # fmt: skip


def test_an_invalid_event_stops_the_whole_burst_before_anything_is_sent(amqp_uri: str, queue: str) -> None:
    publisher = fast_publisher(amqp_uri)
    bad = {"type": EVENT, "version": 1, "source": "so-ytt", "payload": release(2, unit_code="Not A Code!")}
    with pytest.raises(InvalidEvent, match=r"payload\.unit_code"):
        publisher.publish_many([publisher.build(EVENT, release(1)), bad])
    assert not publisher.is_connected
    assert drain(amqp_uri, queue) == []


def test_events_no_queue_takes_are_named_and_the_others_delivered(amqp_uri: str, queue: str) -> None:
    with fast_publisher(amqp_uri) as publisher:
        routed = [publisher.build(EVENT, release(n)) for n in range(3)]
        unrouted = [publisher.build(INCIDENT, incident(n)) for n in range(2)]
        with pytest.raises(BatchPublishError) as caught:
            publisher.publish_many([routed[0], unrouted[0], routed[1], unrouted[1], routed[2]])

    assert caught.value.published == routed
    assert set(caught.value.failed) == {e.event_id for e in unrouted}
    assert all(
        isinstance(error, EventNotRouted) and error.exchange == EXCHANGE for error in caught.value.failed.values()
    )
    assert [json.loads(body)["event_id"] for _, _, body in drain(amqp_uri, queue)] == [str(e.event_id) for e in routed]


def test_what_the_broker_refuses_is_retried_then_named(amqp_uri: str) -> None:
    """A queue that holds two messages and refuses more gives real negative confirms."""
    with pika.BlockingConnection(connection_parameters(amqp_uri)) as conn:
        channel = conn.channel()
        channel.exchange_declare(EXCHANGE, exchange_type="topic", durable=True, auto_delete=False)
        channel.queue_declare("sdk-full", durable=True, arguments={"x-max-length": 2, "x-overflow": "reject-publish"})
        channel.queue_bind("sdk-full", EXCHANGE, EVENT)

    with fast_publisher(amqp_uri, attempts=2) as publisher:
        burst = [publisher.build(EVENT, release(n)) for n in range(5)]
        with pytest.raises(BatchPublishError) as caught:
            publisher.publish_many(burst)

    assert caught.value.published == burst[:2]
    assert set(caught.value.failed) == {e.event_id for e in burst[2:]}
    assert all(isinstance(error, PublishRejected) for error in caught.value.failed.values())
    assert "2 times" in str(next(iter(caught.value.failed.values())))
    assert [json.loads(body)["event_id"] for _, _, body in drain(amqp_uri, "sdk-full")] == [
        str(e.event_id) for e in burst[:2]
    ]


def test_bursts_through_severed_connections_lose_no_event(amqp_uri: str, queue: str, proxy: TcpProxy) -> None:
    publisher = fast_publisher(proxy.uri(amqp_uri), attempts=12, base_delay=0.05, max_delay=0.3)
    sent: list[uuid.UUID] = []
    done = threading.Event()
    saboteur = cut_links(proxy, sent, done, 100, 100)
    with publisher:
        for burst in range(20):
            events = [publisher.build(EVENT, release(burst * 25 + n)) for n in range(25)]
            sent += [e.event_id for e in publisher.publish_many(events)]
    done.set()
    saboteur.join(5)

    received = [json.loads(body)["event_id"] for _, _, body in drain(amqp_uri, queue)]
    assert set(received) == {str(event_id) for event_id in sent} and len(sent) == 500
    assert proxy.connections_accepted >= 3, "the link was never cut, the test proved nothing"
