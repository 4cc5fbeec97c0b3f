"""Scheduled jobs: the JobStore on nx-27017, and `@scheduled_job` with two replicas on a real broker."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo import MongoClient
from pymongo.database import Database

from presscenter.shared.plumbing.jobs import Job, JobStore
from presscenter.shared.plumbing.scheduling import Jobs, scheduled_job
from presscenter.shared.settings import ServiceSettings
from presscenter.shared.testing.waiting import eventually as wait_until


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def db(mongo_uri: str, mongo_db_name: str) -> Iterator[Database[Any]]:
    client: MongoClient[Any] = MongoClient(mongo_uri, tz_aware=True)
    yield client[mongo_db_name]
    client.close()


@pytest.fixture
def store(db: Database[Any]) -> JobStore:
    return JobStore(db)


# --- the store ---------------------------------------------------------------------------------


def test_schedule_is_idempotent_and_moves_a_pending_job(store: JobStore) -> None:
    first = store.schedule("embargo_lift", "r-1", now() + timedelta(hours=1), {"release_id": "r-1"})
    later = now() + timedelta(hours=2)
    moved = store.schedule("embargo_lift", "r-1", later, {"release_id": "r-1", "v": 2})
    assert first.state == moved.state == "pending"
    assert abs((moved.due_at - later).total_seconds()) < 0.001
    assert moved.payload == {"release_id": "r-1", "v": 2}
    assert [j.key for j in store.list("embargo_lift")] == ["r-1"]


def test_a_done_job_is_not_rerun_unless_replaced(store: JobStore) -> None:
    store.schedule("publish", "r-2", now() - timedelta(seconds=1))
    [job] = store.claim_due(["publish"], "me", lease_s=30, limit=5)
    assert store.complete(job)
    again = store.schedule("publish", "r-2", now() - timedelta(seconds=1))
    assert again.state == "done"
    assert store.claim_due(["publish"], "me", lease_s=30, limit=5) == []
    replaced = store.schedule("publish", "r-2", now() - timedelta(seconds=1), replace=True)
    assert (replaced.state, replaced.attempts) == ("pending", 0)
    assert [j.key for j in store.claim_due(["publish"], "me", lease_s=30, limit=5)] == ["r-2"]


def test_claim_takes_only_due_jobs_of_the_asked_kinds_earliest_first(store: JobStore) -> None:
    store.schedule("a", "late", now() - timedelta(seconds=1))
    store.schedule("a", "early", now() - timedelta(seconds=10))
    store.schedule("a", "future", now() + timedelta(hours=1))
    store.schedule("b", "other-kind", now() - timedelta(seconds=10))
    claimed = store.claim_due(["a"], "me", lease_s=30, limit=10)
    assert [(j.key, j.state, j.owner, j.attempts) for j in claimed] == [
        ("early", "running", "me", 1),
        ("late", "running", "me", 1),
    ]
    assert claimed[0].lease_until is not None and claimed[0].lease_until > now() + timedelta(seconds=25)
    assert store.claim_due(["a"], "other", lease_s=30, limit=10) == []
    next_due = store.next_due(["a"])
    assert next_due is not None and next_due > now() + timedelta(minutes=59)


def test_a_stale_claim_cannot_overwrite_the_new_owner(store: JobStore) -> None:
    store.schedule("sla", "q-1", now() - timedelta(seconds=1))
    [stale] = store.claim_due(["sla"], "dead", lease_s=0.1, limit=1)
    time.sleep(0.15)
    [current] = store.claim_due(["sla"], "alive", lease_s=30, limit=1)
    assert (current.owner, current.attempts) == ("alive", 2)
    assert not store.complete(stale)
    assert not store.fail(stale, "late failure", None)
    assert store.complete(current)
    done = store.get("sla", "q-1")
    assert done is not None and (done.state, done.owner, done.last_error) == ("done", "alive", None)


def test_fail_retries_then_ends_failed_with_its_error(store: JobStore) -> None:
    store.schedule("push", "s-1", now() - timedelta(seconds=1))
    [job] = store.claim_due(["push"], "me", lease_s=30, limit=1)
    retry_at = now() + timedelta(milliseconds=100)
    assert store.fail(job, "timeout", retry_at, max_attempts=2)
    pending = store.get("push", "s-1")
    assert pending is not None and (pending.state, pending.last_error) == ("pending", "timeout")
    assert store.claim_due(["push"], "me", lease_s=30, limit=1) == [], "not before retry_at"
    time.sleep(0.12)
    [job] = store.claim_due(["push"], "me", lease_s=30, limit=1)
    assert store.fail(job, "timeout again", now(), max_attempts=2)
    failed = store.get("push", "s-1")
    assert failed is not None and (failed.state, failed.attempts, failed.last_error) == ("failed", 2, "timeout again")
    assert [j.key for j in store.list(state="failed")] == ["s-1"]


def test_cancel_and_release(store: JobStore) -> None:
    store.schedule("embargo_lift", "r-3", now() - timedelta(seconds=1))
    [job] = store.claim_due(["embargo_lift"], "me", lease_s=30, limit=1)
    assert store.release(job)
    back = store.get("embargo_lift", "r-3")
    assert back is not None and (back.state, back.attempts, back.owner) == ("pending", 0, None)
    assert store.cancel("embargo_lift", "r-3")
    assert store.get("embargo_lift", "r-3") is None
    assert not store.cancel("embargo_lift", "r-3")


def test_invalid_schedules_are_refused(store: JobStore) -> None:
    with pytest.raises(ValueError, match="kind"):
        store.schedule("Bad/Kind", "k", now())
    with pytest.raises(ValueError, match="timezone"):
        store.schedule("ok", "k", datetime.now())  # naive on purpose
    with pytest.raises(TypeError):
        store.schedule("ok", "k", now(), {"not_json": object()})


# --- the nameko entrypoint, two replicas sharing one database -----------------------------------


class JobSettings(ServiceSettings):
    service_name = "jobs_demo"


class JobsDemo:
    name = "jobs_demo"
    jobs = Jobs(JobSettings)

    def _record(self, job: Job) -> None:
        self.jobs.db.runs.update_one(
            {"_id": f"{job.kind}/{job.key}"},
            {"$inc": {"n": 1}, "$set": {"at": time.time(), "attempts": job.attempts}},
            upsert=True,
        )

    @scheduled_job("count")
    def count(self, job: Job) -> None:
        self._record(job)

    @scheduled_job("flaky")
    def flaky(self, job: Job) -> None:
        self._record(job)
        raise RuntimeError("upstream refused: password=hunter2")

    @scheduled_job("timed")
    def timed(self, job: Job) -> None:
        self._record(job)


@pytest.fixture
def replicas(container_factory: Any, service_config: dict[str, Any]) -> list[Any]:
    containers = [container_factory(JobsDemo, service_config) for _ in range(2)]
    for container in containers:
        container.start()
    return containers


def state_of(store: JobStore, kind: str, key: str) -> str | None:
    job = store.get(kind, key)
    return None if job is None else job.state


def runs(db: Database[Any]) -> dict[str, dict[str, Any]]:
    return {doc["_id"]: doc for doc in db.runs.find()}


def test_each_due_job_runs_exactly_once_across_two_replicas(
    replicas: list[Any], store: JobStore, db: Database[Any]
) -> None:
    for i in range(60):
        store.schedule("count", f"job-{i}", now())
    wait_until(lambda: len(store.list("count", "done")) == 60)
    time.sleep(0.2)  # a second run would show up now
    counts = {key: doc["n"] for key, doc in runs(db).items()}
    assert len(counts) == 60
    assert set(counts.values()) == {1}
    owners = {job.owner for job in store.list("count", "done")}
    assert owners == {poller_owner(c) for c in replicas}, "both replicas took part"


def poller_owner(container: Any) -> str:
    [entrypoint] = [e for e in container.entrypoints if getattr(e, "kind", None) == "count"]
    return str(entrypoint.poller.owner)


def test_a_job_of_a_dead_replica_is_picked_up_after_its_lease(
    container_factory: Any, service_config: dict[str, Any], store: JobStore, db: Database[Any]
) -> None:
    store.schedule("count", "orphan", now())
    [claimed] = store.claim_due(["count"], "replica-that-died", lease_s=0.6, limit=1)
    container = container_factory(JobsDemo, service_config)
    container.start()
    time.sleep(0.3)
    assert runs(db) == {}, "the lease still holds"
    wait_until(lambda: state_of(store, "count", "orphan") == "done", timeout=5)
    assert claimed.lease_until is not None
    assert runs(db)["count/orphan"]["at"] >= claimed.lease_until.timestamp()
    done = store.get("count", "orphan")
    assert done is not None and done.attempts == 2 and done.owner != "replica-that-died"
    assert runs(db)["count/orphan"]["n"] == 1


def test_a_failing_job_retries_then_ends_failed_with_its_error(
    replicas: list[Any], store: JobStore, db: Database[Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="presscenter.shared.plumbing.scheduling")
    store.schedule("flaky", "f-1", now())

    def ours() -> list[logging.LogRecord]:
        return [r for r in caplog.records if r.name == "presscenter.shared.plumbing.scheduling"]

    wait_until(lambda: state_of(store, "flaky", "f-1") == "failed")
    # the runner logs that it gives up just after storing the failure: wait for that line as well
    wait_until(lambda: any(r.levelno == logging.ERROR for r in ours()))
    failed = store.get("flaky", "f-1")
    assert failed is not None
    # RETRY_DELAYS_MS is [50, 100] in service_config: two retries, three attempts in all
    assert failed.attempts == 3
    assert runs(db)["flaky/f-1"]["n"] == 3
    assert failed.last_error is not None and "RuntimeError: upstream refused" in failed.last_error
    assert "hunter2" not in failed.last_error
    errors = [r for r in ours() if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "flaky/f-1 failed after 3 attempts" in errors[0].getMessage()
    assert len(ours()) == 3 and all("hunter2" not in r.getMessage() for r in ours())


def test_a_job_runs_when_due_not_before(replicas: list[Any], store: JobStore, db: Database[Any]) -> None:
    due = now() + timedelta(seconds=0.5)
    store.schedule("timed", "t-1", due)
    time.sleep(0.4)
    assert "timed/t-1" not in runs(db)
    wait_until(lambda: "timed/t-1" in runs(db), timeout=3, interval=0.005)
    ran_at = runs(db)["timed/t-1"]["at"]
    assert ran_at >= due.timestamp()
    assert ran_at - due.timestamp() < 0.25, "runs within about one poll interval (0.05 s) of its due time"
