"""The embedded datastore process: durable, and with MongoDB's update semantics where we rely on them."""

from __future__ import annotations

import socket
import struct
from concurrent.futures import ThreadPoolExecutor
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


def test_commands_of_many_clients_interleave_and_a_half_sent_message_blocks_nobody(
    embedded_mongo: EmbeddedMongo, mongo_db_name: str
) -> None:
    """Commands run on the server's event loop (see `presscenter.shared.testing.nx_server`): clients
    in parallel each get their own answers, and one stalled mid-message holds nobody up."""
    stalled = socket.create_connection(("127.0.0.1", embedded_mongo.port))
    stalled.sendall(struct.pack("<i", 200) + b"\x01\x00")  # a header promising 200 bytes, then silence

    def work(worker: int) -> list[int]:
        client = MongoClient(embedded_mongo.uri, maxPoolSize=2)
        docs = client[mongo_db_name].interleaved
        try:
            for n in range(50):
                docs.insert_one({"_id": f"{worker}-{n}", "worker": worker, "n": n})
            return sorted(doc["n"] for doc in docs.find({"worker": worker}))
        finally:
            client.close()

    try:
        with ThreadPoolExecutor(max_workers=6) as pool:
            results = list(pool.map(work, range(6)))
        assert results == [list(range(50))] * 6
    finally:
        stalled.close()
