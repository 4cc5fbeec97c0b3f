"""MongoDB through mongoengine and pymongo: each service its own database.

`open_client` is the one place MongoClient options are chosen; `connect` registers the
service's mongoengine alias (documents declare `meta = {"db_alias": "<service>"}`).
"""

from __future__ import annotations

import time
from typing import Any

import mongoengine
from nameko.extensions import DependencyProvider
from pymongo import MongoClient
from pymongo.database import Database

from presscenter.shared.settings import ServiceSettings

CLIENT_OPTIONS: dict[str, Any] = {
    "tz_aware": True,
    "uuidRepresentation": "standard",
    "serverSelectionTimeoutMS": 5_000,
}


def open_client(settings: ServiceSettings) -> MongoClient[Any]:
    """A new pooled client for the service's datastore; the caller closes it."""
    return MongoClient(settings.mongo_uri, **CLIENT_OPTIONS)


def connect(settings: ServiceSettings, alias: str | None = None) -> Database[Any]:
    """Register the mongoengine alias (default: the service name) for `settings` and return its database.

    Re-registers the alias when it points at another URI or database (tests give each container
    its own database); calling it twice with the same settings reuses the connection.
    """
    alias = alias or settings.service_name
    try:
        db = mongoengine.connection.get_db(alias)
        current = mongoengine.connection._connection_settings.get(alias, {})
        if db.name == settings.database and current.get("host") in (settings.mongo_uri, [settings.mongo_uri]):
            return db
        mongoengine.disconnect(alias)
    except mongoengine.connection.ConnectionFailure:
        pass
    mongoengine.connect(db=settings.database, host=settings.mongo_uri, alias=alias, **CLIENT_OPTIONS)
    return mongoengine.connection.get_db(alias)


def ping(db: Database[Any]) -> float:
    """Round trip to the datastore in milliseconds; raises when it is unreachable."""
    start = time.perf_counter()
    db.client.admin.command("ping")
    return (time.perf_counter() - start) * 1000


class Mongo(DependencyProvider):
    """Injects the service's pymongo `Database`; mongoengine documents use the same alias."""

    def __init__(self, settings_cls: type[ServiceSettings]):
        self.settings_cls = settings_cls
        self.db: Database[Any] | None = None

    def setup(self) -> None:
        self.settings = self.settings_cls.load()
        self.db = connect(self.settings)

    def stop(self) -> None:
        self._disconnect()

    def kill(self) -> None:
        self._disconnect()

    def _disconnect(self) -> None:
        if self.db is not None:
            mongoengine.disconnect(self.settings.service_name)
            self.db = None

    def get_dependency(self, worker_ctx: Any) -> Database[Any]:
        assert self.db is not None, "Mongo dependency used before setup"
        return self.db
