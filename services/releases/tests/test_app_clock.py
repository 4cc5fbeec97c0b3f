"""The releases app's clock on the embedded datastore, with an injectable clock."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import mongoengine
import pytest
from pymongo import MongoClient

from presscenter.releases import app as app_module
from presscenter.releases.app import ReleasesApp, TimerCache
from presscenter.releases.repository import ReleaseRepository
from presscenter.releases.settings import ReleasesSettings
from presscenter.shared.directory.store import UnitDirectory
from presscenter.shared.events.catalog import parse_event
from presscenter.shared.events.common import Actor
from presscenter.shared.plumbing.mongo import connect
from presscenter.shared.rpc import releases as rpc
from presscenter.shared.testing.clock import FakeClock

EDITOR = Actor(kind="user", id="editor-1", role="editor", unit_code="ubnd-hn")
CONTENT = rpc.Content(title="Lịch cắt điện", body="Khu vực phường Ba Đình cắt điện 8:00-12:00.")


@pytest.fixture
def db_name(mongo_uri: str, mongo_db_name: str) -> Iterator[str]:
    connect(ReleasesSettings(mongo_uri=mongo_uri, mongo_db=mongo_db_name))
    try:
        yield mongo_db_name
    finally:
        mongoengine.disconnect("releases")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 12, 1, 1, 0, tzinfo=UTC))


@pytest.fixture
def app(db_name: str, mongo_uri: str, clock: FakeClock) -> ReleasesApp:
    return ReleasesApp(ReleaseRepository(), UnitDirectory(MongoClient(mongo_uri)[db_name]), clock)


def scheduled(app: ReleasesApp, at: datetime) -> rpc.Release:
    release = app.create_draft(rpc.CreateDraft(actor=EDITOR, unit_code="so-ct", content=CONTENT))
    for name in ("submit", "approve"):
        release = app.act(
            name, rpc.ReleaseAction(actor=EDITOR, release_id=release.id, expected_revision=release.revision)
        )
    return app.schedule(rpc.Schedule(actor=EDITOR, release_id=release.id, expected_revision=release.revision, at=at))


def outbox_types(mongo_uri: str, db_name: str, release_id: str) -> list[str]:
    doc = MongoClient(mongo_uri)[db_name]["releases"].find_one({"_id": release_id})
    assert doc is not None
    return [parse_event(json.loads(entry)["body"]).type for entry in doc["_outbox"]]


@pytest.fixture
def timers() -> TimerCache:
    return TimerCache(rescan_s=3600)  # only invalidation and due timers make it re-read


def test_scheduled_release_is_published_only_once_its_time_has_come(
    app: ReleasesApp, clock: FakeClock, timers: TimerCache
) -> None:
    release = scheduled(app, clock.now + timedelta(minutes=5))
    clock.now += timedelta(minutes=4, seconds=59)
    assert app.run_clock(timers) == []
    clock.now += timedelta(seconds=1)
    assert app.run_clock(timers) == [release.id]
    assert app.repo.get(release.id).status == "published"
    assert app.run_clock(timers) == []


def test_a_failing_scheduled_publication_is_parked_visibly_with_an_alert(
    app: ReleasesApp,
    clock: FakeClock,
    timers: TimerCache,
    monkeypatch: pytest.MonkeyPatch,
    mongo_uri: str,
    db_name: str,
) -> None:
    """Fault injected into the workflow step: the scheduler must not lose the release."""
    release = scheduled(app, clock.now + timedelta(minutes=1))
    clock.now += timedelta(minutes=2)

    def broken(*_args: Any) -> Any:
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(app_module.wf, "publish_due", broken)
    assert app.run_clock(timers) == [release.id]
    parked = app.repo.get(release.id)
    assert parked.status == "failed_to_publish" and "renderer crashed" in (parked.failure or "")
    assert "release_publish_failed" in outbox_types(mongo_uri, db_name, release.id)
    assert app.run_clock(timers) == []  # no longer due: it waits for an editor


def test_the_clock_reads_schedules_once_until_something_is_due_or_changes(
    app: ReleasesApp, clock: FakeClock, timers: TimerCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = scheduled(app, clock.now + timedelta(minutes=5))
    reads = []
    original = app.repo.pending_timers
    monkeypatch.setattr(app.repo, "pending_timers", lambda: reads.append(1) or original())
    for _ in range(5):
        assert app.run_clock(timers) == []
    assert len(reads) == 1  # one read, then the cache: nothing is due
    clock.now += timedelta(minutes=5)
    assert app.run_clock(timers) == [release.id]
    # an embargo set elsewhere is seen once the cache is invalidated
    embargoed = scheduled(app, clock.now + timedelta(minutes=1))
    app.timers = timers
    until = clock.now + timedelta(minutes=2)
    embargoed = app.set_embargo(rpc.SetEmbargo(actor=EDITOR, release_id=embargoed.id,
                                               expected_revision=embargoed.revision, until=until))  # fmt: skip
    clock.now += timedelta(minutes=1)
    assert app.run_clock(timers) == [embargoed.id]  # published
    clock.now += timedelta(minutes=1)
    assert app.run_clock(timers) == [embargoed.id]  # embargo lifted
    assert app.repo.get(embargoed.id).embargo_lifted_at == until
