"""Accounts in the datastore: unique normalised usernames, activation, password hashes."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from presscenter.gateway.auth.datastore import AuthDatastore
from presscenter.gateway.auth.records import Account
from presscenter.gateway.auth.roles import Role


class UsernameTaken(Exception):
    pass


class AccountStore:
    def __init__(self, datastore: AuthDatastore) -> None:
        self._accounts = datastore.accounts

    async def insert(self, account: Account) -> None:
        try:
            await self._accounts.insert_one(account.to_document())
        except DuplicateKeyError as exc:
            raise UsernameTaken(account.username) from exc

    async def by_id(self, account_id: str) -> Account | None:
        document = await self._accounts.find_one({"_id": account_id})
        return Account.from_document(document) if document else None

    async def by_username(self, username: str) -> Account | None:
        document = await self._accounts.find_one({"username": username})
        return Account.from_document(document) if document else None

    async def list(
        self, *, role: Role | None = None, active: bool | None = None, after: str | None = None, limit: int = 50
    ) -> list[Account]:
        """Accounts ordered by username, the page after username `after`."""
        query: dict[str, Any] = {}
        if role is not None:
            query["role"] = role
        if active is not None:
            query["active"] = active
        if after is not None:
            query["username"] = {"$gt": after}
        cursor = self._accounts.find(query).sort("username", ASCENDING).limit(limit)
        return [Account.from_document(document) async for document in cursor]

    async def update(self, account_id: str, changes: dict[str, Any], now: float) -> Account | None:
        document = await self._accounts.find_one_and_update(
            {"_id": account_id}, {"$set": {**changes, "updated_at": now}}, return_document=ReturnDocument.AFTER
        )
        return Account.from_document(document) if document else None

    async def replace_hash_if_unchanged(self, account_id: str, old_hash: str, new_hash: str, now: float) -> None:
        """Upgrade a hash to the current argon2 parameters unless the password changed meanwhile."""
        await self._accounts.update_one(
            {"_id": account_id, "password_hash": old_hash}, {"$set": {"password_hash": new_hash, "updated_at": now}}
        )
