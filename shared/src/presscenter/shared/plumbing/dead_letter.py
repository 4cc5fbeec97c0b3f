"""Retry and dead-letter topology, the headers a parked message carries, and the ops operations.

Topology (declared by the consuming entrypoint, no broker plugin needed):

- For each delay D (ms) in `retry_delays_ms`: a fanout exchange `presscenter.retry.<D>` bound to
  a durable queue of the same name with `x-message-ttl: D` and `x-dead-letter-exchange: ""`.
  A failed message is republished there with routing key = the consumer queue it came from;
  when the TTL expires RabbitMQ dead-letters it to the default exchange with that routing key,
  i.e. back into that one queue (other services' queues are not fed again). All messages of a
  queue share its TTL, so nothing waits behind a longer delay. (A consumer queue deleted
  meanwhile cannot take it back; `handle_event` queues are durable, so this needs a manual delete.)
- Per service a durable parking queue `<service>.dead-letter`, fed through the default exchange.

Headers (`x-presscenter-*`) are added to the original ones, never replace them; the
`nameko.*` trace headers travel unchanged. Parking and replay keep body and properties.

The ops side (`ParkingLot`) uses pika only, so `presscenter-dlq` needs no nameko.
"""

from __future__ import annotations

import contextlib
import json
import traceback as tb
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pika
import pika.exceptions

from presscenter.shared.redaction import redact

RETRY_PREFIX = "presscenter.retry"
DEAD_LETTER_SUFFIX = "dead-letter"

# How many times the handler failed on this message so far (absent = 0).
ATTEMPTS = "x-presscenter-attempts"
# Where the message first came from; set once, before the first retry or park.
ORIGINAL_EXCHANGE = "x-presscenter-original-exchange"
ORIGINAL_ROUTING_KEY = "x-presscenter-original-routing-key"
QUEUE = "x-presscenter-queue"
# Written when parking, removed again by a replay.
PARKED_ID = "x-presscenter-parked-id"
PARKED_AT = "x-presscenter-parked-at"
CONSUMER = "x-presscenter-consumer"
EVENT_ID = "x-presscenter-event-id"
EVENT_TYPE = "x-presscenter-event-type"
ERROR_TYPE = "x-presscenter-error-type"
ERROR_MESSAGE = "x-presscenter-error-message"
TRACEBACK = "x-presscenter-traceback"
PARK_HEADERS = (PARKED_ID, PARKED_AT, CONSUMER, EVENT_ID, EVENT_TYPE, ERROR_TYPE, ERROR_MESSAGE, TRACEBACK)
# How many times ops replayed it.
REPLAYS = "x-presscenter-replays"

MAX_ERROR_CHARS = 1_000
MAX_TRACEBACK_CHARS = 4_000


def dead_letter_queue(service: str) -> str:
    """The parking queue of `service`."""
    return f"{service}.{DEAD_LETTER_SUFFIX}"


def retry_exchange(delay_ms: int) -> str:
    """Name of the delay exchange, and of its queue, for `delay_ms`."""
    return f"{RETRY_PREFIX}.{int(delay_ms)}"


def retry_queue_arguments(delay_ms: int) -> dict[str, Any]:
    return {"x-message-ttl": int(delay_ms), "x-dead-letter-exchange": ""}


def attempts_of(headers: Mapping[str, Any] | None) -> int:
    try:
        return max(0, int((headers or {}).get(ATTEMPTS, 0)))
    except (TypeError, ValueError):
        return 0


def with_origin(headers: Mapping[str, Any] | None, *, exchange: str, routing_key: str, queue: str) -> dict[str, Any]:
    """`headers` plus where the message came from, unless an earlier hop recorded it already."""
    out = dict(headers or {})
    out.setdefault(ORIGINAL_EXCHANGE, exchange)
    out.setdefault(ORIGINAL_ROUTING_KEY, routing_key)
    out.setdefault(QUEUE, queue)
    return out


def retry_headers(
    headers: Mapping[str, Any] | None, *, attempts: int, exchange: str, routing_key: str, queue: str
) -> dict[str, Any]:
    out = with_origin(headers, exchange=exchange, routing_key=routing_key, queue=queue)
    out[ATTEMPTS] = attempts
    return out


def describe_error(exc: BaseException) -> tuple[str, str, str]:
    """(type, redacted message, redacted and truncated traceback) of an exception."""
    error_type = type(exc).__name__
    message = redact(str(exc))[:MAX_ERROR_CHARS]
    trace = redact("".join(tb.format_exception(type(exc), exc, exc.__traceback__)))
    if len(trace) > MAX_TRACEBACK_CHARS:
        trace = "...\n" + trace[-MAX_TRACEBACK_CHARS:]
    return error_type, message, trace


