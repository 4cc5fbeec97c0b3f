"""Login throttling: fixed-window counters of failed logins per username and per client address.

Counters live in the datastore, so every gateway replica sees the same ones. A key at its limit
refuses further attempts, right password or not, until its window ends.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from pymongo import ReturnDocument

from presscenter.gateway.auth.datastore import AuthDatastore
from presscenter.gateway.auth.settings import AuthSettings


@dataclass(frozen=True)
class Throttled(Exception):
    """Too many failed logins; retry after `retry_after` seconds."""

    retry_after: int


class LoginThrottle:
    def __init__(self, datastore: AuthDatastore, settings: AuthSettings) -> None:
        self._counters = datastore.login_throttle
        self._window = settings.login_failure_window_seconds
        self._limits = {"user": settings.login_max_failures_per_username, "ip": settings.login_max_failures_per_ip}

    @staticmethod
    def keys(username: str, client_ip: str | None) -> dict[str, str]:
        keys = {"user": f"user:{username}"}
        if client_ip:
            keys["ip"] = f"ip:{client_ip}"
        return keys

    async def check(self, keys: dict[str, str], now: float) -> None:
        """Raise `Throttled` if any key has used up its failures in the current window."""
        wait = 0.0
        for kind, key in keys.items():
            counter = await self._counters.find_one({"_id": key})
            if counter is None or counter["window_start"] + self._window <= now:
                continue
            if counter["failures"] >= self._limits[kind]:
                wait = max(wait, counter["window_start"] + self._window - now)
        if wait > 0:
            raise Throttled(retry_after=max(1, math.ceil(wait)))

    async def record_failure(self, keys: dict[str, str], now: float) -> None:
        expire_at = datetime.fromtimestamp(now + self._window, UTC)
        for key in keys.values():
            counted = await self._counters.find_one_and_update(
                {"_id": key, "window_start": {"$gt": now - self._window}},
                {"$inc": {"failures": 1}},
                return_document=ReturnDocument.AFTER,
            )
            if counted is None:  # no window open: start one
                await self._counters.update_one(
                    {"_id": key},
                    {"$set": {"window_start": now, "failures": 1, "expire_at": expire_at}},
                    upsert=True,
                )

    async def reset(self, key: str) -> None:
        await self._counters.delete_one({"_id": key})
