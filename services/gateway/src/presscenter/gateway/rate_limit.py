"""Per-address and per-token rate limits: token buckets held in this process, 429 with Retry-After.

Each client address has a bucket; a request that carries a credential (`Authorization` or
`X-API-Key`, kept only as a SHA-256 digest) also takes from that credential's bucket. The buckets
live in the gateway process: with N replicas behind a load balancer a client gets up to N times
the limit (known gap; set the limits per replica, or put a shared limiter at the ingress).
Behind a proxy the client address comes from uvicorn's `--proxy-headers` and FORWARDED_ALLOW_IPS.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from presscenter.gateway.problems import problem_response, problem_type

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


class RateLimitMiddleware:
    """Answer 429 (problem+json, Retry-After) when the address's or the credential's bucket is empty."""

    def __init__(
        self,
        app: ASGIApp,
        per_address: RateLimiter | None,
        per_credential: RateLimiter | None,
        exempt_paths: frozenset[str] = EXEMPT_PATHS,
        on_limited: Callable[[str], None] | None = None,
    ) -> None:
        self.app = app
        self.per_address = per_address
        self.per_credential = per_credential
        self.exempt_paths = exempt_paths
        self.on_limited = on_limited

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt_paths:
            await self.app(scope, receive, send)
            return
        waits: list[tuple[float, str]] = []
        if self.per_address is not None:
            waits.append((self.per_address.take(client_address(scope)), "address"))
        if self.per_credential is not None:
            key = credential_key(Headers(scope=scope))
            if key is not None:
                waits.append((self.per_credential.take(key), "token"))
        wait, limited_by = max(waits, default=(0.0, ""))
        if wait <= 0:
            await self.app(scope, receive, send)
            return
        if self.on_limited is not None:
            self.on_limited(limited_by)
        retry_after = max(1, math.ceil(wait))
        response = problem_response(
            scope,
            429,
            detail=f"Too many requests for this {limited_by}; retry in {retry_after} s.",
            type_=problem_type("rate-limited"),
            headers={"Retry-After": str(retry_after)},
            limited_by=limited_by,
        )
        await response(scope, receive, send)
