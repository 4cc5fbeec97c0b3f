"""The embedded datastore process: durable, and with MongoDB's update semantics where we rely on them."""

from __future__ import annotations

import socket
import struct
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import bson
from neosqlite.objectid import ObjectId as NeoObjectId
from nx_27017.utils import convert_neo_to_bson_objectids
from pymongo import DeleteOne, MongoClient, UpdateOne
from pymongo.errors import BulkWriteError

from presscenter.shared.testing.embedded_mongo import EmbeddedMongo, free_port
from presscenter.shared.testing.nx_server import _bson_ready


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


def test_pulls_and_increments_keep_every_other_element_as_it_was(
    embedded_mongo: EmbeddedMongo, mongo_db_name: str
) -> None:
    """The outbox relay's removal (`$pull` of a string, `$inc` of the counter) runs on nx's SQL tier;
    arrays holding anything but strings and numbers still go to its Python tier (see nx_server)."""
    db = MongoClient(embedded_mongo.uri, tz_aware=True)[mongo_db_name]
    now = datetime.now(UTC).replace(microsecond=0)
    entries = ['{"n":1,"body":"Hà Nội"}', '{"n":2}', '{"n":1,"body":"Hà Nội"}', "x", 7, 2.5]
    db.docs.insert_one({"_id": "strings", "_outbox": entries, "_outbox_pending": 6, "at": now, "sub": {"k": [1]}})
    mixed = ["a", True, None, {"k": 1}, [1, 2], 0, "b"]
    db.docs.insert_one({"_id": "mixed", "items": mixed, "n": 0})

    result = db.docs.update_one(
        {"_id": "strings", "_outbox": entries[0]}, {"$pull": {"_outbox": entries[0]}, "$inc": {"_outbox_pending": -2}}
    )
    db.docs.update_one({"_id": "strings"}, {"$pull": {"_outbox": 7}, "$inc": {"_outbox_pending": -1}})
    db.docs.update_one({"_id": "mixed"}, {"$pull": {"items": "a"}, "$inc": {"n": 1}})

    assert result.matched_count == 1 and result.modified_count == 1
    assert db.docs.find_one({"_id": "strings"}) == {
        "_id": "strings", "_outbox": ['{"n":2}', "x", 2.5], "_outbox_pending": 3, "at": now, "sub": {"k": [1]}
    }  # fmt: skip
    assert db.docs.find_one({"_id": "mixed"}) == {"_id": "mixed", "items": mixed[1:], "n": 1}
    assert db.docs.count_documents({"_outbox": "x"}) == 1


def test_projections_and_inserts_give_back_what_was_stored(embedded_mongo: EmbeddedMongo, mongo_db_name: str) -> None:
    """Inserts and inclusion projections skip copies nx-27017 0.8.1 made (see nx_server): what comes
    back is still what was stored, field for field."""
    db = MongoClient(embedded_mongo.uri, tz_aware=True)[mongo_db_name]
    now = datetime.now(UTC).replace(microsecond=0)
    doc = {"_id": "r-1", "data": {"history": [{"at": now, "actor": {"id": "a"}}], "title": "Thủ đô"},
           "_outbox": ["e1"], "_outbox_pending": 1, "tags": ["x", "y"]}  # fmt: skip
    db.docs.insert_many([doc, {"title": "no id given"}])

    assert db.docs.find_one({"_id": "r-1"}) == doc
    assert db.docs.find_one({"_id": "r-1"}, {"_outbox": 1, "_outbox_pending": 1}) == {
        "_id": "r-1", "_outbox": ["e1"], "_outbox_pending": 1
    }  # fmt: skip
    assert db.docs.find_one({"_id": "r-1"}, {"tags": 1, "missing": 1, "_id": 0}) == {"tags": ["x", "y"]}
    assert db.docs.find_one({"_id": "r-1"}, {"tags": 0}) == {key: v for key, v in doc.items() if key != "tags"}
    [generated] = db.docs.find({"title": "no id given"})
    assert db.docs.find_one({"_id": generated["_id"]}, {"title": 1}) == generated


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


class _Ordered(dict[str, Any]):
    """A dict subclass: nx-27017 rebuilds it as a plain dict."""


