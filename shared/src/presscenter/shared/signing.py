"""HMAC-SHA256 signatures of webhook bodies, both ways (the portal connector and the gateway).

A signed request carries three headers:

- `X-PressCenter-Timestamp`: unix seconds when it was signed;
- `X-PressCenter-Nonce`: 128 random bits as 32 lower-case hex digits, never accepted twice;
- `X-PressCenter-Signature`: `v1=<hex HMAC-SHA256(secret, f"{timestamp}.{nonce}.".encode() + body)>`.

Several secrets may be active at once so they can be rotated: the sender signs with the first,
the receiver accepts a signature made with any of them. A signature header may also list several
comma-separated `v1=` values (a sender in mid-rotation); one match is enough. Pure standard library.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets as _random
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

TIMESTAMP_HEADER = "X-PressCenter-Timestamp"
NONCE_HEADER = "X-PressCenter-Nonce"
SIGNATURE_HEADER = "X-PressCenter-Signature"
SCHEME = "v1"
DEFAULT_TOLERANCE_S = 300

_NONCE = re.compile(r"^[0-9a-f]{32}$")
_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")
_HEX_DIGEST = re.compile(r"^[0-9a-f]{64}$")

Clock = float | int | datetime
SeenNonce = Callable[[str, float], bool]
"""`(nonce, expires_at) -> bool`: records the nonce until `expires_at` (unix seconds); False if already recorded."""


class SignatureError(Exception):
    """A signed request was refused; the message says why (safe to return to the sender)."""


class MissingHeader(SignatureError):
    pass


class MalformedHeader(SignatureError):
    pass


class BadSignature(SignatureError):
    pass


class TimestampOutOfTolerance(SignatureError):
    pass


class ReplayedNonce(SignatureError):
    pass


@dataclass(frozen=True)
class Verified:
    """What `verify` accepted: `secret_index` says which active secret matched (rotation progress)."""

    timestamp: int
    nonce: str
    secret_index: int


def _epoch(now: Clock) -> float:
    if isinstance(now, datetime):
        if now.tzinfo is None:
            raise ValueError("`now` must be timezone-aware")
        return now.timestamp()
    return float(now)


def _secret_list(secrets: Sequence[str] | str) -> list[str]:
    if isinstance(secrets, str):
        raise TypeError("pass the active secrets as a sequence of strings, not one string")
    active = list(secrets)
    if not active or any(not isinstance(s, str) or not s for s in active):
        raise ValueError("at least one non-empty secret is required")
    return active


def compute_signature(body: bytes, secret: str, timestamp: int, nonce: str) -> str:
    """Hex HMAC-SHA256 of `f"{timestamp}.{nonce}.".encode() + body` with `secret`."""
    message = f"{timestamp}.{nonce}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def new_nonce() -> str:
    return _random.token_hex(16)


def sign(body: bytes, secret: str, *, now: Clock | None = None, nonce: str | None = None) -> dict[str, str]:
    """The three signature headers for `body`, signed with `secret` at `now` (default: the system clock)."""
    if not secret:
        raise ValueError("the signing secret is empty")
    timestamp = int(time.time() if now is None else _epoch(now))
    nonce = new_nonce() if nonce is None else nonce
    if not _NONCE.match(nonce):
        raise ValueError("nonce must be 32 lower-case hex digits (128 bits)")
    return {
        TIMESTAMP_HEADER: str(timestamp),
        NONCE_HEADER: nonce,
        SIGNATURE_HEADER: f"{SCHEME}={compute_signature(body, secret, timestamp, nonce)}",
    }


def _lower_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    items = headers.items() if isinstance(headers, Mapping) else headers
    return {str(name).lower(): str(value) for name, value in items}


def _header(headers: dict[str, str], name: str) -> str:
    value = headers.get(name.lower())
    if value is None or not value.strip():
        raise MissingHeader(f"missing header {name}")
    return value.strip()


def _signatures(value: str) -> list[str]:
    found: list[str] = []
    for part in value.split(","):
        scheme, sep, digest = part.strip().partition("=")
        if not sep:
            raise MalformedHeader(f"{SIGNATURE_HEADER} must look like '{SCHEME}=<hex>'")
        if scheme.strip() != SCHEME:
            continue  # a scheme this receiver does not know: ignored
        digest = digest.strip().lower()
        if not _HEX_DIGEST.match(digest):
            raise MalformedHeader(f"{SIGNATURE_HEADER} {SCHEME} value must be 64 hex digits")
        found.append(digest)
    if not found:
        raise MalformedHeader(f"{SIGNATURE_HEADER} has no '{SCHEME}=' signature")
    return found


def verify(
    body: bytes,
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
    secrets: Sequence[str],
    *,
    now: Clock,
    tolerance_s: float = DEFAULT_TOLERANCE_S,
    seen_nonce: SeenNonce,
) -> Verified:
    """Check the signature headers of `body`; raises a `SignatureError` subclass, else returns what matched.

    Header names are case-insensitive. The order of checks is: headers present and well formed,
    signature (constant-time, against every active secret), timestamp within `tolerance_s` of
    `now` either way, and last the nonce, recorded through `seen_nonce(nonce, timestamp +
    tolerance_s)` only for requests that passed every other check (so a forger cannot fill the
    nonce store).
    """
    active = _secret_list(secrets)
    lowered = _lower_headers(headers)
    raw_timestamp = _header(lowered, TIMESTAMP_HEADER)
    nonce = _header(lowered, NONCE_HEADER)
    raw_signature = _header(lowered, SIGNATURE_HEADER)
    if not _TIMESTAMP.match(raw_timestamp):
        raise MalformedHeader(f"{TIMESTAMP_HEADER} must be unix seconds (digits only)")
    if not _NONCE.match(nonce):
        raise MalformedHeader(f"{NONCE_HEADER} must be 32 lower-case hex digits")
    timestamp = int(raw_timestamp)
    offered = _signatures(raw_signature)

    matched: int | None = None
    for index, secret in enumerate(active):
        expected = compute_signature(body, secret, timestamp, nonce)
        for digest in offered:
            if hmac.compare_digest(expected, digest) and matched is None:
                matched = index
    if matched is None:
        raise BadSignature("signature does not match the body with any active secret")

    current = _epoch(now)
    if timestamp < current - tolerance_s:
        raise TimestampOutOfTolerance(
            f"{TIMESTAMP_HEADER} is too old ({current - timestamp:.0f} s, tolerance {tolerance_s:.0f} s)"
        )
    if timestamp > current + tolerance_s:
        raise TimestampOutOfTolerance(
            f"{TIMESTAMP_HEADER} is in the future ({timestamp - current:.0f} s, tolerance {tolerance_s:.0f} s)"
        )
    if not seen_nonce(nonce, timestamp + tolerance_s):
        raise ReplayedNonce("this nonce was already used (replayed request)")
    return Verified(timestamp=timestamp, nonce=nonce, secret_index=matched)


class NonceCache:
    """In-memory `seen_nonce` for one process (tests, a single replica): entries expire at `expires_at`.

    Several replicas need a shared store instead (the gateway keeps nonces in its datastore).
    """

    def __init__(self, clock: Callable[[], float] = time.time, purge_every: int = 1_000):
        self._clock = clock
        self._purge_every = purge_every
        self._expiry: dict[str, float] = {}
        self._calls = 0
        self._lock = threading.Lock()

    def __call__(self, nonce: str, expires_at: float) -> bool:
        with self._lock:
            now = self._clock()
            self._calls += 1
            if self._calls % self._purge_every == 0:
                self._purge(now)
            known = self._expiry.get(nonce)
            if known is not None and known > now:
                return False
            self._expiry[nonce] = expires_at
            return True

    def _purge(self, now: float) -> None:
        for nonce in [n for n, exp in self._expiry.items() if exp <= now]:
            del self._expiry[nonce]

    def size(self) -> int:
        """Nonces still remembered (expired ones are purged first)."""
        with self._lock:
            self._purge(self._clock())
            return len(self._expiry)