def park_headers(
    headers: Mapping[str, Any] | None,
    *,
    error: BaseException,
    attempts: int,
    exchange: str,
    routing_key: str,
    queue: str,
    consumer: str,
    event_id: str | None,
    event_type: str | None,
) -> dict[str, Any]:
    """The headers of a message being parked: the original ones plus origin, error and attempts."""
    error_type, message, trace = describe_error(error)
    out = with_origin(headers, exchange=exchange, routing_key=routing_key, queue=queue)
    out.update(
        {
            ATTEMPTS: attempts,
            PARKED_ID: uuid.uuid4().hex,
            PARKED_AT: datetime.now(UTC).isoformat(),
            CONSUMER: consumer,
            EVENT_ID: event_id or "",
            EVENT_TYPE: event_type or "",
            ERROR_TYPE: error_type,
            ERROR_MESSAGE: message,
            TRACEBACK: trace,
        }
    )
    return out


def replay_headers(headers: Mapping[str, Any] | None) -> dict[str, Any]:
    """Headers for a replay: parking details and attempts removed, replay count up by one."""
    out = {k: v for k, v in (headers or {}).items() if k not in PARK_HEADERS and k != ATTEMPTS}
    out[REPLAYS] = int(out.get(REPLAYS, 0) or 0) + 1
    return out