def test_replies_encode_as_nx_27017_converts_them() -> None:
    """Replies are rebuilt only where nx-27017's conversion changes something (see nx_server), and
    encode to the same BSON as its conversion of the whole reply."""
    now = datetime.now(UTC).replace(microsecond=0)
    oid = NeoObjectId()
    plain = {"_id": "r-1", "data": {"title": "Thủ đô", "n": 3, "x": 1.5, "ok": True, "none": None, "at": now,
                                    "tags": ["a", 1, [2, {"k": "v"}]], "raw": b"\x00"}}  # fmt: skip
    replies = [
        {"cursor": {"firstBatch": [plain], "id": 0, "ns": "db.c"}, "ok": 1.0},
        {"cursor": {"firstBatch": [{"_id": oid, "price": Decimal("1.10"), "refs": [oid, {"id": 0}]}], "id": 0}},
        {"id": False, "nested": {"id": 0.0, "deep": [{"id": 0}, {"id": 1}, {"id": "0"}]}, "list": [Decimal("2")]},
        {"ordered": _Ordered(a=1, id=0), "items": [_Ordered(b=oid)], "ok": 1},
        {"ok": 1, "n": 0},
    ]
    for reply in replies:
        ready = _bson_ready(reply, convert_neo_to_bson_objectids)
        assert bson.encode(ready) == bson.encode(convert_neo_to_bson_objectids(reply))
    assert _bson_ready(plain, convert_neo_to_bson_objectids) is plain  # nothing to change: not rebuilt


def test_collections_created_and_dropped_are_seen_at_once(embedded_mongo: EmbeddedMongo, mongo_db_name: str) -> None:
    """nx keeps the table list and each collection's id column until the schema changes (see nx_server)."""
    db = MongoClient(embedded_mongo.uri)[mongo_db_name]
    assert db.fresh.find_one({"_id": 1}) is None
    db.fresh.insert_one({"_id": 1, "v": "a"})
    assert db.fresh.find_one({"_id": 1}) == {"_id": 1, "v": "a"}
    db.create_collection("made")
    assert {"fresh", "made"} <= set(db.list_collection_names())
    db.fresh.drop()
    assert db.fresh.find_one({"_id": 1}) is None and "fresh" not in db.list_collection_names()
    db.fresh.insert_one({"_id": 2, "v": "b"})
    assert db.fresh.find_one({"_id": 2}) == {"_id": 2, "v": "b"} and db.fresh.count_documents({}) == 1
    db.made.insert_one({"_id": 3})
    assert db.made.find_one({"_id": 3}) == {"_id": 3}


def test_batched_writes_keep_per_document_outcomes(embedded_mongo: EmbeddedMongo, mongo_db_name: str) -> None:
    """A several-document insert, update or delete runs in one SQLite transaction (see nx_server):
    a refused document undoes only itself, what came before it stays, and every outcome is as
    MongoDB reports it; the data is there for a client that reconnects."""
    client = MongoClient(embedded_mongo.uri)
    docs = client[mongo_db_name].batched
    docs.insert_many([{"_id": n, "v": n} for n in range(3)])
    try:
        docs.insert_many([{"_id": 10}, {"_id": 1}, {"_id": 11}], ordered=False)
    except BulkWriteError as refused:
        assert refused.details["nInserted"] == 2
        assert [error["index"] for error in refused.details["writeErrors"]] == [1]
    else:
        raise AssertionError("a duplicate _id was not refused")
    try:
        docs.insert_many([{"_id": 20}, {"_id": 2}, {"_id": 21}], ordered=True)
    except BulkWriteError as refused:
        assert refused.details["nInserted"] == 1
    else:
        raise AssertionError("a duplicate _id was not refused")
    result = docs.bulk_write([UpdateOne({"_id": n}, {"$inc": {"v": 100}}) for n in (0, 1, 99)])
    assert (result.matched_count, result.modified_count) == (2, 2)
    assert docs.bulk_write([DeleteOne({"_id": 10}), DeleteOne({"_id": 11})]).deleted_count == 2
    client.close()

    again = MongoClient(embedded_mongo.uri)[mongo_db_name].batched
    assert sorted((d["_id"], d.get("v")) for d in again.find({})) == [(0, 100), (1, 101), (2, 2), (20, None)]
    assert again.database.client.admin.command("ping")["ok"] == 1
