"""API tokens and refresh-token families in the datastore; secrets only as SHA-256 hashes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING

from presscenter.gateway.auth.datastore import AuthDatastore
from presscenter.gateway.auth.records import ApiTokenRecord


def _date(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


class ApiTokenStore:
    def __init__(self, datastore: AuthDatastore) -> None:
        self._tokens = datastore.api_tokens

    async def insert(self, record: ApiTokenRecord) -> None:
        await self._tokens.insert_one(record.to_document())

    async def by_id(self, token_id: str) -> ApiTokenRecord | None:
        document = await self._tokens.find_one({"_id": token_id})
        return ApiTokenRecord.from_document(document) if document else None

    async def of_account(self, account_id: str) -> list[ApiTokenRecord]:
        cursor = self._tokens.find({"account_id": account_id}).sort("created_at", ASCENDING)
        return [ApiTokenRecord.from_document(document) async for document in cursor]

    async def revoke(self, token_id: str, now: float) -> bool:
        """Revoke once; False when there is no such token. Revoking again keeps the first date."""
        result = await self._tokens.update_one(
            {"_id": token_id, "revoked": False}, {"$set": {"revoked": True, "revoked_at": now}}
        )
        return result.matched_count == 1 or await self._tokens.count_documents({"_id": token_id}) == 1

    async def touch(self, token_id: str, now: float) -> None:
        await self._tokens.update_one({"_id": token_id}, {"$set": {"last_used_at": now}})


@dataclass(frozen=True)
class RefreshToken:
    """One refresh token: `state` is active until it is used (rotated) or its family is revoked."""

    hash: str
    family_id: str
    account_id: str
    state: str
    expires_at: float

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> RefreshToken:
        return cls(
            hash=document["_id"],
            family_id=document["family_id"],
            account_id=document["account_id"],
            state=document["state"],
            expires_at=float(document["expires_at"]),
        )


class RefreshTokenStore:
    """A family is one login session; each refresh consumes a token and adds the next one to the family."""

    def __init__(self, datastore: AuthDatastore) -> None:
        self._families = datastore.refresh_families
        self._tokens = datastore.refresh_tokens

    async def start_family(self, family_id: str, account_id: str, now: float, expires_at: float) -> None:
        await self._families.insert_one(
            {
                "_id": family_id,
                "account_id": account_id,
                "created_at": now,
                "revoked": False,
                "revoked_at": None,
                "expire_at": _date(expires_at),
            }
        )

    async def add(self, token_hash: str, family_id: str, account_id: str, now: float, expires_at: float) -> None:
        await self._tokens.insert_one(
            {
                "_id": token_hash,
                "family_id": family_id,
                "account_id": account_id,
                "state": "active",
                "issued_at": now,
                "used_at": None,
                "expires_at": expires_at,
                "expire_at": _date(expires_at),
            }
        )
        # the family lives as long as its newest token
        await self._families.update_one({"_id": family_id}, {"$set": {"expire_at": _date(expires_at)}})

    async def consume(self, token_hash: str, now: float) -> RefreshToken | None:
        """Mark an active token used, atomically; None when it is not active (unknown, used or revoked)."""
        document = await self._tokens.find_one_and_update(
            {"_id": token_hash, "state": "active"}, {"$set": {"state": "used", "used_at": now}}
        )
        return RefreshToken.from_document(document) if document else None

    async def find(self, token_hash: str) -> RefreshToken | None:
        document = await self._tokens.find_one({"_id": token_hash})
        return RefreshToken.from_document(document) if document else None

    async def family_active(self, family_id: str) -> bool:
        document = await self._families.find_one({"_id": family_id}, {"revoked": 1})
        return document is not None and not document["revoked"]

    async def revoke_family(self, family_id: str, now: float) -> None:
        await self._families.update_one({"_id": family_id}, {"$set": {"revoked": True, "revoked_at": now}})
        await self._tokens.update_many({"family_id": family_id, "state": "active"}, {"$set": {"state": "revoked"}})

    async def revoke_account(self, account_id: str, now: float) -> None:
        """End every session of an account (deactivation, password reset)."""
        await self._families.update_many(
            {"account_id": account_id, "revoked": False}, {"$set": {"revoked": True, "revoked_at": now}}
        )
        await self._tokens.update_many({"account_id": account_id, "state": "active"}, {"$set": {"state": "revoked"}})
