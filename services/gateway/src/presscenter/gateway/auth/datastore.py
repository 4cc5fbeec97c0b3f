"""The gateway's own MongoDB datastore: the client, the collections and their indexes."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from presscenter.gateway.auth.settings import AuthSettings

Document = dict[str, Any]


class AuthDatastore:
    """Collections: accounts, api_tokens, refresh_families, refresh_tokens, login_throttle."""

    def __init__(self, client: AsyncMongoClient[Document], database: str) -> None:
        self.client = client
        self.db: AsyncDatabase[Document] = client[database]

    @classmethod
    def connect(cls, settings: AuthSettings) -> AuthDatastore:
        """A client for `settings` (it connects lazily, on the first command)."""
        timeout_ms = int(settings.mongo_timeout_seconds * 1000)
        client: AsyncMongoClient[Document] = AsyncMongoClient(
            settings.mongo_uri.get_secret_value(),
            tz_aware=True,
            appname="gateway-auth",
            serverSelectionTimeoutMS=timeout_ms,
            connectTimeoutMS=timeout_ms,
            socketTimeoutMS=timeout_ms,
        )
        return cls(client, settings.mongo_db)

    @property
    def accounts(self) -> AsyncCollection[Document]:
        return self.db["accounts"]

    @property
    def api_tokens(self) -> AsyncCollection[Document]:
        return self.db["api_tokens"]

    @property
    def refresh_families(self) -> AsyncCollection[Document]:
        return self.db["refresh_families"]

    @property
    def refresh_tokens(self) -> AsyncCollection[Document]:
        return self.db["refresh_tokens"]

    @property
    def login_throttle(self) -> AsyncCollection[Document]:
        return self.db["login_throttle"]

    async def ensure_indexes(self) -> None:
        await self.accounts.create_index([("username", ASCENDING)], unique=True, name="username_unique")
        await self.accounts.create_index([("role", ASCENDING)], name="role")
        await self.api_tokens.create_index([("account_id", ASCENDING)], name="account")
        await self.refresh_families.create_index([("account_id", ASCENDING)], name="account")
        await self.refresh_tokens.create_index([("family_id", ASCENDING)], name="family")
        # `expire_at` (a date, only for TTL): the server forgets refresh state and throttle windows by itself.
        for collection in (self.refresh_families, self.refresh_tokens, self.login_throttle):
            await collection.create_index([("expire_at", ASCENDING)], expireAfterSeconds=0, name="ttl")

    async def ping(self) -> None:
        """Raise unless the server answers."""
        await self.db.command("ping")

    async def close(self) -> None:
        await self.client.close()
