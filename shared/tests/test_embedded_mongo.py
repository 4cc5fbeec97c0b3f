"""The embedded datastore process: durable, and with MongoDB's update semantics where we rely on them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from pymongo import MongoClient

from presscenter.shared.testing.embedded_mongo import EmbeddedMongo, free_port


def test_updates_keep_bson_types(embedded_mongo: EmbeddedMongo, mongo_db_name: str) -> None:
    db = MongoClient(embedded_mongo.uri, tz_aware=True)[mongo_db_name]
    now = datetime.now(UTC).replace(microsecond=0)
    db.docs.insert_one({"_id": 1, "items": [], "n": 0})
    db.docs.update_one({"_id": 1}, {"$set": {"at": now}, "$push": {"items": {"k": "a"}}, "$inc": {"n": 1}})
    db.docs.update_one({"_id": 1}, {"$push": {"items": {"k": "b"}}, "$inc": {"n": 1}})
    doc = db.docs.find_one({"_id": 1})
    assert doc is not None
    assert doc["at"] == now  # a datetime, not its string
    assert doc["items"] == [{"k": "a"}, {"k": "b"}]  # sub-documents, not JSON text
    assert db.docs.count_documents({"at": {"$lte": now + timedelta(seconds=1)}}) == 1
    db.docs.update_one({"_id": 1}, {"$pull": {"items": {"k": "a"}}, "$inc": {"n": -1}})
    doc = db.docs.find_one({"_id": 1})
    assert doc is not None and doc["items"] == [{"k": "b"}] and doc["n"] == 1
    assert db.docs.count_documents({"items.k": "b"}) == 1
    later = now + timedelta(minutes=1)
    db.docs.find_one_and_update({"_id": 1}, {"$set": {"at": later}, "$push": {"items": {"k": "c"}}})
    db.docs.update_many({"_id": 1}, {"$set": {"seen": later}})
    doc = db.docs.find_one({"_id": 1})
    assert doc is not None and doc["at"] == later and doc["seen"] == later and doc["items"][-1] == {"k": "c"}


def test_data_survives_a_restart(tmp_path: Path) -> None:
    server = EmbeddedMongo(tmp_path / "data", free_port()).start()
    try:
        MongoClient(server.uri)["durable"].things.insert_one({"_id": "x", "v": 1})
    finally:
        server.stop()
    server = EmbeddedMongo(tmp_path / "data", free_port()).start()
    try:
        assert MongoClient(server.uri)["durable"].things.find_one({"_id": "x"}) == {"_id": "x", "v": 1}
    finally:
        server.stop()
