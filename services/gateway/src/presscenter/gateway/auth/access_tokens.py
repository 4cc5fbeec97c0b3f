"""JWT access tokens: issued HS256 under a key id, verified strictly (algorithm, kid, type, iss, aud, exp).

Verified tokens are remembered (`VerifiedTokens`, bounded) until they expire: verifying a JWT
depends only on the token, the keys (fixed for the process) and the time, and time only matters
through `exp`, which a remembered token is checked against on every use. A JWT was never
revocable before it expires (that is what its short lifetime is for), so remembering changes no
outcome; it spares the signature check and claim parsing on every request.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
from pydantic import ValidationError

from presscenter.gateway.auth.principal import Principal
from presscenter.gateway.auth.settings import AuthSettings

ALGORITHM = "HS256"
TOKEN_TYPE = "at+jwt"  # RFC 9068: an access token, not some other JWT signed with the same key
REQUIRED_CLAIMS = ["sub", "role", "iat", "exp", "iss", "aud", "jti"]


class InvalidAccessToken(Exception):
    """The bearer JWT is refused; the message says why (safe to show, never contains the token)."""


@dataclass(frozen=True)
class IssuedAccessToken:
    token: str
    jti: str
    expires_in: int


VERIFIED_TOKENS_MAX = 4096


class VerifiedTokens:
    """Principals of tokens verified already, with their `exp`; at most `max_size`, oldest forgotten first."""

    def __init__(self, leeway: float, max_size: int = VERIFIED_TOKENS_MAX, clock: Callable[[], float] = time.time):
        self._leeway = leeway
        self._max_size = max_size
        self._clock = clock
        self._entries: dict[str, tuple[Principal, float]] = {}

    def get(self, token: str) -> Principal | None:
        """The principal of a token verified earlier that has not expired since (PyJWT's own `exp` rule)."""
        entry = self._entries.get(token)
        if entry is None:
            return None
        principal, expires = entry
        if expires <= self._clock() - self._leeway:
            self._entries.pop(token, None)
            return None
        return principal

    def put(self, token: str, principal: Principal, expires: float) -> None:
        if len(self._entries) >= self._max_size:
            for stale in list(self._entries)[: max(1, self._max_size // 8)]:  # the oldest eighth
                self._entries.pop(stale, None)
        self._entries[token] = (principal, expires)

    def __len__(self) -> int:
        return len(self._entries)


class AccessTokenCodec:
    def __init__(self, settings: AuthSettings, clock: Callable[[], float] = time.time) -> None:
        """`clock` dates the tokens issued; verification checks `exp` against the real time."""
        self._kid = settings.jwt_kid
        self._signing_key = settings.signing_key
        self._keys = settings.verification_keys()
        self._issuer = settings.jwt_issuer
        self._audience = settings.jwt_audience
        self._ttl = settings.access_token_ttl_seconds
        self._leeway = settings.jwt_leeway_seconds
        self._clock = clock
        self.verified = VerifiedTokens(self._leeway)

    def issue(self, principal_claims: dict[str, Any]) -> IssuedAccessToken:
        """Sign the account claims (sub, role, unit_code, outlet, embargo_entitled, ...) for `ttl` seconds."""
        now = int(self._clock())
        jti = uuid.uuid4().hex
        claims = {
            **principal_claims,
            "iat": now,
            "exp": now + self._ttl,
            "iss": self._issuer,
            "aud": self._audience,
            "jti": jti,
        }
        token = jwt.encode(
            claims, self._signing_key, algorithm=ALGORITHM, headers={"kid": self._kid, "typ": TOKEN_TYPE}
        )
        return IssuedAccessToken(token=token, jti=jti, expires_in=self._ttl)

    def verify(self, token: str) -> Principal:
        """The token's principal; `InvalidAccessToken` saying why it is refused."""
        principal = self.verified.get(token)
        if principal is None:
            principal, expires = self._verify(token)
            self.verified.put(token, principal, expires)
        return principal

    def _verify(self, token: str) -> tuple[Principal, float]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise InvalidAccessToken("malformed token") from exc
        if header.get("alg") != ALGORITHM:
            raise InvalidAccessToken("unexpected signing algorithm")
        if header.get("typ") != TOKEN_TYPE:
            raise InvalidAccessToken("not an access token")
        key = self._keys.get(str(header.get("kid")))
        if key is None:
            raise InvalidAccessToken("unknown key id")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": REQUIRED_CLAIMS, "verify_iat": True},
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidAccessToken("token expired") from exc
        except jwt.InvalidAudienceError as exc:
            raise InvalidAccessToken("wrong audience") from exc
        except jwt.InvalidIssuerError as exc:
            raise InvalidAccessToken("wrong issuer") from exc
        except jwt.InvalidSignatureError as exc:
            raise InvalidAccessToken("bad signature") from exc
        except jwt.InvalidTokenError as exc:
            raise InvalidAccessToken("invalid token") from exc
        try:
            principal = Principal(
                id=claims["sub"],
                role=claims["role"],
                username=claims.get("preferred_username"),
                unit_code=claims.get("unit_code"),
                outlet=claims.get("outlet"),
                embargo_entitled=bool(claims.get("embargo_entitled", False)),
                auth="password",
                token_id=claims["jti"],
            )
        except ValidationError as exc:
            raise InvalidAccessToken("invalid claims") from exc
        return principal, float(claims["exp"])
