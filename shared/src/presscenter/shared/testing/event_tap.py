"""Watch the events a service really publishes: a queue bound to `<channel>.events` on the broker.

    with EventTap(amqp_uri, "releases") as tap:
        ...  # make the service do something
        event = tap.wait_for("release_published", lambda e: e["payload"]["release"]["release_id"] == rid)

pika, one connection per tap, polled from the calling thread (works with or without eventlet).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pika

from presscenter.shared.sdk.publisher import connection_parameters


class EventTap:
    def __init__(self, amqp_uri: str, channel: str, routing_key: str = "#"):
        self.connection = pika.BlockingConnection(connection_parameters(amqp_uri))
        self.channel = self.connection.channel()
        exchange = f"{channel}.events"
        self.channel.exchange_declare(exchange, exchange_type="topic", durable=True)
        self.queue = self.channel.queue_declare("", exclusive=True).method.queue
        self.channel.queue_bind(self.queue, exchange, routing_key=routing_key)
        self.seen: list[dict[str, Any]] = []

    def _drain(self) -> None:
        while True:
            method, _props, body = self.channel.basic_get(self.queue, auto_ack=True)
            if method is None:
                return
            self.seen.append(json.loads(body))

    def events(self, event_type: str | None = None) -> list[dict[str, Any]]:
        self._drain()
        return [e for e in self.seen if event_type is None or e["type"] == event_type]

    def wait_for(
        self, event_type: str, match: Callable[[dict[str, Any]], bool] = lambda _e: True, timeout: float = 10.0
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events(event_type):
                if match(event):
                    return event
            if time.monotonic() > deadline:
                seen = [e["type"] for e in self.seen]
                raise AssertionError(f"no matching {event_type} within {timeout}s; saw {seen}")
            time.sleep(0.02)

    def close(self) -> None:
        if self.connection.is_open:
            self.connection.close()

    def __enter__(self) -> EventTap:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
