"""argon2id password hashing, off the event loop and bounded in concurrency (each hash takes memory)."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from presscenter.gateway.auth.settings import AuthSettings

MAX_PASSWORD_LENGTH = 1024


@dataclass(frozen=True)
class Verification:
    ok: bool
    needs_rehash: bool = False


class Passwords:
    def __init__(self, settings: AuthSettings) -> None:
        self._hasher = PasswordHasher(
            time_cost=settings.password_hash_time_cost,
            memory_cost=settings.password_hash_memory_kib,
            parallelism=settings.password_hash_parallelism,
        )
        self._slots = asyncio.Semaphore(settings.password_hash_concurrency)
        self._dummy_hash: str | None = None

    async def hash(self, password: str) -> str:
        async with self._slots:
            return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> Verification:
        """Check `password`; with no hash (unknown or password-less account) spend the same time, then fail."""
        if password_hash is None:
            password_hash = await self._dummy()
            await self._verify(password_hash, password)
            return Verification(ok=False)
        ok = await self._verify(password_hash, password)
        return Verification(ok=ok, needs_rehash=ok and self._hasher.check_needs_rehash(password_hash))

    async def _verify(self, password_hash: str, password: str) -> bool:
        async with self._slots:
            try:
                return await asyncio.to_thread(self._hasher.verify, password_hash, password)
            except (VerificationError, InvalidHashError):
                return False

    async def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = await self.hash(secrets.token_urlsafe(24))
        return self._dummy_hash
