"""Verified JWTs are remembered until they expire, never past it; refusals are not remembered; the
memory is bounded. API-token principals are remembered a few seconds, never past the token, and
forgotten at once on `clear()`. No datastore, no server (the HTTP flows with revocation are in
test_auth_http.py).

Run: .venv/bin/pytest services/gateway/tests/test_verified_tokens.py -q --no-eventlet -p no:nameko
"""

from __future__ import annotations

import time

import pytest

from presscenter.gateway.auth.access_tokens import AccessTokenCodec, InvalidAccessToken, VerifiedTokens
from presscenter.gateway.auth.api_token_cache import ApiTokenCache
from presscenter.gateway.auth.principal import Principal
from presscenter.gateway.auth.settings import AuthSettings

CLAIMS = {"sub": "acc-1", "preferred_username": "lan", "role": "journalist", "outlet": "VnExpress"}


def codec(issued_ago: float = 0.0, **overrides: object) -> AccessTokenCodec:
    """`issued_ago`: tokens dated that many seconds back."""
    settings = AuthSettings(jwt_secret="s" * 40, **overrides)  # type: ignore[arg-type]
    return AccessTokenCodec(settings, clock=lambda: time.time() - issued_ago)


def principal(token_id: str = "t1") -> Principal:
    return Principal(id="acc-1", role="journalist", token_id=token_id)


def test_a_verified_token_is_answered_from_memory_with_the_same_principal() -> None:
    tokens = codec()
    token = tokens.issue(CLAIMS).token
    first = tokens.verify(token)
    assert len(tokens.verified) == 1
    assert tokens.verify(token) is first  # remembered, not decoded again
    assert first.id == "acc-1" and first.outlet == "VnExpress"


def test_refused_tokens_are_not_remembered() -> None:
    tokens = codec()
    token = tokens.issue(CLAIMS).token
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    for _ in range(2):
        with pytest.raises(InvalidAccessToken):
            tokens.verify(forged)
    assert len(tokens.verified) == 0


def test_a_remembered_token_is_refused_once_expired_beyond_the_leeway() -> None:
    now = [1_000.0]
    memory = VerifiedTokens(leeway=5, clock=lambda: now[0])
    memory.put("tok", principal(), expires=1_010.0)
    assert memory.get("tok") == principal()
    now[0] = 1_014.9
    assert memory.get("tok") == principal()  # within the leeway, as PyJWT decides
    now[0] = 1_015.0
    assert memory.get("tok") is None and len(memory) == 0


def test_a_short_lived_token_stops_working_when_it_expires() -> None:
    tokens = codec(issued_ago=29, access_token_ttl_seconds=30, jwt_leeway_seconds=0)
    token = tokens.issue(CLAIMS).token  # about one second left
    tokens.verify(token)
    time.sleep(2.05)  # exp is whole seconds
    with pytest.raises(InvalidAccessToken, match="expired"):
        tokens.verify(token)


def test_memory_is_bounded_and_forgets_the_oldest_first() -> None:
    memory = VerifiedTokens(leeway=0, max_size=16, clock=lambda: 0.0)
    for n in range(40):
        memory.put(f"tok{n}", principal(f"t{n}"), expires=100.0)
        assert len(memory) <= 16
    assert memory.get("tok39") is not None and memory.get("tok0") is None


def test_api_token_memory_lasts_its_seconds_never_past_the_token_and_clears() -> None:
    now = [1_000.0]
    memory = ApiTokenCache(seconds=5, clock=lambda: now[0])
    memory.put("digest", principal(), token_expires_at=1_003.0)
    memory.put("other", principal("t2"), token_expires_at=9_999.0)
    now[0] = 1_002.9
    assert memory.get("digest") == principal() and memory.get("other") == principal("t2")
    now[0] = 1_003.0
    assert memory.get("digest") is None  # the token expired before the memory's 5 s
    now[0] = 1_005.0
    assert memory.get("other") is None  # 5 s: the bound on a revocation made on another replica
    memory.put("other", principal("t2"), token_expires_at=9_999.0)
    memory.clear()  # a revocation or deactivation on this replica: forgotten at once
    assert memory.get("other") is None and len(memory) == 0


def test_api_token_memory_off_remembers_nothing() -> None:
    memory = ApiTokenCache(seconds=0, clock=lambda: 0.0)
    memory.put("digest", principal(), token_expires_at=100.0)
    assert memory.get("digest") is None
