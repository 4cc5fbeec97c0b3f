"""A stand-in nameko service for asyncio tests: it answers RPC the way nameko 3 does, with aio-pika.

A real nameko service needs eventlet, which cannot share the gateway's asyncio test process; this
responder speaks the same wire protocol (queue `rpc-<service>` bound to `nameko-rpc` with
`<service>.*`, reply to `reply_to` on `nameko-rpc` with the request's correlation id, errors
serialised as nameko's `serialize`), so the gateway's client is tested against the real broker.
Handlers are plain or async callables taking the request's args and kwargs; what they raise is
sent back as nameko would.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

import aio_pika
from aio_pika.abc import AbstractExchange, AbstractIncomingMessage, AbstractRobustConnection

RPC_EXCHANGE = "nameko-rpc"


def safe_for_serialization(value: Any) -> Any:
    """nameko's `safe_for_serialization`: strings and containers kept, every other value stringified."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return {safe_for_serialization(k): safe_for_serialization(v) for k, v in value.items()}
    if isinstance(value, Iterable):
        return [safe_for_serialization(v) for v in value]
    return str(value)


def serialize_exception(exc: BaseException) -> dict[str, Any]:
    """nameko's `nameko.exceptions.serialize`."""
    cls = type(exc)
    return {
        "exc_type": cls.__name__,
        "exc_path": f"{cls.__module__}.{cls.__name__}",
        "exc_args": [safe_for_serialization(arg) for arg in exc.args],
        "value": safe_for_serialization(exc),
    }


@dataclass
class ReceivedCall:
    method: str
    args: list[Any]
    kwargs: dict[str, Any]
    headers: dict[str, Any]
    message: AbstractIncomingMessage


@dataclass
class FakeService:
    """`async with FakeService(url, "releases", {"get": handler}) as service:` answers `releases.get`."""

    url: str
    name: str
    methods: dict[str, Callable[..., Any]]
    prefetch: int = 200
    calls: list[ReceivedCall] = field(default_factory=list)
    _connection: AbstractRobustConnection | None = None
    _exchange: AbstractExchange | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def start(self) -> Self:
        self._connection = await aio_pika.connect_robust(self.url)
        channel = await self._connection.channel()
        await channel.set_qos(prefetch_count=self.prefetch)
        self._exchange = await channel.declare_exchange(RPC_EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True)
        queue = await channel.declare_queue(f"rpc-{self.name}", durable=True)
        await queue.bind(self._exchange, routing_key=f"{self.name}.*")
        await queue.consume(self._on_request)
        return self

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.close()
            self._connection = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    async def _on_request(self, message: AbstractIncomingMessage) -> None:
        task = asyncio.create_task(self._handle(message))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle(self, message: AbstractIncomingMessage) -> None:
        method = (message.routing_key or "").rsplit(".", 1)[-1]
        result: Any = None
        error: dict[str, Any] | None = None
        try:
            body = json.loads(message.body)
            args, kwargs = body["args"], body["kwargs"]
            self.calls.append(ReceivedCall(method, args, kwargs, dict(message.headers or {}), message))
            handler = self.methods.get(method)
            if handler is None:
                raise MethodNotFound(method)
            result = handler(*args, **kwargs)
            if inspect.isawaitable(result):
                result = await result
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            result, error = None, serialize_exception(exc)
        assert self._exchange is not None
        await self._exchange.publish(
            aio_pika.Message(
                json.dumps({"result": result, "error": error}).encode(),
                content_type="application/json",
                correlation_id=message.correlation_id,
            ),
            routing_key=message.reply_to or "",
        )
        await message.ack()


class MethodNotFound(Exception):
    """What nameko raises for a method the service does not have."""
