"""The batched department intake (`ReleasesApp.intake_many`) on the embedded datastore: one insert
for many submissions, each judged on its own, re-deliveries and resubmissions without a second
release or a second `release_submitted`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import mongoengine
import pytest
from pymongo import MongoClient
from pymongo.database import Database

from presscenter.releases.app import ReleasesApp, intake_release_id
from presscenter.releases.repository import ReleaseRepository
from presscenter.releases.settings import ReleasesSettings
from presscenter.shared.directory.store import UnitDirectory
from presscenter.shared.events import EventEnvelope, build_event
from presscenter.shared.plumbing.mongo import connect
from presscenter.shared.rpc.errors import InvalidInput
from presscenter.shared.testing.clock import FakeClock


@pytest.fixture
def db(mongo_uri: str, mongo_db_name: str) -> Iterator[Database[Any]]:
    connect(ReleasesSettings(mongo_uri=mongo_uri, mongo_db=mongo_db_name))
    client: MongoClient[Any] = MongoClient(mongo_uri, tz_aware=True)
    try:
        yield client[mongo_db_name]
    finally:
        client.close()
        mongoengine.disconnect("releases")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 12, 1, 1, 0, tzinfo=UTC))


@pytest.fixture
def app(db: Database[Any], clock: FakeClock) -> ReleasesApp:
    return ReleasesApp(ReleaseRepository(), UnitDirectory(db), clock)


def submission(external_id: str, unit: str = "so-yte", **extra: Any) -> EventEnvelope[Any]:
    payload = {"external_id": external_id, "unit_code": unit, "title": f"Thông báo {external_id}",
               "body": "Nội dung.", **extra}  # fmt: skip
    return build_event("department_release_submitted", payload, source="so-yte")


def submitted_events(db: Database[Any]) -> list[str]:
    """The release ids of every `release_submitted` waiting in the outbox."""
    return [
        json.loads(json.loads(raw)["body"])["payload"]["release"]["release_id"]
        for doc in db.releases.find({}, {"_outbox": 1})
        for raw in doc.get("_outbox", [])
    ]


def test_a_batch_stores_each_submission_once_and_reports_only_real_failures(
    app: ReleasesApp, db: Database[Any], clock: FakeClock
) -> None:
    embargo = (clock() + timedelta(hours=1)).isoformat()
    late = submission("late", embargoed_until=embargo)
    assert app.intake_many([late]) == {}
    clock.now += timedelta(hours=2)  # its embargo has passed: a re-delivery now would be invalid
    fresh = [submission(f"n-{i}") for i in range(20)]
    again = submission("n-3")  # a resubmission of n-3 with a new event id
    unknown = submission("x-1", unit="no-such-unit")
    bad_times = submission("x-2", embargoed_until=(clock() - timedelta(minutes=1)).isoformat())

    failures = app.intake_many([*fresh, again, late, unknown, bad_times, fresh[0]])

    assert set(failures) == {str(unknown.event_id), str(bad_times.event_id)}
    assert all(isinstance(error, InvalidInput) for error in failures.values())
    expected = {intake_release_id("so-yte", e) for e in ["late", *(f"n-{i}" for i in range(20))]}
    assert {doc["_id"] for doc in db.releases.find({}, {"_id": 1})} == expected
    events = submitted_events(db)
    assert sorted(events) == sorted(expected)  # one release_submitted per release


def test_an_empty_batch_writes_nothing(app: ReleasesApp, db: Database[Any]) -> None:
    assert app.intake_many([]) == {}
    assert db.releases.count_documents({}) == 0
