"""HMAC-signed, expiring URLs of the local object store (what S3 presigning is for MinIO).

A signed URL is `<base>/media/objects/<key>?<params>&expires=<unix s>&signature=<hex>`; the
signature is HMAC-SHA256 over the method, the key, the expiry and every other parameter (sorted),
so none of them can be changed. Several secrets may be active: the first signs, any verifies
(rotation). Pure standard library.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import quote, urlencode

SIGNATURE = "signature"
EXPIRES = "expires"
SECRET_FILE = ".url-secret"


class UrlRefused(Exception):
    """A signed URL was refused; the message is safe to return to the client."""


class ExpiredUrl(UrlRefused):
    pass


class BadSignature(UrlRefused):
    pass


def _canonical(method: str, key: str, expires: int, params: Mapping[str, str]) -> bytes:
    query = urlencode(sorted(params.items()))
    return f"v1\n{method.upper()}\n{key}\n{expires}\n{query}".encode()


class UrlSigner:
    def __init__(self, keys: Sequence[bytes]):
        if not keys or any(len(k) < 16 for k in keys):
            raise ValueError("URL signing needs at least one secret of 16 bytes or more")
        self.keys = tuple(keys)

    def signature(self, method: str, key: str, expires: int, params: Mapping[str, str]) -> str:
        return hmac.new(self.keys[0], _canonical(method, key, expires, params), hashlib.sha256).hexdigest()

    def query(self, method: str, key: str, expires: int, params: Mapping[str, str]) -> str:
        """The query string of a signed URL for `method` on `key` until `expires` (unix seconds)."""
        signed = {**params, EXPIRES: str(expires)}
        signed[SIGNATURE] = self.signature(method, key, expires, params)
        return urlencode(signed, quote_via=quote)

    def verify(self, method: str, key: str, query: Mapping[str, str], now: float) -> dict[str, str]:
        """The signed parameters of a valid, unexpired request; `UrlRefused` otherwise."""
        params = {k: v for k, v in query.items() if k not in (SIGNATURE, EXPIRES)}
        given = query.get(SIGNATURE, "")
        try:
            expires = int(query.get(EXPIRES, ""))
        except ValueError:
            raise BadSignature("the URL is not signed") from None
        canonical = _canonical(method, key, expires, params)
        expected = [hmac.new(k, canonical, hashlib.sha256).hexdigest() for k in self.keys]
        if not any(hmac.compare_digest(given, e) for e in expected):
            raise BadSignature("the URL's signature does not match: it was altered or not issued here")
        if now >= expires:
            raise ExpiredUrl("the URL has expired: ask for a new one")
        return params


def secrets_from(configured: Sequence[str], storage_dir: Path) -> list[bytes]:
    """The configured secrets, or one kept in `<storage_dir>/.url-secret` (made on first use, mode 0600)."""
    if configured:
        return [s.encode() for s in configured]
    path = storage_dir / SECRET_FILE
    if not path.exists():
        storage_dir.mkdir(parents=True, exist_ok=True)
        candidate = storage_dir / f"{SECRET_FILE}.{secrets.token_hex(4)}"
        candidate.write_text(secrets.token_hex(32), encoding="ascii")
        candidate.chmod(0o600)
        try:
            os.link(candidate, path)  # atomic: concurrent first starts agree on one secret
        except FileExistsError:
            pass
        finally:
            candidate.unlink()
    return [path.read_text(encoding="ascii").strip().encode()]
