"""A Server-Sent Events reader for tests, over httpx streaming (what a browser's EventSource does).

    async with EventStreamReader(http, "/v1/stream", headers=...) as stream:
        event = await stream.next("release_published", timeout=2)

Parses the SSE wire format (fields `id`, `event`, `data`, `retry`; comment lines) into `SseEvent`s
and keeps comments apart; entering returns once the server's `: connected` comment arrived, i.e.
once the subscription exists.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import httpx


@dataclass(frozen=True)
class SseEvent:
    event: str
    data: str
    id: str | None

    def json(self) -> Any:
        return json.loads(self.data)


class EventStreamReader:
    def __init__(self, http: httpx.AsyncClient, url: str, headers: dict[str, str] | None = None) -> None:
        self.http, self.url, self.headers = http, url, headers or {}
        self.events: asyncio.Queue[SseEvent] = asyncio.Queue()
        self.comments: list[str] = []
        self.retry: int | None = None
        self.connected = asyncio.Event()
        self.ended = asyncio.Event()
        self.response: httpx.Response | None = None
        self._stream: contextlib.AbstractAsyncContextManager[httpx.Response] | None = None
        self._reader: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Self:
        self._stream = self.http.stream("GET", self.url, headers=self.headers, timeout=httpx.Timeout(10, read=None))
        self.response = await self._stream.__aenter__()
        if self.response.status_code != 200:
            await self.response.aread()
            raise AssertionError(f"stream answered {self.response.status_code}: {self.response.text}")
        self._reader = asyncio.create_task(self._read())
        async with asyncio.timeout(5):
            await self.connected.wait()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
        if self._stream is not None:
            with contextlib.suppress(Exception):
                await self._stream.__aexit__(None, None, None)
            self._stream = None

    async def _read(self) -> None:
        assert self.response is not None
        fields: dict[str, str] = {}
        try:
            async for line in self.response.aiter_lines():
                if line == "":
                    if "data" in fields:
                        await self.events.put(
                            SseEvent(fields.get("event", "message"), fields["data"], fields.get("id"))
                        )
                    fields = {}
                elif line.startswith(":"):
                    self.comments.append(line[1:].strip())
                    if line[1:].strip() == "connected":
                        self.connected.set()
                else:
                    name, _, value = line.partition(":")
                    value = value.removeprefix(" ")
                    if name == "retry":
                        self.retry = int(value)
                    elif name == "data" and "data" in fields:
                        fields["data"] += "\n" + value
                    else:
                        fields[name] = value
        except httpx.HTTPError:
            pass
        finally:
            self.ended.set()

    async def next(self, event: str | None = None, timeout: float = 2.0) -> SseEvent:
        """The next event (of type `event`, skipping others); TimeoutError after `timeout` seconds."""
        async with asyncio.timeout(timeout):
            while True:
                found = await self.events.get()
                if event is None or found.event == event:
                    return found

    async def until(self, match: Any, timeout: float = 2.0) -> SseEvent:
        """The next event for which `match(event)` holds, skipping others."""
        async with asyncio.timeout(timeout):
            while True:
                found = await self.events.get()
                if match(found):
                    return found

    def drain(self) -> list[SseEvent]:
        """Every event received and not yet taken."""
        taken = []
        while not self.events.empty():
            taken.append(self.events.get_nowait())
        return taken
