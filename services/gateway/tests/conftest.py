"""Fixtures of the gateway's asyncio tests (anyio's pytest plugin, asyncio backend, no eventlet).

Run: `.venv/bin/pytest services/gateway/tests -q --no-eventlet -p no:nameko`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from presscenter.gateway.app import create_app
from presscenter.gateway.settings import GatewaySettings
from presscenter.gateway.testing.accounts import ADMIN, PRESS_CAST, SignedIn, sign_in
from presscenter.shared.testing.vhosts import amqp_url, fresh_vhost

# Quick to fail and to recover; rate limits off unless a test sets them.
TEST_SETTINGS: dict[str, Any] = {
    "rpc_timeout": 3.0,
    "rpc_connect_timeout": 2.0,
    "amqp_reconnect_interval": 0.2,
    "readiness_timeout": 2.0,
    "rate_limit_ip_per_second": 0,
    "rate_limit_token_per_second": 0,
}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def vhost() -> Iterator[str]:
    """A fresh RabbitMQ vhost for the test (deleted afterwards)."""
    with fresh_vhost() as name:
        yield name


@pytest.fixture
def broker_url(vhost: str) -> str:
    """aio-pika URL of the test's vhost."""
    return amqp_url(vhost)


@pytest.fixture
def tracing() -> tuple[TracerProvider, InMemorySpanExporter]:
    """A tracer provider of the test's own (not the global one) exporting to memory."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, exporter


StartGateway = Callable[..., Awaitable[tuple[FastAPI, httpx.AsyncClient]]]


@pytest.fixture
async def start_gateway(
    broker_url: str, tracing: tuple[TracerProvider, InMemorySpanExporter]
) -> AsyncIterator[StartGateway]:
    """`app, http = await start_gateway(**settings)`: the app, its lifespan entered (RPC client
    connected), and an httpx client speaking ASGI to it. `setup(app)` may add test routes."""
    async with AsyncExitStack() as stack:

        async def start(
            setup: Callable[[FastAPI], None] | None = None,
            client: tuple[str, int] = ("10.0.0.1", 40000),
            connect: bool = True,
            **overrides: Any,
        ) -> tuple[FastAPI, httpx.AsyncClient]:
            settings = GatewaySettings(**{"amqp_uri": broker_url, **TEST_SETTINGS, **overrides})
            app = create_app(settings, tracer_provider=tracing[0])
            if setup is not None:
                setup(app)
            await stack.enter_async_context(app.router.lifespan_context(app))
            if connect:
                await app.state.rpc.wait_connected(5)
            transport = httpx.ASGITransport(app=app, client=client)
            http = await stack.enter_async_context(httpx.AsyncClient(transport=transport, base_url="http://gateway"))
            return app, http

        yield start


@pytest.fixture(scope="module")
def http(gateway_url: str) -> Iterator[httpx.Client]:
    """A client of the module's live gateway (route modules provide `gateway_url`)."""
    with httpx.Client(base_url=gateway_url, timeout=20) as client:
        yield client


@pytest.fixture(scope="module")
def cast(request: pytest.FixtureRequest, http: httpx.Client) -> dict[str, SignedIn]:
    """The module's `CAST` (default: the press cast), made by the bootstrap admin and signed in."""
    return sign_in(http, ADMIN, getattr(request.module, "CAST", PRESS_CAST))
