"""Request and response bodies of the auth and admin endpoints."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from presscenter.gateway.auth.passwords import MAX_PASSWORD_LENGTH
from presscenter.gateway.auth.principal import AuthMethod
from presscenter.gateway.auth.records import Account, ApiTokenRecord, normalise_username
from presscenter.gateway.auth.roles import Role
from presscenter.shared.events.common import UnitCode

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@+-]{2,127}$")


def _moment(epoch: float | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC)


Scope = Annotated[str, Field(pattern=r"^(\*|[a-z][a-z0-9_.-]{0,40}(:[a-z][a-z0-9_.-]{0,40})?)$")]


class StrictBody(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TokenResponse(BaseModel):
    """RFC 6749 §5.1 access token response, plus the refresh token's lifetime."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds the access token stays valid.")
    refresh_token: str = Field(description="Opaque, single use: each refresh returns the next one.")
    refresh_expires_in: int

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "access_token": "eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIiwidHlwIjoiYXQrand0In0.e30.sig",
                    "token_type": "bearer",
                    "expires_in": 600,
                    "refresh_token": "pcr_3mJr7AoUXx7Wqd0QW8uBq2ZC2eJx6c2u1bXoqJbK7hY",
                    "refresh_expires_in": 1209600,
                }
            ]
        }
    )


class RefreshRequest(StrictBody):
    refresh_token: str = Field(min_length=1, max_length=1024)


class Me(BaseModel):
    id: str
    username: str | None
    display_name: str | None = None
    role: Role
    unit_code: str | None
    outlet: str | None
    embargo_entitled: bool
    auth: AuthMethod
    scopes: list[str]


class NewAccount(StrictBody):
    """An account to create. Human roles log in with a password; `system` accounts use API tokens only."""

    username: str = Field(min_length=3, max_length=128, description="Login name or email; stored case-folded.")
    password: SecretStr | None = Field(default=None, max_length=MAX_PASSWORD_LENGTH)
    role: Role
    display_name: str | None = Field(default=None, max_length=200)
    outlet: str | None = Field(default=None, min_length=1, max_length=200, description="Journalists only: required.")
    embargo_entitled: bool = Field(default=False, description="Journalists only.")
    unit_code: UnitCode | None = Field(default=None, description="Unit officers (required) and systems.")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "username": "lan.nguyen@vnexpress.example",
                    "password": "correct horse battery staple",
                    "role": "journalist",
                    "display_name": "Nguyễn Thị Lan",
                    "outlet": "VnExpress",
                    "embargo_entitled": True,
                }
            ]
        }
    )

    @field_validator("username")
    @classmethod
    def _normalise(cls, value: str) -> str:
        value = normalise_username(value)
        if not USERNAME_PATTERN.match(value):
            raise ValueError("3-128 characters: letters, digits and . _ @ + -, starting with a letter or digit")
        return value

    @model_validator(mode="after")
    def _fits_role(self) -> NewAccount:
        if self.role == "system":
            if self.password is not None:
                raise ValueError("system accounts authenticate with API tokens, not passwords")
        elif self.password is None:
            raise ValueError(f"a {self.role} account needs a password")
        if self.role == "journalist" and not self.outlet:
            raise ValueError("a journalist account needs an outlet")
        if self.role != "journalist" and (self.outlet is not None or self.embargo_entitled):
            raise ValueError("outlet and embargo_entitled are for journalists only")
        if self.role == "unit_officer" and not self.unit_code:
            raise ValueError("a unit_officer account needs a unit_code")
        if self.role not in ("unit_officer", "system") and self.unit_code is not None:
            raise ValueError("unit_code is for unit officers and systems only")
        return self


class AccountOut(BaseModel):
    id: str
    username: str
    display_name: str | None
    role: Role
    outlet: str | None
    embargo_entitled: bool
    unit_code: str | None
    active: bool
    has_password: bool
    created_at: AwareDatetime
    updated_at: AwareDatetime

    @classmethod
    def of(cls, account: Account) -> AccountOut:
        fields = account.model_dump(exclude={"password_hash", "created_at", "updated_at"})
        return cls(
            **fields,
            has_password=account.password_hash is not None,
            created_at=_moment(account.created_at),
            updated_at=_moment(account.updated_at),
        )


class AccountPage(BaseModel):
    items: list[AccountOut]
    next_after: str | None = Field(description="Pass as `after` for the next page; null on the last page.")


class PasswordReset(StrictBody):
    password: SecretStr = Field(max_length=MAX_PASSWORD_LENGTH)


class NewApiToken(StrictBody):
    account_id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=100, description="What uses it, e.g. 'district-3 CMS'.")
    scopes: list[Scope] = Field(default_factory=lambda: ["*"], min_length=1, max_length=32)
    expires_in_days: int = Field(default=365, ge=1)


class ApiTokenOut(BaseModel):
    id: str
    account_id: str
    name: str
    scopes: list[str]
    created_at: AwareDatetime
    created_by: str | None
    expires_at: AwareDatetime
    revoked_at: AwareDatetime | None
    last_used_at: AwareDatetime | None = Field(description="Written at most once a minute.")

    @classmethod
    def of(cls, record: ApiTokenRecord) -> ApiTokenOut:
        times = ("created_at", "expires_at", "revoked_at", "last_used_at")
        fields = record.model_dump(exclude={"token_hash", *times})
        return cls(**fields, **{name: _moment(getattr(record, name)) for name in times})


class IssuedApiToken(ApiTokenOut):
    token: str = Field(description="The secret, shown this once: only its hash is kept.")
