"""HTTP push of one ninjs document to the National Government Portal, signed, with its outcome classified.

Protocol (ours, documented for the portal): `POST <endpoint>` with the JSON body, `Content-Type:
application/json`, `Idempotency-Key: <delivery key>` and the `presscenter.shared.signing` headers.
The portal answers 2xx when it stored the document, and 409 when it already holds that
Idempotency-Key — echoed in its `Idempotency-Key` response header or an `idempotency_key` JSON
field — which counts as delivered. Any other 409 and every other 4xx except 408/429 is a
permanent refusal; 5xx, 408, 429, timeouts and connection errors are worth retrying, after the
`Retry-After` the portal asks for (seconds or an HTTP date). Redirects are not followed.
"""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC
from email.message import Message
from email.utils import parsedate_to_datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from presscenter.shared.redaction import redact
from presscenter.shared.signing import sign

Outcome = Literal["delivered", "retryable", "permanent"]
IDEMPOTENCY_HEADER = "Idempotency-Key"
USER_AGENT = "presscenter-portal-connector/1"
MAX_ERROR_CHARS = 300
_MAX_RESPONSE_BYTES = 64 * 1024
_RETRYABLE_4XX = frozenset({408, 429})


@dataclass(frozen=True)
class DeliveryResult:
    """The outcome of one POST. `status` is None when no HTTP answer came (timeout, refused ...)."""

    outcome: Outcome
    status: int | None
    duration_s: float
    error: str | None = None
    retry_after_s: float | None = None
    already_delivered: bool = False

    @property
    def delivered(self) -> bool:
        return self.outcome == "delivered"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirected POST would become a GET: surface the 3xx instead


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a `Retry-After` value (delta seconds or HTTP date); None if absent or unreadable."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)


def _echoed_key(headers: Message | None, payload: bytes) -> str | None:
    if headers is not None and headers.get(IDEMPOTENCY_HEADER):
        return str(headers.get(IDEMPOTENCY_HEADER)).strip()
    try:
        data = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    key = data.get("idempotency_key") if isinstance(data, dict) else None
    return key if isinstance(key, str) else None


def _excerpt(payload: bytes) -> str:
    text = payload.decode("utf-8", errors="replace").strip()
    return redact(text[:MAX_ERROR_CHARS])


class PortalClient:
    """Pushes signed ninjs documents to the portal's endpoint (sign with the first of `secrets`)."""

    def __init__(
        self,
        endpoint_url: str,
        secrets: Sequence[str],
        timeout: float = 10.0,
        *,
        clock: Callable[[], float] = time.time,
    ):
        parts = urlsplit(endpoint_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"portal endpoint must be an http(s) URL, got {endpoint_url!r}")
        if isinstance(secrets, str) or not secrets or not all(secrets):
            raise ValueError("the portal client needs a sequence of non-empty secrets")
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self.endpoint_url = endpoint_url
        self.secrets = list(secrets)
        self.timeout = timeout
        self._clock = clock
        self._opener = urllib.request.build_opener(_NoRedirects())

    @staticmethod
    def encode(body: Mapping[str, Any]) -> bytes:
        """The exact bytes sent (and signed) for `body`: compact UTF-8 JSON."""
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def push(self, body: Mapping[str, Any], *, idempotency_key: str) -> DeliveryResult:
        """POST `body` once and classify the answer; never raises for network or HTTP failures."""
        if not idempotency_key:
            raise ValueError("idempotency_key is required")
        data = self.encode(body)
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
            IDEMPOTENCY_HEADER: idempotency_key,
            **sign(data, self.secrets[0], now=self._clock()),
        }
        request = urllib.request.Request(self.endpoint_url, data=data, headers=headers, method="POST")
        started = time.perf_counter()
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                status = int(response.status)
                response.read(_MAX_RESPONSE_BYTES)
                return self._classify(status, None, b"", idempotency_key, time.perf_counter() - started)
        except urllib.error.HTTPError as exc:
            try:
                payload = exc.read(_MAX_RESPONSE_BYTES)
            except (OSError, http.client.HTTPException):
                payload = b""
            return self._classify(exc.code, exc.headers, payload, idempotency_key, time.perf_counter() - started)
        except (OSError, http.client.HTTPException) as exc:  # URLError, timeouts, resets, bad status lines
            reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
            return DeliveryResult(
                outcome="retryable",
                status=None,
                duration_s=time.perf_counter() - started,
                error=redact(f"{type(reason).__name__}: {reason}")[:MAX_ERROR_CHARS],
            )

    def _classify(
        self, status: int, headers: Message | None, payload: bytes, key: str, duration_s: float
    ) -> DeliveryResult:
        if 200 <= status < 300:
            return DeliveryResult(outcome="delivered", status=status, duration_s=duration_s)
        error = f"HTTP {status}" + (f": {_excerpt(payload)}" if payload.strip() else "")
        if status == 409 and _echoed_key(headers, payload) == key:
            return DeliveryResult(outcome="delivered", status=status, duration_s=duration_s, already_delivered=True)
        if status >= 500 or status in _RETRYABLE_4XX:
            retry_after = parse_retry_after(headers.get("Retry-After") if headers else None, self._clock())
            return DeliveryResult(
                outcome="retryable", status=status, duration_s=duration_s, error=error, retry_after_s=retry_after
            )
        return DeliveryResult(outcome="permanent", status=status, duration_s=duration_s, error=error)
