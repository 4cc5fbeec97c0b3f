"""Opaque secrets: API tokens (`pc_<id>_<secret>`) and refresh tokens (`pcr_<secret>`), stored only as hashes.

Each carries 256 random bits, so a plain SHA-256 is a sound way to store it: nothing to brute-force.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

API_TOKEN_PREFIX = "pc_"
REFRESH_TOKEN_PREFIX = "pcr_"
_API_TOKEN = re.compile(r"^pc_(?P<id>[0-9a-f]{16})_(?P<secret>[A-Za-z0-9_-]{43})$")
_REFRESH_TOKEN = re.compile(r"^pcr_[A-Za-z0-9_-]{43}$")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hashes_match(expected_hash: str, token: str) -> bool:
    return hmac.compare_digest(expected_hash, token_hash(token))


@dataclass(frozen=True)
class NewApiToken:
    id: str
    token: str

    @property
    def hash(self) -> str:
        return token_hash(self.token)


def new_api_token() -> NewApiToken:
    token_id = secrets.token_hex(8)
    return NewApiToken(id=token_id, token=f"{API_TOKEN_PREFIX}{token_id}_{secrets.token_urlsafe(32)}")


def api_token_id(token: str) -> str | None:
    """The lookup id inside a well-formed API token, or None."""
    match = _API_TOKEN.match(token)
    return match["id"] if match else None


def is_api_token(token: str) -> bool:
    return token.startswith(API_TOKEN_PREFIX)


def new_refresh_token() -> str:
    return f"{REFRESH_TOKEN_PREFIX}{secrets.token_urlsafe(32)}"


def is_refresh_token(token: str) -> bool:
    return bool(_REFRESH_TOKEN.match(token))
