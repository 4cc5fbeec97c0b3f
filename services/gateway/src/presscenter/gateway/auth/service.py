"""Identity and access in domain terms: logins, sessions, bearer verification, account administration.

No HTTP here: the router maps the exceptions below to status codes.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from pymongo.errors import ConnectionFailure

from presscenter.gateway.auth.access_tokens import AccessTokenCodec, InvalidAccessToken
from presscenter.gateway.auth.account_store import AccountStore, UsernameTaken
from presscenter.gateway.auth.api_token_cache import ApiTokenCache
from presscenter.gateway.auth.datastore import AuthDatastore
from presscenter.gateway.auth.opaque_tokens import (
    api_token_id,
    hashes_match,
    is_api_token,
    is_refresh_token,
    new_api_token,
    new_refresh_token,
    token_hash,
)
from presscenter.gateway.auth.passwords import MAX_PASSWORD_LENGTH, Passwords
from presscenter.gateway.auth.principal import Principal
from presscenter.gateway.auth.records import Account, ApiTokenRecord, normalise_username
from presscenter.gateway.auth.roles import Role
from presscenter.gateway.auth.schemas import NewAccount
from presscenter.gateway.auth.settings import AuthSettings
from presscenter.gateway.auth.throttle import LoginThrottle
from presscenter.gateway.auth.token_store import ApiTokenStore, RefreshTokenStore

log = logging.getLogger("presscenter.gateway.auth")
LAST_USED_RESOLUTION = 60.0  # seconds: an API token's last-used date is written at most this often


class Unauthenticated(Exception):
    """Credentials were presented and refused; the message is safe to return."""


class InvalidCredentials(Unauthenticated):
    def __init__(self) -> None:
        super().__init__("invalid username or password")


class InvalidRefreshToken(Unauthenticated):
    def __init__(self) -> None:
        super().__init__("invalid refresh token")


class NotFound(Exception):
    pass


class InvalidRequest(ValueError):
    pass


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    expires_in: int
    refresh_token: str
    refresh_expires_in: int


class AuthService:
    def __init__(
        self, settings: AuthSettings, datastore: AuthDatastore, clock: Callable[[], float] = time.time
    ) -> None:
        self.settings = settings
        self.datastore = datastore
        self.clock = clock
        self.ready = False
        self.accounts = AccountStore(datastore)
        self.api_tokens = ApiTokenStore(datastore)
        self.refresh_tokens = RefreshTokenStore(datastore)
        self.throttle = LoginThrottle(datastore, settings)
        self.passwords = Passwords(settings)
        # JWTs are dated and checked by the real clock (PyJWT's); `clock` times the datastore's records only
        self.codec = AccessTokenCodec(settings)
        self.api_token_cache = ApiTokenCache(settings.api_token_cache_seconds, clock)

    async def start(self) -> None:
        """Indexes, then the bootstrap admin when configured; `ready` once done."""
        await self.datastore.ensure_indexes()
        await self.ensure_bootstrap_admin()
        self.ready = True

    async def keep_starting(self, first_delay: float = 0.5, max_delay: float = 10.0) -> None:
        """`start()`, retried with backoff while the datastore is unreachable."""
        if self.settings.ephemeral_key:
            log.warning("JWT_SECRET is not set: access tokens are signed with a random per-process key")
        delay = first_delay
        while True:
            try:
                await self.start()
                return
            except ConnectionFailure as exc:
                log.warning("identity datastore unreachable (%s); retrying in %.1fs", type(exc).__name__, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, max_delay)

    # --- sessions -------------------------------------------------------------------------------

    async def login(self, username: str, password: str, client_ip: str | None) -> TokenPair:
        """Password grant. Unknown user, wrong password and inactive account fail alike, in about the same time.

        Raises `Throttled` before checking anything when the username or address has failed too often.
        """
        name = normalise_username(username)[:256]
        keys = self.throttle.keys(name, client_ip)
        now = self.clock()
        await self.throttle.check(keys, now)
        account = await self.accounts.by_username(name)
        usable = account is not None and account.active and len(password) <= MAX_PASSWORD_LENGTH
        stored_hash = account.password_hash if usable and account is not None else None
        verification = await self.passwords.verify(stored_hash, password[:MAX_PASSWORD_LENGTH])
        if not verification.ok or account is None:
            await self.throttle.record_failure(keys, now)
            log.info("login refused from %s", client_ip or "unknown address")
            raise InvalidCredentials()
        await self.throttle.reset(keys["user"])
        if verification.needs_rehash and stored_hash is not None:
            upgraded = await self.passwords.hash(password)
            await self.accounts.replace_hash_if_unchanged(account.id, stored_hash, upgraded, now)
        log.info("login of account %s (%s)", account.id, account.role)
        return await self._open_session(account, now)

    async def refresh(self, refresh_token: str) -> TokenPair:
        """Rotate: the presented token is used up and the next one returned. Presenting a used token again
        means it was stolen or replayed: the whole family (session) is revoked."""
        if not is_refresh_token(refresh_token):
            raise InvalidRefreshToken()
        hashed = token_hash(refresh_token)
        now = self.clock()
        consumed = await self.refresh_tokens.consume(hashed, now)
        if consumed is None:
            known = await self.refresh_tokens.find(hashed)
            if known is not None and known.state == "used":
                await self.refresh_tokens.revoke_family(known.family_id, now)
                log.warning("refresh token reused: session %s of account %s revoked", known.family_id, known.account_id)
            raise InvalidRefreshToken()
        if consumed.expires_at <= now or not await self.refresh_tokens.family_active(consumed.family_id):
            raise InvalidRefreshToken()
        account = await self.accounts.by_id(consumed.account_id)
        if account is None or not account.active:
            await self.refresh_tokens.revoke_family(consumed.family_id, now)
            raise InvalidRefreshToken()
        return await self._next_in_family(account, consumed.family_id, now)

    async def logout(self, refresh_token: str) -> None:
        """Revoke the session the refresh token belongs to; silent when it is unknown."""
        if not is_refresh_token(refresh_token):
            return
        known = await self.refresh_tokens.find(token_hash(refresh_token))
        if known is not None:
            await self.refresh_tokens.revoke_family(known.family_id, self.clock())
            log.info("logout: session %s of account %s revoked", known.family_id, known.account_id)

    async def _open_session(self, account: Account, now: float) -> TokenPair:
        family_id = uuid.uuid4().hex
        expires_at = now + self.settings.refresh_token_ttl_seconds
        await self.refresh_tokens.start_family(family_id, account.id, now, expires_at)
        return await self._next_in_family(account, family_id, now)

    async def _next_in_family(self, account: Account, family_id: str, now: float) -> TokenPair:
        refresh_token = new_refresh_token()
        ttl = self.settings.refresh_token_ttl_seconds
        await self.refresh_tokens.add(token_hash(refresh_token), family_id, account.id, now, now + ttl)
        access = self.codec.issue(account.access_claims())
        return TokenPair(access.token, access.expires_in, refresh_token, ttl)

    # --- bearer verification --------------------------------------------------------------------

    async def authenticate(self, bearer: str) -> Principal:
        """The principal of a bearer credential: an API token (`pc_...`) or a JWT access token."""
        if is_api_token(bearer):
            return await self._api_token_principal(bearer)
        try:
            return self.codec.verify(bearer)
        except InvalidAccessToken as exc:
            raise Unauthenticated(str(exc)) from exc

    async def _api_token_principal(self, bearer: str) -> Principal:
        digest = token_hash(bearer)
        remembered = self.api_token_cache.get(digest)
        if remembered is not None:
            return remembered
        principal, expires_at = await self._verified_api_token(bearer)
        self.api_token_cache.put(digest, principal, expires_at)
        return principal

    async def _verified_api_token(self, bearer: str) -> tuple[Principal, float]:
        """The principal of an API token read from the datastore, and when the token expires."""
        token_id = api_token_id(bearer)
        record = await self.api_tokens.by_id(token_id) if token_id else None
        if record is None or not hashes_match(record.token_hash, bearer):
            raise Unauthenticated("invalid API token")
        now = self.clock()
        if record.revoked_at is not None:
            raise Unauthenticated("API token revoked")
        if now >= record.expires_at:
            raise Unauthenticated("API token expired")
        account = await self.accounts.by_id(record.account_id)
        if account is None or not account.active:
            raise Unauthenticated("account inactive")
        if record.last_used_at is None or now - record.last_used_at >= LAST_USED_RESOLUTION:
            await self.api_tokens.touch(record.id, now)
        principal = Principal(
            id=account.id,
            role=account.role,
            username=account.username,
            unit_code=account.unit_code,
            outlet=account.outlet,
            embargo_entitled=account.embargo_entitled,
            auth="api_token",
            token_id=record.id,
            scopes=record.scopes,
        )
        return principal, record.expires_at

    # --- administration -------------------------------------------------------------------------

    def _check_password(self, password: str) -> None:
        if len(password) < self.settings.password_min_length:
            raise InvalidRequest(f"the password needs at least {self.settings.password_min_length} characters")

    async def create_account(self, new: NewAccount) -> Account:
        """Raises `UsernameTaken` or `InvalidRequest`."""
        password_hash = None
        if new.password is not None:
            self._check_password(new.password.get_secret_value())
            password_hash = await self.passwords.hash(new.password.get_secret_value())
        now = self.clock()
        account = Account(
            id=uuid.uuid4().hex,
            username=new.username,
            display_name=new.display_name,
            role=new.role,
            outlet=new.outlet,
            embargo_entitled=new.embargo_entitled,
            unit_code=new.unit_code,
            active=True,
            password_hash=password_hash,
            created_at=now,
            updated_at=now,
        )
        await self.accounts.insert(account)
        log.info("account %s created (%s)", account.id, account.role)
        return account

    async def account(self, account_id: str) -> Account:
        account = await self.accounts.by_id(account_id)
        if account is None:
            raise NotFound("no such account")
        return account

    async def list_accounts(
        self, *, role: Role | None = None, active: bool | None = None, after: str | None = None, limit: int = 50
    ) -> list[Account]:
        return await self.accounts.list(role=role, active=active, after=after, limit=limit)

    async def set_active(self, account_id: str, active: bool) -> Account:
        """(De)activate; deactivation ends the account's sessions and its API tokens stop working."""
        now = self.clock()
        account = await self.accounts.update(account_id, {"active": active}, now)
        self.api_token_cache.clear()
        if account is None:
            raise NotFound("no such account")
        if not active:
            await self.refresh_tokens.revoke_account(account_id, now)
        log.info("account %s %s", account_id, "activated" if active else "deactivated")
        return account

    async def reset_password(self, account_id: str, password: str) -> Account:
        """Set a new password and end the account's sessions."""
        account = await self.account(account_id)
        if account.role == "system":
            raise InvalidRequest("system accounts authenticate with API tokens, not passwords")
        self._check_password(password)
        password_hash = await self.passwords.hash(password)
        now = self.clock()
        updated = await self.accounts.update(account_id, {"password_hash": password_hash}, now)
        if updated is None:
            raise NotFound("no such account")
        await self.refresh_tokens.revoke_account(account_id, now)
        log.info("password of account %s reset", account_id)
        return updated

    async def issue_api_token(
        self, account_id: str, name: str, scopes: list[str], expires_in_days: int, created_by: str | None
    ) -> tuple[ApiTokenRecord, str]:
        """A new API token for an active account; the secret is returned once and only its hash kept."""
        account = await self.account(account_id)
        if not account.active:
            raise InvalidRequest("the account is inactive")
        if expires_in_days > self.settings.api_token_max_ttl_days:
            raise InvalidRequest(f"expires_in_days is at most {self.settings.api_token_max_ttl_days}")
        fresh = new_api_token()
        now = self.clock()
        record = ApiTokenRecord(
            id=fresh.id,
            account_id=account.id,
            name=name,
            token_hash=fresh.hash,
            scopes=tuple(dict.fromkeys(scopes)),
            created_at=now,
            created_by=created_by,
            expires_at=now + expires_in_days * 86400,
        )
        await self.api_tokens.insert(record)
        log.info("API token %s issued for account %s", record.id, account.id)
        return record, fresh.token

    async def list_api_tokens(self, account_id: str) -> list[ApiTokenRecord]:
        return await self.api_tokens.of_account(account_id)

    async def revoke_api_token(self, token_id: str) -> ApiTokenRecord:
        revoked = await self.api_tokens.revoke(token_id, self.clock())
        self.api_token_cache.clear()
        if not revoked:
            raise NotFound("no such API token")
        record = await self.api_tokens.by_id(token_id)
        if record is None:
            raise NotFound("no such API token")
        log.info("API token %s revoked", token_id)
        return record

    async def ensure_bootstrap_admin(self) -> Account | None:
        """Create the admin named by GATEWAY_ADMIN_USERNAME/PASSWORD unless that username exists already."""
        settings = self.settings
        if settings.admin_username is None or settings.admin_password is None:
            return None
        new = NewAccount(username=settings.admin_username, password=settings.admin_password, role="admin")
        existing = await self.accounts.by_username(new.username)
        if existing is not None:
            if existing.role != "admin":
                log.warning("bootstrap admin %r exists with role %s: left unchanged", new.username, existing.role)
            return existing
        try:
            account = await self.create_account(new)
        except UsernameTaken:  # another replica created it first
            return await self.accounts.by_username(new.username)
        log.info("bootstrap admin %r created", new.username)
        return account
