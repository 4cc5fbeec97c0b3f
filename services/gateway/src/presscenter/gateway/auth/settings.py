"""Settings of the gateway's identity and access, from environment variables (names in the descriptions)."""

from __future__ import annotations

import json
import secrets
from typing import Annotated, Any

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

MIN_KEY_LENGTH = 32


def _env(name: str, field: str) -> AliasChoices:
    return AliasChoices(name, field)


class AuthSettings(BaseSettings):
    """Datastore, JWT keys, token lifetimes, login throttling, password hashing and the bootstrap admin.

    JWTs are HS256: the gateway is the only issuer and the only verifier, so a shared secret suffices,
    needs no public-key distribution and verifies in microseconds. `jwt_secret` signs under `jwt_kid`;
    `jwt_previous_keys` (kid -> secret) are still accepted for verification during a key rotation.
    """

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False, frozen=True, populate_by_name=True)

    mongo_uri: SecretStr = Field(
        SecretStr("mongodb://127.0.0.1:27017"),
        validation_alias=_env("MONGO_URI", "mongo_uri"),
        description="MongoDB of the gateway's own datastore (MONGO_URI).",
    )
    mongo_db: str = Field(
        "presscenter_gateway", validation_alias=_env("MONGO_DB", "mongo_db"), description="Database name (MONGO_DB)."
    )
    mongo_timeout_seconds: float = Field(
        3.0,
        gt=0,
        le=60,
        validation_alias=_env("MONGO_TIMEOUT_SECONDS", "mongo_timeout_seconds"),
        description="Longest wait for the datastore before a request answers 503 (MONGO_TIMEOUT_SECONDS).",
    )
    jwt_secret: SecretStr | None = Field(
        None,
        validation_alias=_env("JWT_SECRET", "jwt_secret"),
        description=f"HS256 signing secret, >= {MIN_KEY_LENGTH} characters (JWT_SECRET). Unset: a random key per "
        "process, so tokens die with the process and are not shared between replicas (development only).",
    )
    jwt_kid: str = Field(
        "k1", min_length=1, max_length=64, validation_alias=_env("JWT_KID", "jwt_kid"), description="JWT_KID."
    )
    jwt_previous_keys: Annotated[dict[str, SecretStr], NoDecode] = Field(
        default_factory=dict,
        validation_alias=_env("JWT_PREVIOUS_KEYS", "jwt_previous_keys"),
        description='Retired keys still accepted, JSON {"kid": "secret"} (JWT_PREVIOUS_KEYS).',
    )
    jwt_issuer: str = Field(
        "presscenter-gateway", validation_alias=_env("JWT_ISSUER", "jwt_issuer"), description="JWT_ISSUER."
    )
    jwt_audience: str = Field(
        "presscenter-api", validation_alias=_env("JWT_AUDIENCE", "jwt_audience"), description="JWT_AUDIENCE."
    )
    jwt_leeway_seconds: float = Field(
        5.0,
        ge=0,
        le=120,
        validation_alias=_env("JWT_LEEWAY_SECONDS", "jwt_leeway_seconds"),
        description="Clock skew tolerated between replicas (JWT_LEEWAY_SECONDS).",
    )
    access_token_ttl_seconds: int = Field(
        600,
        ge=30,
        le=3600,
        validation_alias=_env("ACCESS_TOKEN_TTL_SECONDS", "access_token_ttl_seconds"),
        description="Lifetime of a JWT access token (ACCESS_TOKEN_TTL_SECONDS).",
    )
    refresh_token_ttl_seconds: int = Field(
        14 * 86400,
        ge=60,
        le=180 * 86400,
        validation_alias=_env("REFRESH_TOKEN_TTL_SECONDS", "refresh_token_ttl_seconds"),
        description="Lifetime of a refresh token; each rotation starts a new one (REFRESH_TOKEN_TTL_SECONDS).",
    )
    api_token_max_ttl_days: int = Field(
        730,
        ge=1,
        validation_alias=_env("API_TOKEN_MAX_TTL_DAYS", "api_token_max_ttl_days"),
        description="Longest lifetime an admin may give an API token (API_TOKEN_MAX_TTL_DAYS).",
    )
    api_token_cache_seconds: float = Field(
        0.0,
        ge=0,
        le=60,
        validation_alias=_env("API_TOKEN_CACHE_SECONDS", "api_token_cache_seconds"),
        description="How long a verified API token is trusted without reading the datastore again: another "
        "replica (or the admin CLI's change) takes effect at most this much later (API_TOKEN_CACHE_SECONDS; "
        "0, the default: read on every request).",
    )
    login_max_failures_per_username: int = Field(
        5,
        ge=1,
        validation_alias=_env("LOGIN_MAX_FAILURES_PER_USERNAME", "login_max_failures_per_username"),
        description="Failed logins for one username within the window before 429 (LOGIN_MAX_FAILURES_PER_USERNAME).",
    )
    login_max_failures_per_ip: int = Field(
        20,
        ge=1,
        validation_alias=_env("LOGIN_MAX_FAILURES_PER_IP", "login_max_failures_per_ip"),
        description="Failed logins from one client address within the window before 429 (LOGIN_MAX_FAILURES_PER_IP).",
    )
    login_failure_window_seconds: int = Field(
        900,
        ge=1,
        validation_alias=_env("LOGIN_FAILURE_WINDOW_SECONDS", "login_failure_window_seconds"),
        description="Window of the failure counters; 429 lasts until it ends (LOGIN_FAILURE_WINDOW_SECONDS).",
    )
    password_min_length: int = Field(
        12,
        ge=8,
        validation_alias=_env("PASSWORD_MIN_LENGTH", "password_min_length"),
        description="PASSWORD_MIN_LENGTH.",
    )
    password_hash_time_cost: int = Field(
        3,
        ge=1,
        validation_alias=_env("PASSWORD_HASH_TIME_COST", "password_hash_time_cost"),
        description="argon2id iterations (PASSWORD_HASH_TIME_COST).",
    )
    password_hash_memory_kib: int = Field(
        65536,
        ge=8,
        validation_alias=_env("PASSWORD_HASH_MEMORY_KIB", "password_hash_memory_kib"),
        description="argon2id memory in KiB (PASSWORD_HASH_MEMORY_KIB).",
    )
    password_hash_parallelism: int = Field(
        4,
        ge=1,
        validation_alias=_env("PASSWORD_HASH_PARALLELISM", "password_hash_parallelism"),
        description="argon2id lanes (PASSWORD_HASH_PARALLELISM).",
    )
    password_hash_concurrency: int = Field(
        4,
        ge=1,
        validation_alias=_env("PASSWORD_HASH_CONCURRENCY", "password_hash_concurrency"),
        description="Hashes computed at once per process; bounds memory (PASSWORD_HASH_CONCURRENCY).",
    )
    admin_username: str | None = Field(
        None,
        validation_alias=_env("GATEWAY_ADMIN_USERNAME", "admin_username"),
        description="Bootstrap admin created at startup when missing (GATEWAY_ADMIN_USERNAME).",
    )
    admin_password: SecretStr | None = Field(
        None,
        validation_alias=_env("GATEWAY_ADMIN_PASSWORD", "admin_password"),
        description="Password of the bootstrap admin (GATEWAY_ADMIN_PASSWORD).",
    )

    @field_validator("jwt_previous_keys", mode="before")
    @classmethod
    def _parse_keys(cls, value: Any) -> Any:
        if isinstance(value, str):
            return json.loads(value) if value.strip() else {}
        return value

    @model_validator(mode="after")
    def _check_keys(self) -> AuthSettings:
        keys = dict(self.jwt_previous_keys)
        if self.jwt_secret is not None:
            keys[self.jwt_kid] = self.jwt_secret
        for kid, secret in keys.items():
            if len(secret.get_secret_value()) < MIN_KEY_LENGTH:
                raise ValueError(f"JWT key {kid!r} is shorter than {MIN_KEY_LENGTH} characters")
        if self.jwt_kid in self.jwt_previous_keys:
            raise ValueError("JWT_KID must not also be one of JWT_PREVIOUS_KEYS")
        if (self.admin_username is None) != (self.admin_password is None):
            raise ValueError("set both GATEWAY_ADMIN_USERNAME and GATEWAY_ADMIN_PASSWORD, or neither")
        return self

    @property
    def ephemeral_key(self) -> bool:
        return self.jwt_secret is None

    def verification_keys(self) -> dict[str, bytes]:
        """kid -> key for every key a token may be signed with; the signing key under `jwt_kid`."""
        keys = {kid: secret.get_secret_value().encode() for kid, secret in self.jwt_previous_keys.items()}
        keys[self.jwt_kid] = self.signing_key
        return keys

    @property
    def signing_key(self) -> bytes:
        if self.jwt_secret is not None:
            return self.jwt_secret.get_secret_value().encode()
        return _EPHEMERAL_KEY


_EPHEMERAL_KEY = secrets.token_bytes(32)
