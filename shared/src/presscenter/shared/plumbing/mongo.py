"""MongoDB through mongoengine: one connection alias per service, each its own database."""

from __future__ import annotations

import time
from typing import Any

import mongoengine
from nameko.extensions import DependencyProvider
from pymongo.database import Database

from presscenter.shared.settings import ServiceSettings


def connect(settings: ServiceSettings, alias: str | None = None) -> Database[Any]:
    """Register the mongoengine alias `alias` (default: the service name) and return its database.

    Documents of a service declare `meta = {"db_alias": "<service>"}`. Calling this twice with
    the same settings is harmless.
    """
    alias = alias or settings.service_name
    try:
        mongoengine.connection.get_connection(alias)
    except mongoengine.connection.ConnectionFailure:
        mongoengine.connect(
            db=settings.database,
            host=settings.mongo_uri,
            alias=alias,
            tz_aware=True,
            serverSelectionTimeoutMS=5_000,
            uuidRepresentation="standard",
        )
    return mongoengine.connection.get_db(alias)


def disconnect(alias: str) -> None:
    mongoengine.disconnect(alias)


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
        disconnect(self.settings.service_name)
        self.db = None

    def get_dependency(self, worker_ctx: Any) -> Database[Any]:
        assert self.db is not None, "Mongo dependency used before setup"
        return self.db
