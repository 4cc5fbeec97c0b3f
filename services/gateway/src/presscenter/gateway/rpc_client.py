"""An asyncio client for nameko RPC over AMQP (aio-pika): what the gateway calls the services with.

Wire protocol, as nameko 3 speaks it:
- request: published to the durable topic exchange `nameko-rpc` with routing key
  `<service>.<method>`, body `{"args": [...], "kwargs": {...}}` as JSON (content type
  `application/json`), `reply_to` and `correlation_id` set; headers `nameko.<key>` become the
  worker's context data: `nameko.call_id_stack` and the trace context (`nameko.traceparent`,
  `nameko.tracestate`), which opentelemetry-instrumentation-nameko continues;
- reply: published by the service to `nameko-rpc` with routing key = our `reply_to`, body
  `{"result": ..., "error": null}` or `{"result": null, "error": {"exc_type", "exc_path",
  "exc_args", "value"}}`.

One robust connection and one exclusive, auto-delete reply queue bound to `nameko-rpc` (routing
key = its own name); calls wait on futures keyed by correlation id, each with a timeout. Requests
are published `mandatory` on a channel with publisher confirms, so a service with no queue comes
back as `basic.return` at once (`ServiceUnavailable`); a service whose queue is left without
consumers (every replica stopped) is caught by a cached consumer count. Requests carry an
`expiration` equal to the call's timeout, so a stopped service's queue does not pile up calls
nobody waits for. When the connection drops, calls in flight fail with `RpcConnectionLost`,
new calls fail fast with `ServiceUnavailable`, and aio-pika reconnects and re-declares the reply
queue by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiormq
from aio_pika import DeliveryMode, ExchangeType, RobustConnection
from aio_pika.abc import AbstractExchange, AbstractIncomingMessage, AbstractRobustChannel
from aio_pika.exceptions import PublishError
from opentelemetry import context, propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from pydantic_core import to_jsonable_python
from yarl import URL

from presscenter.gateway.request_context import current_request_id, new_request_id
from presscenter.gateway.rpc_errors import (
    BadReply,
    RemoteServiceError,
    RpcConnectionLost,
    RpcTimeout,
    ServiceUnavailable,
)
from presscenter.shared.redaction import redact

log = logging.getLogger(__name__)

RPC_EXCHANGE = "nameko-rpc"
SERVICE_QUEUE_TEMPLATE = "rpc-{}"  # nameko's RPC_QUEUE_TEMPLATE
HEADER_PREFIX = "nameko."
CALL_ID_STACK_KEY = "call_id_stack"
MAX_CONNECT_BACKOFF = 30.0
NO_LISTENER = "no replica of the service is listening"

CallObserver = Callable[[str, str, str, float], None]
"""Told of every finished call: `(service, method, outcome, seconds)`; outcome is one of `OUTCOMES`."""

OUTCOMES = ("ok", "remote_error", "unavailable", "connection_lost", "timeout", "bad_reply", "cancelled")


def describe_error(exc: BaseException, limit: int = 300) -> str:
    """`Type: message`, redacted, at most `limit` characters."""
    message = str(exc).strip()
    text = redact(f"{type(exc).__name__}: {message}" if message else type(exc).__name__)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def encode_request(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bytes:
    """The request body nameko expects; pydantic models, datetimes and UUIDs become JSON."""
    return json.dumps({"args": to_jsonable_python(list(args)), "kwargs": to_jsonable_python(kwargs)}).encode()


def decode_reply(service: str, method: str, body: bytes) -> Any:
    """The `result` of a nameko reply, or raise `RemoteServiceError` / `BadReply`."""
    try:
        reply = json.loads(body)
    except ValueError as exc:
        raise BadReply(f"{service}.{method}: reply is not JSON ({exc})") from None
    if not isinstance(reply, dict) or ("result" not in reply and "error" not in reply):
        raise BadReply(f"{service}.{method}: reply has neither `result` nor `error`")
    if reply.get("error") is not None:
        raise RemoteServiceError.from_wire(service, method, reply["error"])
    return reply.get("result")


@dataclass(frozen=True, slots=True)
class JsonResult:
    """A call's result, and the same result as JSON text (UTF-8) to answer with as it is."""

    value: Any
    json: bytes


