"""The live stream's engine: a ring of recent events and the fan-out to connected clients, fed by the
consumer (`stream_consumer`) through the registry of what goes to whom (`stream_topics`). The
HTTP side is `routes.stream`.

- Each gateway replica consumes every registered event through its own queue, so every replica
  can serve every client; SSE ids are the envelopes' `event_id`, the same on every replica, so a
  client may resume on any of them.
- `EventRing` keeps the last `STREAM_RING_SIZE` events for at most `STREAM_RING_SECONDS`; a
  client resuming with an id the ring no longer has (or never had) is told to reload (`reset`).
  After a broker outage the ring is emptied and every client gets `reset`: events published while
  the queue was gone are lost to this replica, and a resume must not silently skip them.
- `StreamHub` fans events out to per-client bounded queues; a client whose queue is full is
  dropped (its stream ends; the browser reconnects and resumes), so nobody waits for the slowest.
- An event seen again (the outbox delivers at least once) is not sent twice while the ring holds it.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from presscenter.gateway.stream_consumer import StreamConsumer
from presscenter.gateway.stream_topics import Audience, Projection, ReleaseLookup, StreamRegistry
from presscenter.shared.events.envelope import EventEnvelope
from presscenter.shared.rpc.releases import Viewer

log = logging.getLogger(__name__)

HEARTBEAT = b": keepalive\n\n"


class StreamSettings(BaseSettings):
    """Environment variable = field name upper-cased (STREAM_RING_SIZE, ...)."""

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False, frozen=True)

    stream_ring_size: int = Field(1000, ge=1, description="Recent events kept per replica for resuming.")
    stream_ring_seconds: float = Field(600.0, gt=0, description="Longest time an event stays resumable.")
    stream_heartbeat_seconds: float = Field(15.0, gt=0, description="A comment line after this much silence.")
    stream_client_queue: int = Field(256, ge=1, description="Events waiting for one client before it is dropped.")
    stream_send_timeout: float = Field(30.0, gt=0, description="A write to a client blocked this long drops it.")
    stream_max_clients: int = Field(10_000, ge=1, description="Open streams per replica; more are answered 503.")
    stream_retry_ms: int = Field(3000, ge=0, description="Reconnection delay suggested to EventSource (`retry:`).")
    stream_prefetch: int = Field(100, ge=1, description="Events taken from the broker before they are handled.")
    stream_queue_max_length: int = Field(10_000, ge=1, description="Broker-side cap of a replica's stream queue.")
    stream_lookup_timeout: float = Field(2.0, gt=0, description="Seconds to read a release whose embargo lifted.")
    stream_reconnect_interval: float = Field(1.0, gt=0, description="Seconds between broker reconnection attempts.")


def compact_json(data: Any) -> str:
    """One line of JSON (string escapes keep it on one line), datetimes as ISO 8601."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def sse_frame(event: str, data: str, event_id: str | None) -> bytes:
    """One SSE event. `event_id=""` sends an empty `id:`, which clears the browser's last event id."""
    lines = [] if event_id is None else [f"id: {event_id}" if event_id else "id:"]
    lines += [f"event: {event}", f"data: {data}"]
    return ("\n".join(lines) + "\n\n").encode()


@dataclass(frozen=True)
class StreamItem:
    seq: int
    event_id: str
    type: str
    data: str
    audience: Audience
    received_at: float

    @property
    def frame(self) -> bytes:
        return sse_frame(self.type, self.data, self.event_id)


class EventRing:
    """The recent events, oldest first, bounded in count and age; looked up by event id."""

    def __init__(self, size: int, max_age: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.size, self.max_age, self.clock = size, max_age, clock
        self._items: deque[StreamItem] = deque()
        self._seq_by_id: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, event_id: object) -> bool:
        self._expire()
        return event_id in self._seq_by_id

    def append(self, item: StreamItem) -> None:
        self._items.append(item)
        self._seq_by_id[item.event_id] = item.seq
        while len(self._items) > self.size:
            self._forget_oldest()
        self._expire()

    def after(self, event_id: str) -> list[StreamItem] | None:
        """The events after `event_id`, oldest first; None when the ring does not (or no longer) hold it."""
        self._expire()
        seq = self._seq_by_id.get(event_id)
        if seq is None:
            return None
        start = seq - self._items[0].seq + 1  # seqs are consecutive within the ring
        return list(itertools.islice(self._items, start, None))

    def clear(self) -> None:
        self._items.clear()
        self._seq_by_id.clear()

    def _expire(self) -> None:
        horizon = self.clock() - self.max_age
        while self._items and self._items[0].received_at < horizon:
            self._forget_oldest()

    def _forget_oldest(self) -> None:
        self._seq_by_id.pop(self._items.popleft().event_id, None)


@dataclass(eq=False)
class Subscription:
    """One connected client: who they are and what waits to be sent to them (`None` ends the stream)."""

    viewer: Viewer
    queue: asyncio.Queue[bytes | None]
    dropped: bool = False

    def offer(self, frame: bytes) -> bool:
        """Queue `frame`; False (and the stream ended) when the client is too far behind."""
        if self.dropped:
            return False
        try:
            self.queue.put_nowait(frame)
            return True
        except asyncio.QueueFull:
            self.end(dropped=True)
            return False

    def end(self, dropped: bool = False) -> None:
        """Forget what waits and make the client's stream finish."""
        self.dropped = self.dropped or dropped
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(None)


