"""What the gateway's datastore holds about accounts and API tokens."""

from __future__ import annotations

import unicodedata
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from presscenter.gateway.auth.roles import Role


def normalise_username(username: str) -> str:
    """One spelling per login name: NFKC, trimmed, case-folded (emails and names alike)."""
    return unicodedata.normalize("NFKC", username).strip().casefold()


class Account(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    username: str
    display_name: str | None = None
    role: Role
    outlet: str | None = None
    embargo_entitled: bool = False
    unit_code: str | None = None
    active: bool = True
    password_hash: str | None = Field(default=None, repr=False)
    created_at: float
    updated_at: float

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> Account:
        return cls.model_validate({**document, "id": document["_id"]})

    def to_document(self) -> dict[str, Any]:
        document = self.model_dump(exclude={"id"})
        document["_id"] = self.id
        return document

    def access_claims(self) -> dict[str, Any]:
        """The identity an access token carries."""
        return {
            "sub": self.id,
            "preferred_username": self.username,
            "role": self.role,
            "unit_code": self.unit_code,
            "outlet": self.outlet,
            "embargo_entitled": self.embargo_entitled,
        }


class ApiTokenRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    account_id: str
    name: str
    token_hash: str = Field(repr=False)
    scopes: tuple[str, ...] = ("*",)
    created_at: float
    created_by: str | None = None
    expires_at: float
    revoked_at: float | None = None
    last_used_at: float | None = None

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> ApiTokenRecord:
        return cls.model_validate({**document, "id": document["_id"]})

    def to_document(self) -> dict[str, Any]:
        document = self.model_dump(exclude={"id"})
        document["_id"] = self.id
        document["scopes"] = list(self.scopes)
        document["revoked"] = self.revoked_at is not None
        return document

    def usable_at(self, now: float) -> bool:
        return self.revoked_at is None and now < self.expires_at