# The platform's services reply `{"result": <JSON>, "error": null}` (nameko's JSON serializer, and
# `presscenter.shared.plumbing.rpc_replies`): the result's text can be cut out instead of re-encoded.
_REPLY_HEAD = '{"result": '
_REPLY_TAIL = ', "error": null}'


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # NaN and Infinity: re-encoding would refuse them


_strict_decoder = json.JSONDecoder(parse_constant=_refuse_constant)


def encode_json(value: Any) -> bytes:
    """JSON as Starlette's `JSONResponse` renders it."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")).encode()


def decode_reply_json(service: str, method: str, body: bytes) -> JsonResult:
    """`decode_reply`, with the result's JSON text as well: cut from the reply when the reply is
    exactly `{"result": <JSON>, "error": null}` (parsed once, its end found by the parser), encoded
    as `encode_json` does otherwise."""
    try:
        text = body.decode()
    except UnicodeDecodeError:
        text = ""
    if text.startswith(_REPLY_HEAD) and text.endswith(_REPLY_TAIL):
        start, tail = len(_REPLY_HEAD), len(text) - len(_REPLY_TAIL)
        try:
            value, end = _strict_decoder.raw_decode(text, start)
        except ValueError:
            end = -1
        if end == tail:
            return JsonResult(value, text[start:end].encode())
    value = decode_reply(service, method, body)
    try:
        return JsonResult(value, encode_json(value))
    except ValueError as exc:
        raise BadReply(f"{service}.{method}: result is not JSON ({exc})") from None


class RpcClient:
    """nameko RPC from asyncio. `await start()` once, `await call(...)` from any task, `await stop()`."""

    def __init__(
        self,
        url: str,
        *,
        name: str = "gateway",
        exchange: str = RPC_EXCHANGE,
        timeout: float = 10.0,
        connect_timeout: float = 5.0,
        reconnect_interval: float = 1.0,
        consumer_check_interval: float = 1.0,
        retry_after: int = 5,
        tracer_provider: trace.TracerProvider | None = None,
        observer: CallObserver | None = None,
    ) -> None:
        self.url = url
        self.name = name
        self.exchange_name = exchange
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.reconnect_interval = reconnect_interval
        self.consumer_check_interval = consumer_check_interval
        self.retry_after = retry_after
        self.observer = observer
        self.reply_queue_name = f"rpc.reply-{name}-{uuid.uuid4().hex}"
        self._tracer = trace.get_tracer(__name__, tracer_provider=tracer_provider)
        self._pending: dict[str, asyncio.Future[bytes]] = {}
        self._ready = asyncio.Event()
        self._first_attempt = asyncio.Event()
        self._stopping = False
        self._last_error: str | None = None
        self._connector: asyncio.Task[None] | None = None
        self._connection: RobustConnection | None = None
        self._channel: AbstractRobustChannel | None = None
        self._exchange: AbstractExchange | None = None
        self._probe: aiormq.abc.AbstractChannel | None = None
        self._probe_lock = asyncio.Lock()
        self._consumers: dict[str, tuple[float, int]] = {}
        self._consumer_probes: dict[str, asyncio.Task[int | None]] = {}

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self, wait: float = 0.0) -> None:
        """Start connecting in the background. Calls fail fast until connected.

        Returns once the first attempt has succeeded or failed, or after `wait` seconds (at once
        by default); it never raises for an unreachable broker: the client keeps trying.
        """
        if self._connector is None:
            self._stopping = False
            self._first_attempt.clear()
            self._connector = asyncio.create_task(self._connect_until_done(), name=f"{self.name}-rpc-connect")
        if wait > 0:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self._first_attempt.wait()

    async def wait_connected(self, timeout: float) -> None:
        """Wait until connected; `TimeoutError` after `timeout` seconds."""
        async with asyncio.timeout(timeout):
            await self._ready.wait()

    async def stop(self) -> None:
        """Fail calls in flight, close the connection; `start()` may be called again afterwards."""
        self._stopping = True
        self._ready.clear()
        connector, self._connector = self._connector, None
        if connector is not None:
            connector.cancel()
            await asyncio.gather(connector, return_exceptions=True)
        self._fail_pending(ServiceUnavailable("*", "the gateway is shutting down", self.retry_after))
        for task in list(self._consumer_probes.values()):
            task.cancel()
        connection, self._connection = self._connection, None
        self._channel = self._exchange = self._probe = None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.close()

    @property
    def connected(self) -> bool:
        return self._ready.is_set()

    @property
    def last_error(self) -> str | None:
        """Why the last connection attempt failed or the connection dropped (redacted), if it did."""
        return self._last_error

    @property
    def in_flight(self) -> int:
        return len(self._pending)

    async def _connect_until_done(self) -> None:
        delay = self.reconnect_interval
        while not self._stopping:
            connection = RobustConnection(
                URL(self.url),
                reconnect_interval=self.reconnect_interval,
                client_properties={"connection_name": f"{self.name} rpc client"},
            )
            try:
                await connection.connect(timeout=self.connect_timeout)
                await self._declare(connection)
            except asyncio.CancelledError:
                with contextlib.suppress(Exception):
                    await connection.close()
                raise
            except Exception as exc:
                self._last_error = describe_error(exc)
                self._first_attempt.set()
                log.warning("RPC client cannot reach the broker (%s); next try in %.1fs", self._last_error, delay)
                with contextlib.suppress(Exception):
                    await connection.close()
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_CONNECT_BACKOFF)
                continue
            self._connection = connection
            connection.close_callbacks.add(self._on_connection_closed)
            connection.reconnect_callbacks.add(self._on_reconnected)
            self._last_error = None
            self._ready.set()
            self._first_attempt.set()
            log.info("RPC client connected; replies on %s", self.reply_queue_name)
            return

    async def _declare(self, connection: RobustConnection) -> None:
        """The confirming channel, the `nameko-rpc` exchange and our reply queue with its consumer.

        Declared through robust objects: aio-pika declares them again after a reconnection.
        """
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        exchange = await channel.declare_exchange(self.exchange_name, ExchangeType.TOPIC, durable=True)
        queue = await channel.declare_queue(self.reply_queue_name, exclusive=True, auto_delete=True)
        await queue.bind(exchange, routing_key=self.reply_queue_name)
        await queue.consume(self._on_reply, no_ack=True)
        self._channel, self._exchange = channel, exchange

    def _on_connection_closed(self, _sender: Any, exc: BaseException | None = None) -> None:
        self._ready.clear()
        self._probe = None
        self._consumers.clear()
        if self._stopping:
            return
        self._last_error = describe_error(exc) if exc is not None else "connection closed"
        log.warning("RPC client lost the broker connection (%s); reconnecting", self._last_error)
        self._fail_pending(
            RpcConnectionLost(
                "*", "the broker connection was lost during the call; its outcome is unknown", self.retry_after
            )
        )

    def _on_reconnected(self, _sender: Any) -> None:
        self._last_error = None
        self._ready.set()
        log.info("RPC client reconnected; replies on %s", self.reply_queue_name)

    def _fail_pending(self, error: Exception) -> None:
        pending, self._pending = self._pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(error)

    async def _on_reply(self, message: AbstractIncomingMessage) -> None:
        future = self._pending.pop(message.correlation_id or "", None)
        if future is None:
            log.debug("reply for an unknown or finished call %s", message.correlation_id)
            return
        if not future.done():
            future.set_result(message.body)

    # -- calls -----------------------------------------------------------------------------

    async def call(self, service: str, method: str, /, *args: Any, timeout: float | None = None, **kwargs: Any) -> Any:
        """Call `service.method(*args, **kwargs)` and return its result.

        `timeout` (seconds, default the client's) is the gateway's own and is not sent. Raises
        `RemoteServiceError` (the service raised), `ServiceUnavailable` (broker down, or no replica
        listening: at once), `RpcConnectionLost` (dropped mid-call), `RpcTimeout`, `BadReply`.
        """
        return await self._traced(service, method, args, kwargs, timeout, decode_reply)

    async def call_json(
        self, service: str, method: str, /, *args: Any, timeout: float | None = None, **kwargs: Any
    ) -> JsonResult:
        """`call`, returning the result with its JSON text, for a route that answers it as it is
        (no decode-and-encode round of a large document)."""
        result: JsonResult = await self._traced(service, method, args, kwargs, timeout, decode_reply_json)
        return result

    async def _traced(
        self,
        service: str,
        method: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        timeout: float | None,
        decode: Callable[[str, str, bytes], Any],
    ) -> Any:
        timeout = self.timeout if timeout is None else timeout
        start = time.perf_counter()
        outcome = "ok"
        attributes = {
            "rpc.system": "nameko",
            "rpc.service": service,
            "rpc.method": method,
            "messaging.system": "rabbitmq",
            "nameko.rpc.target_service": service,
            "nameko.rpc.target_method": method,
        }
        # What `start_as_current_span(..., record_exception=False, set_status_on_exception=False)` does,
        # without its generator-based context manager (a fifth of the span's cost); errors are recorded below.
        span = self._tracer.start_span(f"RPC to {service}.{method}", kind=SpanKind.CLIENT, attributes=attributes)
        token = context.attach(trace.set_span_in_context(span))
        try:
            return await self._call(service, method, args, kwargs, timeout, span, decode)
        except RemoteServiceError as exc:
            outcome = "remote_error"
            span.set_attribute("nameko.rpc.exc_type", exc.exc_type)
            raise
        except BaseException as exc:
            outcome = _outcome_of(exc)
            span.record_exception(exc)
            span.set_status(Status(StatusCode.ERROR, describe_error(exc)))
            raise
        finally:
            if self.observer is not None:
                self.observer(service, method, outcome, time.perf_counter() - start)
            context.detach(token)
            span.end()

    async def _call(
        self,
        service: str,
        method: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        timeout: float,
        span: Any,
        decode: Callable[[str, str, bytes], Any],
    ) -> Any:
        channel = self._channel
        if not self._ready.is_set() or channel is None or self._exchange is None:
            reason = "the message broker is not reachable"
            raise ServiceUnavailable(service, reason, self.retry_after)
        correlation_id = new_request_id()  # a uuid4 in hex
        span.set_attribute("nameko.rpc.correlation_id", correlation_id)
        body = encode_request(args, kwargs)
        # The properties aio-pika's `Message(...)` gives the same arguments, built without the `Message`.
        properties = aiormq.spec.Basic.Properties(
            content_type="application/json",
            content_encoding="utf-8",
            correlation_id=correlation_id,
            message_id=correlation_id,
            reply_to=self.reply_queue_name,
            expiration=str(int(timeout * 1000)),  # milliseconds: nobody waits for the reply longer
            delivery_mode=DeliveryMode.NOT_PERSISTENT,
            priority=0,
            headers=self._headers(correlation_id),
        )
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._pending[correlation_id] = future
        try:
            async with asyncio.timeout(timeout):
                await self._require_listener(service)
                try:
                    await self._publish(channel, f"{service}.{method}", body, properties)
                except PublishError:
                    self._consumers[service] = (time.monotonic(), 0)
                    raise ServiceUnavailable(service, NO_LISTENER, self.retry_after) from None
                except (aiormq.exceptions.AMQPError, ConnectionError, RuntimeError) as exc:
                    raise RpcConnectionLost(
                        service, f"the call could not be sent ({describe_error(exc)})", self.retry_after
                    ) from exc
                reply = await future
        except TimeoutError:
            raise RpcTimeout(service, method, timeout) from None
        finally:
            self._pending.pop(correlation_id, None)
        return decode(service, method, reply)

    async def _publish(
        self, channel: AbstractRobustChannel, routing_key: str, body: bytes, properties: aiormq.spec.Basic.Properties
    ) -> None:
        """What aio-pika's `Exchange.publish(message, routing_key, mandatory=True)` does on our exchange,
        straight on the channel's current aiormq channel: aio-pika's `Message` and its properties cost
        a tenth of the RPC client's CPU per call. Waits for the confirm; `PublishError` when returned."""
        if channel.is_closed:
            raise aiormq.exceptions.ChannelInvalidStateError(f"{channel!r} closed")
        underlay = await channel.get_underlay_channel()
        await underlay.basic_publish(
            body, exchange=self.exchange_name, routing_key=routing_key, properties=properties, mandatory=True
        )

    def _headers(self, correlation_id: str) -> dict[str, Any]:
        """`nameko.call_id_stack` with the gateway's call id, and the current trace context."""
        request_id = current_request_id()
        call_id = f"{self.name}.http.{request_id}" if request_id else f"{self.name}.call.{correlation_id}"
        carrier: dict[str, str] = {}
        propagate.inject(carrier)
        headers: dict[str, Any] = {f"{HEADER_PREFIX}{key}": value for key, value in carrier.items()}
        headers[f"{HEADER_PREFIX}{CALL_ID_STACK_KEY}"] = [call_id]
        return headers

    # -- consumer counts and broker checks ---------------------------------------------------

    async def _require_listener(self, service: str) -> None:
        """Raise `ServiceUnavailable` when the service's queue is known to have no consumer."""
        if self.consumer_check_interval <= 0:
            return
        cached = self._consumers.get(service)
        if cached is not None and time.monotonic() - cached[0] < self.consumer_check_interval:
            count: int | None = cached[1]
        else:
            probe = self._consumer_probes.get(service)
            if probe is None:
                probe = asyncio.create_task(self._count_consumers(service))
                self._consumer_probes[service] = probe
                probe.add_done_callback(lambda _: self._consumer_probes.pop(service, None))
            count = await asyncio.shield(probe)
        if count == 0:
            raise ServiceUnavailable(service, NO_LISTENER, self.retry_after)

    async def _count_consumers(self, service: str) -> int | None:
        """Consumers on nameko's `rpc-<service>` queue; 0 when there is no such queue; None if unknown."""
        try:
            channel = await self._probe_channel()
            declared = await channel.queue_declare(
                SERVICE_QUEUE_TEMPLATE.format(service), passive=True, timeout=self.connect_timeout
            )
            count = int(declared.consumer_count or 0)
        except aiormq.exceptions.ChannelNotFoundEntity:
            count = 0
        except Exception as exc:  # the publish that follows finds out the rest
            log.debug("consumer count of %s unknown: %s", service, describe_error(exc))
            return None
        self._consumers[service] = (time.monotonic(), count)
        return count

    async def _probe_channel(self) -> aiormq.abc.AbstractChannel:
        """A plain channel for passive declares (a failed one closes it; the next call opens another)."""
        async with self._probe_lock:
            if self._probe is not None and not self._probe.is_closed:
                return self._probe
            connection = self._connection
            transport = connection.transport if connection is not None else None
            if transport is None or not self._ready.is_set():
                raise ServiceUnavailable("*", "the message broker is not reachable", self.retry_after)
            self._probe = await transport.connection.channel(publisher_confirms=False)
            return self._probe

    async def check_broker(self, timeout: float) -> None:
        """Readiness: a broker round trip on the live connection (our reply queue still exists).

        Waits up to `timeout` for a connection still being made; raises `ServiceUnavailable`
        with the last connection error when connecting has failed, `TimeoutError` otherwise.
        """
        async with asyncio.timeout(timeout):
            if not self._ready.is_set():
                if self._last_error:
                    raise ServiceUnavailable("broker", f"not connected ({self._last_error})", self.retry_after)
                await self._ready.wait()
            channel = await self._probe_channel()
            await channel.queue_declare(self.reply_queue_name, passive=True, timeout=timeout)


def _outcome_of(exc: BaseException) -> str:
    if isinstance(exc, RpcConnectionLost):
        return "connection_lost"
    if isinstance(exc, ServiceUnavailable):
        return "unavailable"
    if isinstance(exc, RpcTimeout):
        return "timeout"
    if isinstance(exc, asyncio.CancelledError):
        return "cancelled"  # e.g. the HTTP client went away
    return "bad_reply"
