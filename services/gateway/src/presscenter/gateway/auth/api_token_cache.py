"""API-token principals remembered for a few seconds, so a busy departments' system does not cost two
datastore reads per request.

Off by default (API_TOKEN_CACHE_SECONDS=0: every request reads the datastore, so a revocation
takes effect at once everywhere). With N seconds: a token revoked, or an account deactivated,
through this gateway process is forgotten at once (`clear()`); another replica, or a change made
with the admin CLI, takes effect at most N seconds later. Keys are SHA-256 digests of the bearer
(the secret itself is not kept); an entry never outlives its token's `expires_at`.
"""

from __future__ import annotations

from collections.abc import Callable

from presscenter.gateway.auth.principal import Principal

API_TOKEN_CACHE_MAX = 4096


class ApiTokenCache:
    def __init__(self, seconds: float, clock: Callable[[], float], max_size: int = API_TOKEN_CACHE_MAX) -> None:
        self.seconds = seconds
        self._clock = clock
        self._max_size = max_size
        self._entries: dict[str, tuple[Principal, float]] = {}

    def get(self, digest: str) -> Principal | None:
        entry = self._entries.get(digest)
        if entry is None:
            return None
        principal, until = entry
        if self._clock() >= until:
            self._entries.pop(digest, None)
            return None
        return principal

    def put(self, digest: str, principal: Principal, token_expires_at: float) -> None:
        if self.seconds <= 0:
            return
        if len(self._entries) >= self._max_size:
            for stale in list(self._entries)[: max(1, self._max_size // 8)]:  # the oldest eighth
                self._entries.pop(stale, None)
        self._entries[digest] = (principal, min(self._clock() + self.seconds, token_expires_at))

    def clear(self) -> None:
        """Forget everything: a token was revoked or an account changed."""
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