def peek_event(body: bytes | str) -> tuple[str | None, str | None]:
    """Best-effort (event_type, event_id) from a raw body that may not be a valid event."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None, None
    if not isinstance(data, dict):
        return None, None
    event_type, event_id = data.get("type"), data.get("event_id")
    return (
        event_type if isinstance(event_type, str) else None,
        event_id if isinstance(event_id, str) else None,
    )


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)


@dataclass
class ParkedMessage:
    """A message in a parking queue, as ops see it."""

    position: int
    body: bytes
    headers: dict[str, Any]
    properties: dict[str, Any] = field(default_factory=dict)

    @property
    def parked_id(self) -> str:
        return _text(self.headers.get(PARKED_ID))

    @property
    def short_id(self) -> str:
        return self.parked_id[:12]

    @property
    def event_type(self) -> str:
        return _text(self.headers.get(EVENT_TYPE)) or (peek_event(self.body)[0] or "?")

    @property
    def event_id(self) -> str:
        return _text(self.headers.get(EVENT_ID)) or (peek_event(self.body)[1] or "")

    @property
    def attempts(self) -> int:
        return attempts_of(self.headers)

    @property
    def queue(self) -> str:
        return _text(self.headers.get(QUEUE))

    @property
    def error(self) -> str:
        return f"{_text(self.headers.get(ERROR_TYPE))}: {_text(self.headers.get(ERROR_MESSAGE))}"

    @property
    def parked_at(self) -> str:
        return _text(self.headers.get(PARKED_AT))

    def matches(self, ident: str) -> bool:
        """`ident` is a prefix of the parked id or the event id."""
        ident = ident.strip().lower()
        return bool(ident) and (self.parked_id.startswith(ident) or self.event_id.lower() == ident)

    def body_text(self) -> str:
        """The body as pretty JSON when it is JSON, as text otherwise."""
        try:
            return json.dumps(json.loads(self.body), indent=2, ensure_ascii=False, sort_keys=True)
        except (ValueError, UnicodeDecodeError):
            return self.body.decode("utf-8", "replace")


class DeadLetterError(Exception):
    """An ops operation could not be done; the message says why."""


class BrokerUnreachable(DeadLetterError):
    pass


class UnknownService(DeadLetterError):
    pass


class NotParked(DeadLetterError):
    pass


def pika_url(amqp_uri: str) -> str:
    """nameko/kombu URIs (`pyamqp://`, `amqp://`) as pika wants them, with the vhost kept."""
    parts = urlsplit(amqp_uri)
    scheme = {"pyamqp": "amqp", "amqp": "amqp", "amqps": "amqps"}.get(parts.scheme)
    if scheme is None:
        raise DeadLetterError(f"unsupported AMQP URI scheme {parts.scheme!r}")
    path = parts.path if parts.path not in ("", "/") else "/%2F"
    return urlunsplit((scheme, parts.netloc, path, parts.query, parts.fragment))


class ParkingLot:
    """The parking queue of one service, through pika: peek, replay, purge.

    Reading does not consume: messages are fetched with `basic_get` without ack and returned
    with `basic_nack(requeue=True)`, which puts them back at their original positions in a
    classic queue. While one command holds them, another command sees fewer; the consumers
    only publish into this queue, so nothing else is affected.
    """

    def __init__(self, amqp_uri: str, service: str, *, timeout: float = 5.0):
        self.service = service
        self.queue = dead_letter_queue(service)
        params = pika.URLParameters(pika_url(amqp_uri))
        params.connection_attempts = 1
        params.socket_timeout = timeout
        params.blocked_connection_timeout = timeout
        try:
            self.connection = pika.BlockingConnection(params)
        except pika.exceptions.AMQPError as exc:
            reason = f"{type(exc).__name__} {exc}".strip()
            raise BrokerUnreachable(f"cannot reach RabbitMQ at {redact(amqp_uri)}: {reason}") from None
        except OSError as exc:
            raise BrokerUnreachable(f"cannot reach RabbitMQ at {redact(amqp_uri)}: {exc}") from None
        self.channel = self.connection.channel()
        self._acked: set[int] = set()
        try:
            self.channel.queue_declare(self.queue, passive=True)
        except pika.exceptions.ChannelClosedByBroker:
            self.close()
            raise UnknownService(
                f"no parking queue {self.queue!r} on this broker/vhost: unknown service {service!r}, "
                "or it has not started yet"
            ) from None
        self.channel.confirm_delivery()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            if self.connection.is_open:
                self.connection.close()

    def __enter__(self) -> ParkingLot:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb_: TracebackType | None) -> None:
        self.close()

    @contextlib.contextmanager
    def _held(self, limit: int | None = None) -> Iterator[list[tuple[int, ParkedMessage]]]:
        """Fetch the queue without ack; whatever the caller did not ack goes back, in order."""
        held: list[tuple[int, ParkedMessage]] = []
        self._acked = set()
        try:
            while limit is None or len(held) < limit:
                method, props, body = self.channel.basic_get(self.queue, auto_ack=False)
                if method is None:
                    break
                headers = dict(props.headers or {})
                properties = {
                    name: getattr(props, name)
                    for name in (
                        "content_type",
                        "content_encoding",
                        "delivery_mode",
                        "priority",
                        "correlation_id",
                        "reply_to",
                        "expiration",
                        "message_id",
                        "timestamp",
                        "type",
                        "app_id",
                    )
                    if getattr(props, name) is not None
                }
                held.append((method.delivery_tag, ParkedMessage(len(held) + 1, body, headers, properties)))
            yield held
        finally:
            for tag, _ in held:
                if tag not in self._acked:
                    with contextlib.suppress(Exception):
                        self.channel.basic_nack(delivery_tag=tag, requeue=True)

    def _ack(self, tag: int) -> None:
        self.channel.basic_ack(delivery_tag=tag)
        self._acked.add(tag)

    def list(self, limit: int | None = None) -> list[ParkedMessage]:
        with self._held(limit) as held:
            return [m for _, m in held]

    def _select(self, held: list[tuple[int, ParkedMessage]], ident: str | None) -> list[tuple[int, ParkedMessage]]:
        if ident is None:
            return list(held)
        found = [(t, m) for t, m in held if m.matches(ident)]
        if not found:
            raise NotParked(f"no parked message with id or event id {ident!r} in {self.queue!r}")
        if len({m.parked_id for _, m in found}) > 1:
            ids = ", ".join(m.short_id for _, m in found)
            raise NotParked(f"id {ident!r} is ambiguous in {self.queue!r}: {ids}")
        return found

    def get(self, ident: str) -> ParkedMessage:
        with self._held() as held:
            return self._select(held, ident)[0][1]

    def replay(self, ident: str | None) -> tuple[list[ParkedMessage], list[tuple[ParkedMessage, str]]]:
        """Publish the chosen messages (all when `ident` is None) back to their original queues.

        Each one goes through the default exchange to the queue it was parked from, with the
        attempts reset, `mandatory` and a publisher confirm; only then is it removed from
        parking. Returns (replayed, [(not replayed, why)]); those not replayed stay parked.
        """
        done: list[ParkedMessage] = []
        failed: list[tuple[ParkedMessage, str]] = []
        with self._held() as held:
            for tag, message in self._select(held, ident):
                queue = message.queue
                if not queue:
                    failed.append((message, "it does not say which queue it came from"))
                    continue
                props = pika.BasicProperties(**{**message.properties, "headers": replay_headers(message.headers)})
                props.delivery_mode = 2
                props.expiration = None
                try:
                    self.channel.basic_publish("", queue, message.body, props, mandatory=True)
                except pika.exceptions.UnroutableError:
                    failed.append((message, f"its queue {queue!r} does not exist"))
                    continue
                except pika.exceptions.NackError:
                    failed.append((message, "the broker refused the publish"))
                    continue
                self._ack(tag)
                done.append(message)
        return done, failed

    def purge(self, ident: str | None) -> list[ParkedMessage]:
        """Delete the chosen parked messages (all when `ident` is None)."""
        removed: list[ParkedMessage] = []
        with self._held() as held:
            for tag, message in self._select(held, ident):
                self._ack(tag)
                removed.append(message)
        return removed
