"""LeaseStore against the embedded nx-27017 server: one holder at a time, expiry, renewal."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from pymongo import MongoClient
from pymongo.database import Database

from presscenter.shared.plumbing.leases import KeptLease, LeaseStore


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
    assert not store.acquire("relay", "a", ttl_s=5), "the old holder lost it"
    holder = store.holder("relay")
    assert holder is not None and holder.owner == "b"


def test_taking_its_own_lease_again_extends_it(db: Database[Any]) -> None:
    store = LeaseStore(db)
    now = time.time()
    assert store.acquire("relay", "a", ttl_s=1, now=now)
    assert store.acquire("relay", "a", ttl_s=10, now=now + 0.5)
    assert not store.acquire("relay", "b", ttl_s=5, now=now + 2), "extended lease still held after the first ttl"
    assert store.acquire("relay", "b", ttl_s=5, now=now + 11)


def test_release_frees_the_lease_only_for_its_holder(db: Database[Any]) -> None:
    store = LeaseStore(db)
    assert store.acquire("relay", "a", ttl_s=30)
    assert not store.release("relay", "b")
    assert store.release("relay", "a")
    assert store.holder("relay") is None
    assert store.acquire("relay", "b", ttl_s=30)


class CountingStore(LeaseStore):
    """A real `LeaseStore` that counts how often the datastore is asked for the lease."""

    asked = 0

    def acquire(self, name: str, owner: str, ttl_s: float, now: float | None = None) -> bool:
        CountingStore.asked += 1
        return super().acquire(name, owner, ttl_s, now)


def test_a_kept_lease_is_asked_for_again_after_a_third_of_its_ttl_or_on_another_datastore(
    db: Database[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [100.0]
    monkeypatch.setattr("presscenter.shared.plumbing.leases.time.monotonic", lambda: clock[0])
    mine, theirs = KeptLease("clock", "me", ttl_s=3.0), KeptLease("clock", "them", ttl_s=3.0)
    CountingStore.asked = 0
    assert mine.held(CountingStore(db)) and CountingStore.asked == 1
    clock[0] += 1.0  # a third of the ttl: held without asking
    assert mine.held(CountingStore(db)) and CountingStore.asked == 1
    assert not theirs.held(CountingStore(db)) and CountingStore.asked == 2
    clock[0] += 0.5
    assert mine.held(CountingStore(db)) and CountingStore.asked == 3  # confirmed in the datastore
    other: Any = db.client[f"{db.name}_other"]
    assert mine.held(CountingStore(other)) and CountingStore.asked == 4
    assert not theirs.held(CountingStore(other)) and CountingStore.asked == 5  # refused: asked each time
    assert not theirs.held(CountingStore(other)) and CountingStore.asked == 6
    assert mine.release(CountingStore(other))  # given up: the next question goes to the datastore
    assert theirs.held(CountingStore(other)) and not mine.held(CountingStore(other))
    assert CountingStore.asked == 8
