"""The asyncio nameko RPC client against the real broker, with a nameko-protocol responder (aio-pika)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import aio_pika
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from presscenter.gateway.rpc_client import RpcClient
from presscenter.gateway.rpc_errors import RemoteServiceError, RpcConnectionLost, RpcTimeout, ServiceUnavailable
from presscenter.gateway.testing.fake_service import FakeService
from presscenter.shared.rpc.errors import Conflict, NotFound
from presscenter.shared.testing.tcp_proxy import TcpProxy

pytestmark = pytest.mark.anyio


async def slow_echo(value: Any, delay: float = 0.0) -> Any:
    await asyncio.sleep(delay)
    return value


def stale(release_id: str) -> None:
    raise Conflict(f"release {release_id} is at revision 5, you sent 4", "revision", current_revision=5)


def missing(release_id: str) -> None:
    raise NotFound(f"no release {release_id}", "release_id")


ECHO_METHODS = {
    "echo": lambda *args, **kwargs: {"args": list(args), "kwargs": kwargs},
    "slow": slow_echo,
    "stale": stale,
    "missing": missing,
}


@pytest.fixture
async def echo_service(broker_url: str) -> AsyncIterator[FakeService]:
    async with FakeService(broker_url, "echo", ECHO_METHODS) as service:
        yield service


@pytest.fixture
async def make_client(broker_url: str) -> AsyncIterator[Any]:
    clients: list[RpcClient] = []

    async def make(url: str = broker_url, **options: Any) -> RpcClient:
        options = {"timeout": 3.0, "reconnect_interval": 0.2, "connect_timeout": 2.0, **options}
        client = RpcClient(url, **options)
        clients.append(client)
        await client.start()
        await client.wait_connected(5)
        return client

    yield make
    for client in clients:
        await client.stop()


async def test_round_trip_speaks_nameko_wire_format(make_client: Any, echo_service: FakeService) -> None:
    rpc = await make_client()
    result = await rpc.call("echo", "echo", 1, "two", {"three": 3}, flag=True)
    assert result == {"args": [1, "two", {"three": 3}], "kwargs": {"flag": True}}
    (call,) = echo_service.calls
    message = call.message
    assert message.routing_key == "echo.echo" and message.exchange == "nameko-rpc"
    assert message.content_type == "application/json"
    assert message.reply_to == rpc.reply_queue_name and message.correlation_id
    assert message.expiration == 3.0  # the call's timeout: nobody waits longer
    stack = call.headers["nameko.call_id_stack"]
    assert isinstance(stack, list) and len(stack) == 1 and stack[0].startswith("gateway.call.")
    assert rpc.in_flight == 0


async def test_remote_error_carries_nameko_serialised_fields(make_client: Any, echo_service: FakeService) -> None:
    rpc = await make_client()
    with pytest.raises(RemoteServiceError) as caught:
        await rpc.call("echo", "stale", "r1")
    error = caught.value
    assert (error.service, error.method, error.exc_type) == ("echo", "stale", "Conflict")
    assert error.exc_path == "presscenter.shared.rpc.errors.Conflict"
    # nameko's safe_for_serialization turns the integer into text on the way
    assert error.exc_args == ["release r1 is at revision 5, you sent 4", "revision", {"current_revision": "5"}]
    assert error.value == "revision: release r1 is at revision 5, you sent 4"


async def test_absent_service_is_unavailable_at_once(make_client: Any) -> None:
    for check_interval in (1.0, 0.0):  # with the consumer-count check, and by basic.return alone
        rpc = await make_client(consumer_check_interval=check_interval)
        start = time.perf_counter()
        with pytest.raises(ServiceUnavailable) as caught:
            await rpc.call("nobody", "anything")
        assert time.perf_counter() - start < 1.0
        assert caught.value.service == "nobody" and caught.value.retry_after == 5


async def test_a_queue_without_consumers_is_unavailable_at_once(make_client: Any, broker_url: str) -> None:
    """Every replica stopped: nameko's durable queue stays bound, basic.return cannot tell; the consumer count can."""
    async with await aio_pika.connect(broker_url) as connection:
        channel = await connection.channel()
        exchange = await channel.declare_exchange("nameko-rpc", aio_pika.ExchangeType.TOPIC, durable=True)
        queue = await channel.declare_queue("rpc-stopped", durable=True)
        await queue.bind(exchange, "stopped.*")
        rpc = await make_client()
        start = time.perf_counter()
        with pytest.raises(ServiceUnavailable):
            await rpc.call("stopped", "anything")
        assert time.perf_counter() - start < 1.0
        assert await queue.get(fail=False) is None  # nothing was sent


