"""A real gateway for tests: `create_app` served by uvicorn on a free port, in a thread of its own.

    with live_gateway(settings, auth_settings, stream_environment={"STREAM_HEARTBEAT_SECONDS": "0.5"}) as gw:
        httpx.get(f"{gw.url}/healthz")

The thread runs its own event loop, so clients in the test (sync or asyncio) talk to it over TCP
as real clients do. It returns once the server listens and the live stream consumes its queue.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI
from opentelemetry.sdk.trace import TracerProvider

from presscenter.gateway.app import create_app
from presscenter.gateway.auth import AuthSettings
from presscenter.gateway.settings import GatewaySettings
from presscenter.gateway.stream import LiveStream
from presscenter.shared.testing.embedded_mongo import free_port


@dataclass
class LiveGateway:
    app: FastAPI
    url: str
    server: uvicorn.Server
    thread: threading.Thread

    @property
    def stream(self) -> LiveStream:
        live: LiveStream = self.app.state.stream
        return live


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """`os.environ` with `values` for the duration of the block (settings read from it then)."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def live_gateway(
    settings: GatewaySettings,
    auth: AuthSettings | None,
    *,
    tracer_provider: TracerProvider | None = None,
    stream_environment: Mapping[str, str] | None = None,
    access_log: bool = True,
    timeout: float = 20.0,
) -> Iterator[LiveGateway]:
    """Serve the gateway until the block ends; `stream_environment` holds STREAM_* settings."""
    with environment(stream_environment or {}):
        app = create_app(settings, tracer_provider=tracer_provider or TracerProvider(), auth=auth)
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_config=None, access_log=access_log, timeout_graceful_shutdown=1
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"gateway-{port}", daemon=True)
    thread.start()
    gateway = LiveGateway(app, f"http://127.0.0.1:{port}", server, thread)
    try:
        deadline = time.monotonic() + timeout
        while not (server.started and getattr(app.state, "stream", None) and gateway.stream.consumer.consuming):
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the gateway did not start (or its live stream did not reach the broker)")
            time.sleep(0.02)
        yield gateway
    finally:
        server.should_exit = True
        thread.join(timeout)
