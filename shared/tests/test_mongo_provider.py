"""The Mongo dependency provider against the embedded nx-27017 server and a real broker."""

from __future__ import annotations

from typing import Any

from nameko.rpc import rpc
from nameko.testing.services import entrypoint_hook

from presscenter.shared.plumbing.mongo import Mongo, ping
from presscenter.shared.settings import ServiceSettings


class DemoSettings(ServiceSettings):
    service_name = "demo"


class DemoService:
    name = "demo"
    db = Mongo(DemoSettings)

    @rpc
    def put(self, key: str, value: int) -> int:
        self.db.items.update_one({"_id": key}, {"$inc": {"value": value}}, upsert=True)
        return int(self.db.items.find_one({"_id": key})["value"])


def test_each_container_gets_its_configured_database(container_factory: Any, service_config: dict[str, Any]) -> None:
    container = container_factory(DemoService, service_config)
    container.start()
    with entrypoint_hook(container, "put") as put:
        assert put("a", 2) == 2
        assert put("a", 3) == 5
    provider = next(iter(container.dependencies))
    assert provider.db.name == service_config["MONGO_DB"]
    assert ping(provider.db) >= 0


def test_default_database_name_is_per_service() -> None:
    assert DemoSettings.load({}).database == "presscenter_demo"
    assert DemoSettings.load({"MONGO_DB": "x"}).database == "x"
