"""Nonces of signed webhooks already accepted, in the gateway's own datastore (collection
`webhook_nonces`), so a replayed request is refused by every replica.

One document per `(sender, nonce)`, `_id` = `<sender>:<nonce>`, inserted once: a second insert of
the same id is the replay. `expire_at` (a date, for the TTL index only) lies `retention_s` beyond
the end of the request's tolerance window, so a nonce is never forgotten while a request carrying
it could still pass the timestamp check. Only requests whose signature and timestamp passed reach
this store (`presscenter.shared.signing.verify` orders its checks so), so forgers cannot fill it.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

COLLECTION = "webhook_nonces"


class WebhookNonceStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]], retention_s: float, collection: str = COLLECTION) -> None:
        self.db = db
        self.collection = db[collection]
        self.retention_s = retention_s
        self._indexed = False
        self._index_lock = asyncio.Lock()

    async def ensure_indexes(self) -> None:
        """The TTL index (once per store object; creating an existing index is a no-op on the server)."""
        if self._indexed:
            return
        async with self._index_lock:
            if not self._indexed:
                await self.collection.create_index([("expire_at", ASCENDING)], expireAfterSeconds=0, name="ttl")
                self._indexed = True

    async def remember(self, sender: str, nonce: str, valid_until: float, now: float) -> bool:
        """Record `nonce` of `sender`, usable until `valid_until` (unix seconds); False when already recorded."""
        await self.ensure_indexes()
        expire_at = datetime.fromtimestamp(valid_until + self.retention_s, UTC)
        document = {"_id": f"{sender}:{nonce}", "sender": sender, "seen_at": now, "expire_at": expire_at}
        try:
            await self.collection.insert_one(document)
        except DuplicateKeyError:
            return False
        return True

    async def forget(self, sender: str, nonce: str) -> None:
        """Let the same signed request be sent again (the gateway could not hand it on)."""
        await self.collection.delete_one({"_id": f"{sender}:{nonce}"})