async def test_timeout_and_the_request_expires_in_the_queue(make_client: Any, broker_url: str) -> None:
    async with await aio_pika.connect(broker_url) as connection:
        channel = await connection.channel()
        exchange = await channel.declare_exchange("nameko-rpc", aio_pika.ExchangeType.TOPIC, durable=True)
        queue = await channel.declare_queue("rpc-sleepy", durable=True)
        await queue.bind(exchange, "sleepy.*")
        rpc = await make_client(consumer_check_interval=0)  # let the call reach the consumer-less queue
        start = time.perf_counter()
        with pytest.raises(RpcTimeout) as caught:
            await rpc.call("sleepy", "work", timeout=0.3)
        assert 0.3 <= time.perf_counter() - start < 1.0
        assert (caught.value.service, caught.value.method, caught.value.timeout) == ("sleepy", "work", 0.3)
        assert rpc.in_flight == 0
        await asyncio.sleep(0.1)
        # a replica starting now does not get the abandoned call
        assert await queue.get(fail=False) is None


async def test_fifty_concurrent_calls_share_one_connection(make_client: Any, echo_service: FakeService) -> None:
    rpc = await make_client()
    start = time.perf_counter()
    results = await asyncio.gather(*(rpc.call("echo", "slow", i, delay=0.2) for i in range(50)))
    elapsed = time.perf_counter() - start
    assert results == list(range(50))
    assert elapsed < 1.5, f"50 calls of 0.2 s took {elapsed:.2f}s: not concurrent"
    assert len({call.message.correlation_id for call in echo_service.calls}) == 50


async def test_reconnects_after_the_broker_connection_is_cut(make_client: Any, echo_service: FakeService) -> None:
    with TcpProxy() as proxy:
        rpc = await make_client(proxy.uri(echo_service.url), retry_after=2)
        assert await rpc.call("echo", "slow", "before") == "before"

        in_flight = asyncio.create_task(rpc.call("echo", "slow", "lost", delay=1.0))
        await asyncio.sleep(0.2)
        proxy.stop()  # cut the connection and refuse new ones: the broker is "down"
        start = time.perf_counter()
        with pytest.raises(RpcConnectionLost) as caught:
            await in_flight
        assert time.perf_counter() - start < 1.0
        assert "outcome is unknown" in str(caught.value)

        await asyncio.sleep(0.1)
        assert not rpc.connected and rpc.last_error
        start = time.perf_counter()
        with pytest.raises(ServiceUnavailable) as unavailable:
            await rpc.call("echo", "slow", "during")
        assert time.perf_counter() - start < 0.5 and unavailable.value.retry_after == 2

        proxy.start()
        await rpc.wait_connected(10)
        assert await rpc.call("echo", "slow", "after") == "after"
        await rpc.check_broker(2)  # the reply queue was declared again
        assert proxy.connections_accepted == 2


async def test_trace_context_is_injected_for_the_current_span(
    broker_url: str, echo_service: FakeService, tracing: tuple[TracerProvider, InMemorySpanExporter]
) -> None:
    provider, exporter = tracing
    rpc = RpcClient(broker_url, tracer_provider=provider)
    await rpc.start()
    try:
        await rpc.wait_connected(5)
        with provider.get_tracer("test").start_as_current_span("request") as parent:
            await rpc.call("echo", "echo", 1)
    finally:
        await rpc.stop()
    spans = {span.name: span for span in exporter.get_finished_spans()}
    client_span = spans["RPC to echo.echo"]
    assert client_span.kind is SpanKind.CLIENT
    assert client_span.parent is not None and client_span.parent.span_id == parent.get_span_context().span_id
    assert client_span.attributes is not None and client_span.attributes["rpc.method"] == "echo"
    traceparent = echo_service.calls[0].headers["nameko.traceparent"]
    _, trace_id, span_id, _ = traceparent.split("-")
    assert int(trace_id, 16) == parent.get_span_context().trace_id
    assert int(span_id, 16) == client_span.context.span_id


async def test_stop_fails_calls_in_flight(make_client: Any, echo_service: FakeService) -> None:
    rpc = await make_client()
    pending = asyncio.create_task(rpc.call("echo", "slow", 1, delay=2.0))
    await asyncio.sleep(0.1)
    await rpc.stop()
    with pytest.raises(ServiceUnavailable, match="shutting down"):
        await pending
