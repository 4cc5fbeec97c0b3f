"""Idempotent handling: the processed-event store (pymongo only) and `handle_event` deduplication.

Everything runs against the embedded nx-27017 server and the real broker; no mocks.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import eventlet
import pytest
from nameko.exceptions import ConfigurationError
from pymongo import MongoClient
from pymongo.database import Database

from presscenter.shared.events import EventEnvelope, utcnow
from presscenter.shared.plumbing.consuming import handle_event, settings_class_for
from presscenter.shared.plumbing.idempotency import COLLECTION, Claim, ProcessedEvents
from presscenter.shared.plumbing.mongo import Mongo
from presscenter.shared.settings import ServiceSettings
from presscenter.shared.testing.incidents import INCIDENT_EVENT as EVENT
from presscenter.shared.testing.incidents import incident as any_incident
from presscenter.shared.testing.incidents import publish_to_departments as publish


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        eventlet.sleep(0.02)


# -- the store, without nameko ------------------------------------------------------------------


@pytest.fixture
def db(mongo_uri: str, mongo_db_name: str) -> Iterator[Database[Any]]:
    client: MongoClient[Any] = MongoClient(mongo_uri, tz_aware=True, uuidRepresentation="standard")
    yield client[mongo_db_name]
    client.close()


def test_claim_complete_skip_and_release(db: Database[Any]) -> None:
    store = ProcessedEvents(db)
    event_id = uuid.uuid4()
    assert store.claim("svc.a", event_id, lease_seconds=30) is Claim.CLAIMED
    assert store.claim("svc.a", event_id, lease_seconds=30) is Claim.BUSY  # a concurrent copy waits
    assert not store.is_processed("svc.a", event_id)
    # another handler of the same event is independent
    assert store.claim("svc.b", event_id, lease_seconds=30) is Claim.CLAIMED

    store.complete("svc.a", event_id)
    assert store.is_processed("svc.a", event_id)
    assert store.claim("svc.a", event_id, lease_seconds=30) is Claim.DONE

    store.release("svc.b", event_id)  # the handler failed: a retry may claim it again
    assert store.claim("svc.b", event_id, lease_seconds=30) is Claim.CLAIMED
    store.release("svc.a", event_id)  # releasing never forgets a done event
    assert store.claim("svc.a", event_id, lease_seconds=30) is Claim.DONE
    assert db[COLLECTION].find_one({"_id": f"svc.a:{event_id}"})["state"] == "done"


def test_an_expired_claim_is_taken_over(db: Database[Any]) -> None:
    store = ProcessedEvents(db)
    event_id = uuid.uuid4()
    assert store.claim("svc.a", event_id, lease_seconds=30) is Claim.CLAIMED
    assert store.claim("svc.a", event_id, lease_seconds=30) is Claim.BUSY
    # its worker died and the lease ran out (nx-27017 compares dates in whole seconds: go well back)
    db[COLLECTION].update_one({"_id": f"svc.a:{event_id}"}, {"$set": {"lease_until": utcnow() - timedelta(seconds=10)}})
    assert store.claim("svc.a", event_id, lease_seconds=30) is Claim.CLAIMED
    assert store.claim("svc.a", event_id, lease_seconds=30) is Claim.BUSY


def test_record_without_claim(db: Database[Any]) -> None:
    store = ProcessedEvents(db)
    event_id = uuid.uuid4()
    store.record("svc.a", event_id)
    assert store.is_processed("svc.a", event_id)
    assert store.claim("svc.a", event_id, lease_seconds=30) is Claim.DONE


def test_ttl_index_follows_the_setting(db: Database[Any]) -> None:
    store = ProcessedEvents(db)
    store.ensure_indexes(14)
    assert store.ttl_seconds() == 14 * 86_400
    store.ensure_indexes(14)  # idempotent
    store.ensure_indexes(3)  # a changed setting replaces the index
    assert store.ttl_seconds() == 3 * 86_400
    on_processed_at = [
        i for i in db[COLLECTION].index_information().values() if [tuple(k) for k in i["key"]] == [("processed_at", 1)]
    ]
    assert len(on_processed_at) == 1


# -- handle_event deduplicates ------------------------------------------------------------------


def incident(title: str = "water main burst", event_id: uuid.UUID | None = None) -> EventEnvelope[Any]:
    return any_incident(title, external_id="inc-1", event_id=event_id)


class IdemSettings(ServiceSettings):
    service_name = "idem"


class IdemService:
    name = "idem"
    db = Mongo(IdemSettings)

    @handle_event("departments", EVENT)
    def count(self, event: EventEnvelope[Any]) -> None:
        eventlet.sleep(0.1)  # long enough for a duplicate to arrive while this one runs
        self.db.effects.insert_one({"handler": "count", "event_id": str(event.event_id)})

    @handle_event("departments", EVENT)
    def audit(self, event: EventEnvelope[Any]) -> None:
        self.db.effects.insert_one({"handler": "audit", "event_id": str(event.event_id)})


@pytest.fixture
def idem(container_factory: Any, service_config: dict[str, Any]) -> Any:
    container = container_factory(IdemService, {**service_config, "PROCESSED_EVENT_TTL_DAYS": 3})
    container.start()
    return container


def test_same_event_twice_has_one_effect(
    idem: Any, service_config: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="presscenter.shared.plumbing.consuming")
    client: MongoClient[Any] = MongoClient(service_config["MONGO_URI"], tz_aware=True)
    db = client[service_config["MONGO_DB"]]
    first, other = incident(), incident("another incident")
    publish(service_config["AMQP_URI"], first)
    publish(service_config["AMQP_URI"], first)  # redelivered while the first copy is still being handled
    publish(service_config["AMQP_URI"], other)

    def skipped(event_id: uuid.UUID) -> int:
        return sum(1 for r in caplog.records if "already handled" in r.getMessage() and str(event_id) in r.getMessage())

    wait_for(lambda: db.effects.count_documents({}) >= 4 and skipped(first.event_id) >= 2)
    eventlet.sleep(0.3)  # nothing else may arrive
    for handler in ("count", "audit"):
        assert db.effects.count_documents({"handler": handler, "event_id": str(first.event_id)}) == 1
        assert db.effects.count_documents({"handler": handler, "event_id": str(other.event_id)}) == 1
    assert db.effects.count_documents({}) == 4
    # each handler remembers it separately
    assert db[COLLECTION].count_documents({"state": "done"}) == 4
    assert db[COLLECTION].find_one({"_id": f"idem.count:{first.event_id}"})["state"] == "done"

    publish(service_config["AMQP_URI"], first)  # much later: still one effect
    wait_for(lambda: skipped(first.event_id) >= 4)
    assert db.effects.count_documents({"event_id": str(first.event_id)}) == 2
    client.close()


def test_entrypoint_creates_the_ttl_index_from_settings(idem: Any, service_config: dict[str, Any]) -> None:
    client: MongoClient[Any] = MongoClient(service_config["MONGO_URI"])
    store = ProcessedEvents(client[service_config["MONGO_DB"]])
    assert store.ttl_seconds() == 3 * 86_400
    client.close()


def test_the_entrypoint_finds_the_settings_class() -> None:
    class Other(ServiceSettings):
        service_name = "other"

    class Plain:
        pass

    class Explicit:
        settings_cls = Other

    assert settings_class_for(Plain, [Mongo(IdemSettings)]) is IdemSettings  # from the Mongo provider
    assert settings_class_for(Plain, [Mongo(IdemSettings), Mongo(IdemSettings)]) is IdemSettings
    assert settings_class_for(Explicit, [Mongo(IdemSettings)]) is Other  # the service's own wins
    with pytest.raises(ConfigurationError, match="settings_cls"):
        settings_class_for(Plain, [])
    with pytest.raises(ConfigurationError, match="IdemSettings, Other"):
        settings_class_for(Plain, [Mongo(IdemSettings), Mongo(Other)])
