"""LeaseStore against the embedded nx-27017 server: one holder at a time, expiry, renewal."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from pymongo import MongoClient
from pymongo.database import Database

from presscenter.shared.plumbing.leases import LeaseStore


@pytest.fixture
def db(mongo_uri: str, mongo_db_name: str) -> Iterator[Database[Any]]:
    client: MongoClient[Any] = MongoClient(mongo_uri, tz_aware=True)
    yield client[mongo_db_name]
    client.close()


def test_only_one_of_two_owners_wins(db: Database[Any]) -> None:
    store = LeaseStore(db)
    assert store.acquire("relay", "a", ttl_s=5)
    assert not store.acquire("relay", "b", ttl_s=5)
    assert store.acquire("relay", "a", ttl_s=5), "the holder may take its own lease again"
    holder = store.holder("relay")
    assert holder is not None and holder.owner == "a"
    assert db.leases.count_documents({}) == 1


def test_competing_owners_at_once_get_exactly_one_winner(db: Database[Any]) -> None:
    import eventlet

    store = LeaseStore(db)
    pool = eventlet.GreenPool()
    results = list(pool.imap(lambda owner: (owner, store.acquire("race", owner, ttl_s=5)), [f"o{i}" for i in range(8)]))
    winners = [owner for owner, won in results if won]
    assert len(winners) == 1
    holder = store.holder("race")
    assert holder is not None and holder.owner == winners[0]


def test_after_expiry_another_owner_wins(db: Database[Any]) -> None:
    store = LeaseStore(db)
    assert store.acquire("relay", "a", ttl_s=0.2)
    assert not store.acquire("relay", "b", ttl_s=5)
    time.sleep(0.3)
    assert store.holder("relay") is None
    assert store.acquire("relay", "b", ttl_s=5)
    assert not store.renew("relay", "a", ttl_s=5), "the old holder lost it"
    holder = store.holder("relay")
    assert holder is not None and holder.owner == "b"


def test_renew_extends_the_lease(db: Database[Any]) -> None:
    store = LeaseStore(db)
    now = time.time()
    assert store.acquire("relay", "a", ttl_s=1, now=now)
    assert store.renew("relay", "a", ttl_s=10, now=now + 0.5)
    assert not store.acquire("relay", "b", ttl_s=5, now=now + 2), "renewed lease still held after the first ttl"
    assert store.acquire("relay", "b", ttl_s=5, now=now + 11)


def test_release_frees_the_lease_only_for_its_holder(db: Database[Any]) -> None:
    store = LeaseStore(db)
    assert store.acquire("relay", "a", ttl_s=30)
    assert not store.release("relay", "b")
    assert store.release("relay", "a")
    assert store.holder("relay") is None
    assert store.acquire("relay", "b", ttl_s=30)
