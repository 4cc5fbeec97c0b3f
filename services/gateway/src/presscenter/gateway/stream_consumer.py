"""The live stream's side of the broker: one exclusive, auto-delete queue per gateway replica, bound
to every event of the registry, so that every replica sees every event (and can serve any client).

Messages are parsed against the event catalog and handled one at a time, in order, then
acknowledged; a message that is not a valid catalog event is logged and dropped. The connection
reconnects by itself; an exclusive queue dies with its connection, so after a reconnection
`on_gap` is called: what was published meanwhile never reached this replica.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from aio_pika import ExchangeType, RobustConnection
from aio_pika.abc import AbstractIncomingMessage
from pydantic import ValidationError
from yarl import URL

from presscenter.gateway.stream_topics import StreamRegistry
from presscenter.shared.events.catalog import InvalidEvent, UnknownEventType, parse_event
from presscenter.shared.events.envelope import EventEnvelope
from presscenter.shared.redaction import redact

log = logging.getLogger(__name__)

MAX_CONNECT_BACKOFF = 30.0


class StreamConsumer:
    """One exclusive, auto-delete queue per replica bound to every registered event; messages are
    handled one at a time, in order, then acknowledged. Reconnects by itself; `on_gap` is called
    after a reconnection (the old queue, and what reached it, is gone)."""

    def __init__(
        self,
        url: str,
        registry: StreamRegistry,
        handle: Callable[[EventEnvelope[Any]], Awaitable[None]],
        on_gap: Callable[[str], None],
        *,
        reconnect_interval: float = 1.0,
        connect_timeout: float = 5.0,
        prefetch: int = 100,
        queue_max_length: int = 10_000,
    ) -> None:
        self.url, self.registry, self.handle, self.on_gap = url, registry, handle, on_gap
        self.reconnect_interval = reconnect_interval
        self.connect_timeout = connect_timeout
        self.prefetch = prefetch
        self.queue_max_length = queue_max_length
        self.queue_name = f"gateway-stream-{uuid.uuid4().hex}"
        self._inbox: asyncio.Queue[AbstractIncomingMessage] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._connection: RobustConnection | None = None
        self._consuming = asyncio.Event()
        self._stopping = False

    @property
    def consuming(self) -> bool:
        return self._consuming.is_set()

    async def wait_consuming(self, timeout: float) -> None:
        async with asyncio.timeout(timeout):
            await self._consuming.wait()

    async def start(self) -> None:
        """Connect in the background (never raises for an unreachable broker) and start handling."""
        self._stopping = False
        self._tasks = [
            asyncio.create_task(self._connect_until_done(), name="stream-connect"),
            asyncio.create_task(self._work(), name="stream-worker"),
        ]

    async def stop(self) -> None:
        self._stopping = True
        self._consuming.clear()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.close()

    async def _connect_until_done(self) -> None:
        delay = self.reconnect_interval
        while not self._stopping:
            connection = RobustConnection(
                URL(self.url),
                reconnect_interval=self.reconnect_interval,
                client_properties={"connection_name": "gateway live stream"},
            )
            try:
                await connection.connect(timeout=self.connect_timeout)
                await self._declare(connection)
            except asyncio.CancelledError:
                with contextlib.suppress(Exception):
                    await connection.close()
                raise
            except Exception as exc:
                log.warning("live stream cannot reach the broker (%s); next try in %.1fs", _describe(exc), delay)
                with contextlib.suppress(Exception):
                    await connection.close()
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_CONNECT_BACKOFF)
                continue
            self._connection = connection
            connection.close_callbacks.add(self._on_closed)
            connection.reconnect_callbacks.add(self._on_reconnected)
            self._consuming.set()
            log.info("live stream consuming %s", self.registry.bindings())
            return

    async def _declare(self, connection: RobustConnection) -> None:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=self.prefetch)
        queue = await channel.declare_queue(
            self.queue_name,
            exclusive=True,
            auto_delete=True,
            # a replica that stalls loses its oldest events, not the broker its memory
            arguments={"x-max-length": self.queue_max_length, "x-overflow": "drop-head"},
        )
        for exchange_name, routing_keys in self.registry.bindings().items():
            exchange = await channel.declare_exchange(exchange_name, ExchangeType.TOPIC, durable=True)
            for routing_key in routing_keys:
                await queue.bind(exchange, routing_key=routing_key)
        await queue.consume(self._inbox.put)

    def _on_closed(self, _sender: Any, exc: BaseException | None = None) -> None:
        self._consuming.clear()
        if not self._stopping:
            log.warning("live stream lost the broker (%s); reconnecting", _describe(exc) if exc else "closed")

    def _on_reconnected(self, _sender: Any) -> None:
        self._consuming.set()
        log.info("live stream reconnected: events of the outage are lost, clients are told to reload")
        self.on_gap("the gateway lost its broker connection: events may have been missed")

    async def _work(self) -> None:
        while True:
            message = await self._inbox.get()
            try:
                envelope = parse_event(message.body)
            except (InvalidEvent, UnknownEventType, ValidationError) as exc:
                log.warning("live stream ignores a message (%s): %s", message.routing_key, redact(str(exc))[:300])
            else:
                try:
                    await self.handle(envelope)
                except Exception:
                    log.exception("live stream could not handle %s %s", envelope.type, envelope.event_id)
            with contextlib.suppress(Exception):  # a delivery of a connection that is gone cannot be acked
                await message.ack()


def _describe(exc: BaseException) -> str:
    message = str(exc).strip()
    return redact(f"{type(exc).__name__}: {message}" if message else type(exc).__name__)[:300]
