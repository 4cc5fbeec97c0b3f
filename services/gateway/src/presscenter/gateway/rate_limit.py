"""Per-address and per-token rate limits: token buckets held in this process, 429 with Retry-After.

Each client address has a bucket; a request that carries a credential (`Authorization` or
`X-API-Key`, kept only as a SHA-256 digest) also takes from that credential's bucket. The buckets
live in the gateway process: with N replicas behind a load balancer a client gets up to N times
the limit (known gap; set the limits per replica, or put a shared limiter at the ingress).
Behind a proxy the client address comes from uvicorn's `--proxy-headers` and FORWARDED_ALLOW_IPS.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.types import Scope

EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Token buckets by key: `rate` tokens per second, at most `burst` saved up."""

    def __init__(self, rate: float, burst: int, max_keys: int = 100_000, clock: Callable[[], float] = time.monotonic):
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self.max_keys = max_keys
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def take(self, key: str) -> float:
        """Take one token for `key`: 0.0 when allowed, else the seconds until one is available."""
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._forget_full(now)
            bucket = self._buckets[key] = _Bucket(float(self.burst), now)
        else:
            bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.rate

    def _forget_full(self, now: float) -> None:
        """Drop buckets that have refilled (they hold nothing a new bucket would not)."""
        refill = self.burst / self.rate
        self._buckets = {k: b for k, b in self._buckets.items() if now - b.updated < refill}
        if len(self._buckets) >= self.max_keys:  # still full of active keys: drop the oldest half
            oldest = sorted(self._buckets.items(), key=lambda kv: kv[1].updated)[: self.max_keys // 2]
            for key, _ in oldest:
                del self._buckets[key]

    def __len__(self) -> int:
        return len(self._buckets)


def credential_key(headers: Headers) -> str | None:
    """A digest of the request's credential, or None when it carries none."""
    value = headers.get("authorization") or headers.get("x-api-key")
    if not value:
        return None
    return hashlib.sha256(value.encode()).hexdigest()


def client_address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"
