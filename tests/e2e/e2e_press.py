"""What the flows use to act as people and systems on a `Target`: an HTTP client of the gateway
that honours 429 Retry-After (the compose stack keeps its rate limits), the press cast signed in
once per session, the departments' SDK, and polling for what happens asynchronously.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

import httpx
from e2e_targets import PortalReceiver

from presscenter.gateway.testing.accounts import PRESS_CAST, SignedIn, sign_in
from presscenter.gateway.testing.stack import ok, problem
from presscenter.shared.events.envelope import utcnow
from presscenter.shared.sdk import EventPublisher

__all__ = ["Press", "eventually", "observed_item", "ok", "press_cast", "problem", "random_letters"]

T = TypeVar("T")
MAX_THROTTLED_RETRIES = 5

# The press cast of the gateway tests, plus an officer of the city office (the root of the unit
# tree, where an escalation from a department lands).
CAST: dict[str, dict[str, Any]] = {
    **PRESS_CAST,
    "city_officer": {"username": "officer.ubnd", "role": "unit_officer", "unit_code": "ubnd-hn"},
    "officer_vhtt": {"username": "officer.sovhtt", "role": "unit_officer", "unit_code": "so-vhtt"},
}


def random_letters(n: int = 10) -> str:
    """A search token with no digits (so it never reads as a figure in a release's facts)."""
    return "".join(chr(ord("a") + b % 26) for b in uuid.uuid4().bytes[:n])


class ThrottleAwareClient(httpx.AsyncClient):
    """An AsyncClient that waits out 429 Too Many Requests (Retry-After), as a well-behaved client does."""

    async def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        for _ in range(MAX_THROTTLED_RETRIES):
            response = await super().send(request, **kwargs)
            if response.status_code != 429:
                return response
            await response.aclose()
            await asyncio.sleep(min(float(response.headers.get("retry-after", "1")), 5.0))
        return await super().send(request, **kwargs)


def press_cast(gateway_url: str, admin: tuple[str, str]) -> dict[str, SignedIn]:
    """Every account of `CAST`, made by the admin with usernames unique to this run, and logged in."""
    run = random_letters(6)
    cast = {name: {**account, "username": f"{account['username']}.{run}"} for name, account in CAST.items()}
    with httpx.Client(base_url=gateway_url, timeout=60) as http:
        return sign_in(http, admin, cast)


@dataclass
class Press:
    """The gateway as the cast sees it, and the departments' systems' SDK."""

    url: str
    amqp_uri: str
    cast: dict[str, SignedIn]
    http: httpx.AsyncClient
    portal: PortalReceiver | None = None

    def as_(self, who: str) -> dict[str, str]:
        return self.cast[who].headers

    def if_match(self, who: str, resource: dict[str, Any]) -> dict[str, str]:
        return {**self.cast[who].headers, "If-Match": f'"{resource["revision"]}"'}

    async def get(self, who: str | None, path: str, **kwargs: Any) -> Any:
        return ok(await self.http.get(path, headers=self.cast[who].headers if who else {}, **kwargs))

    async def post(self, who: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        return ok(await self.http.post(path, headers=self.as_(who), **kwargs), status)

    async def act(self, who: str, path: str, read: dict[str, Any], **body: Any) -> Any:
        """A change to what `read` is (a release, question, asset), naming its revision (If-Match)."""
        return ok(await self.http.post(path, json=body or None, headers=self.if_match(who, read)))

    async def put(self, who: str, path: str, read: dict[str, Any], **body: Any) -> Any:
        """A replacement of part of what `read` is, naming its revision (If-Match)."""
        return ok(await self.http.put(path, json=body, headers=self.if_match(who, read)))

    async def release_step(self, who: str, release: dict[str, Any], action: str, **body: Any) -> dict[str, Any]:
        """One step of the release workflow."""
        return await self.act(who, f"/v1/releases/{release['id']}/{action}", release, **body)  # type: ignore[no-any-return]

    @contextmanager
    def department(self, source: str) -> Iterator[EventPublisher]:
        """A department's system (or a crawler) sending catalog events with the SDK."""
        with EventPublisher(self.amqp_uri, source=source) as publisher:
            yield publisher


async def eventually(probe: Callable[[], Awaitable[T | None]], what: str, timeout: float = 20.0) -> T:
    """The first truthy value of `probe()`, polled every 0.2 s; fails naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = await probe()
        if last:
            return last
        await asyncio.sleep(0.2)
    raise AssertionError(f"{what}: not within {timeout:.0f} s (last seen: {last!r})")


def observed_item(source: str, text: str, *, title: str = "", minutes_ago: float = 0, **extra: Any) -> dict[str, Any]:
    """An `item_observed` payload as a crawler sends it."""
    return {
        "source_name": source,
        "source_type": extra.pop("source_type", "social"),
        "url": f"https://{source}/posts/{uuid.uuid4().hex[:10]}",
        "title": title,
        "text": text,
        "published_at": (utcnow() - timedelta(minutes=minutes_ago)).isoformat(),
        "engagement": {"shares": 3, "comments": 1, "reactions": 5},
        **extra,
    }