class StreamMetrics:
    def __init__(self, registry: CollectorRegistry | None) -> None:
        self.clients = Gauge("gateway_stream_clients", "Open live streams.", registry=registry)
        self.events = Counter("gateway_stream_events", "Events taken into the stream.", ["type"], registry=registry)
        self.dropped = Counter("gateway_stream_dropped_clients", "Clients dropped for lagging.", registry=registry)
        self.resets = Counter("gateway_stream_resets", "Reset events sent to clients.", ["reason"], registry=registry)


@dataclass
class Resume:
    """What a new client gets before live events: the missed events, or a reset."""

    replay: list[bytes] = field(default_factory=list)
    reset: bytes | None = None


def reset_frame(reason: str, detail: str) -> bytes:
    return sse_frame("reset", compact_json({"reason": reason, "detail": detail}), "")


class StreamHub:
    """The ring plus the connected clients, in one event loop (no locks: nothing here awaits)."""

    def __init__(
        self, settings: StreamSettings, metrics: StreamMetrics, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.settings = settings
        self.metrics = metrics
        self.clock = clock
        self.ring = EventRing(settings.stream_ring_size, settings.stream_ring_seconds, clock)
        self.subscriptions: set[Subscription] = set()
        self._seq = itertools.count(1)

    @property
    def full(self) -> bool:
        return len(self.subscriptions) >= self.settings.stream_max_clients

    def publish(self, event_id: str, event_type: str, projection: Projection) -> StreamItem | None:
        """Keep the event and queue it for every client of its audience; None for a redelivery."""
        if event_id in self.ring:
            return None
        item = StreamItem(
            next(self._seq), event_id, event_type, compact_json(projection.data), projection.audience, self.clock()
        )
        self.ring.append(item)
        self.metrics.events.labels(event_type).inc()
        frame = item.frame
        for subscription in list(self.subscriptions):
            if item.audience(subscription.viewer) and not subscription.offer(frame):
                self._dropped(subscription)
        return item

    def subscribe(self, viewer: Viewer, last_event_id: str | None) -> tuple[Subscription, Resume]:
        """Register a client and say what it missed since `last_event_id` (in one step: no gap, no repeat)."""
        subscription = Subscription(viewer, asyncio.Queue(self.settings.stream_client_queue))
        resume = Resume()
        if last_event_id:
            missed = self.ring.after(last_event_id)
            if missed is None:
                self.metrics.resets.labels("unknown_event_id").inc()
                resume.reset = reset_frame(
                    "unknown_event_id", "the stream no longer holds that event: reload, then keep listening"
                )
            else:
                resume.replay = [item.frame for item in missed if item.audience(viewer)]
        self.subscriptions.add(subscription)
        self.metrics.clients.set(len(self.subscriptions))
        return subscription, resume

    def unsubscribe(self, subscription: Subscription) -> None:
        self.subscriptions.discard(subscription)
        self.metrics.clients.set(len(self.subscriptions))

    def gap(self, detail: str) -> None:
        """Events may have been missed: forget the ring and tell every client to reload."""
        self.ring.clear()
        frame = reset_frame("gap", detail)
        for subscription in list(self.subscriptions):
            self.metrics.resets.labels("gap").inc()
            if not subscription.offer(frame):
                self._dropped(subscription)

    def close(self) -> None:
        """End every stream (shutdown)."""
        for subscription in list(self.subscriptions):
            subscription.end()
        self.subscriptions.clear()
        self.metrics.clients.set(0)

    def _dropped(self, subscription: Subscription) -> None:
        self.subscriptions.discard(subscription)
        self.metrics.clients.set(len(self.subscriptions))
        self.metrics.dropped.inc()
        waiting = self.settings.stream_client_queue
        log.info("stream client %s dropped: more than %d events waiting", subscription.viewer.id, waiting)


# -- assembled ----------------------------------------------------------------------------------------


class LiveStream:
    """The hub, the consumer feeding it and the registry routing events to projectors."""

    def __init__(
        self,
        url: str,
        settings: StreamSettings,
        lookup: ReleaseLookup,
        metrics_registry: CollectorRegistry | None,
        registry: StreamRegistry | None = None,
        connect_timeout: float = 5.0,
    ) -> None:
        self.settings = settings
        self.registry = registry or StreamRegistry()
        self.lookup = lookup
        self.hub = StreamHub(settings, StreamMetrics(metrics_registry))
        self.consumer = StreamConsumer(
            url,
            self.registry,
            self.take,
            self.hub.gap,
            reconnect_interval=settings.stream_reconnect_interval,
            connect_timeout=connect_timeout,
            prefetch=settings.stream_prefetch,
            queue_max_length=settings.stream_queue_max_length,
        )

    async def take(self, envelope: EventEnvelope[Any]) -> StreamItem | None:
        """Project one event and fan it out (None when no topic covers it, or it was seen already)."""
        topic = self.registry.get(envelope.type)
        event_id = str(envelope.event_id)
        if topic is None or event_id in self.hub.ring:
            return None
        projection = await topic.project(envelope, self.lookup)
        item = None if projection is None else self.hub.publish(event_id, envelope.type, projection)
        if topic.notify is not None:  # e.g. correction notices to those who downloaded an earlier version
            for notice in await topic.notify(envelope, self.lookup):
                self.hub.publish(notice.event_id, notice.type, notice.projection)
        return item

    async def start(self) -> None:
        await self.consumer.start()

    async def stop(self) -> None:
        self.hub.close()
        await self.consumer.stop()
