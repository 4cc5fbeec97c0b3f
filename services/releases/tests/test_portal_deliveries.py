"""`deliver` and the delivery log on nx-27017, against a real local portal receiver over HTTP.

The clock is injected: each retry runs at the `retry_at` the previous outcome asked for, so the
backoff is checked without sleeping. The receiver verifies every signature and counts both the
POSTs it got and the distinct Idempotency-Keys it stored.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo import MongoClient
from pymongo.database import Database

from presscenter.releases.portal.client import DeliveryResult, PortalClient
from presscenter.releases.portal.deliveries import (
    DeliveryKey,
    DeliveryLog,
    DeliveryOutcome,
    RetryPolicy,
    deliver,
)
from presscenter.releases.testing.portal_receiver import SECRET, PortalReceiver, Reply

START = datetime(2025, 6, 15, 8, 0, tzinfo=UTC)
KEY = DeliveryKey("r-1", 1, "published")
BODY: dict[str, Any] = {"uri": "urn:presscenter:release:r-1", "version": "1", "pubstatus": "usable"}
POLICY = RetryPolicy(base_delay_s=2.0, max_delay_s=60.0, jitter=0.25, max_attempts=8)


@pytest.fixture
def db(mongo_uri: str, mongo_db_name: str) -> Iterator[Database[Any]]:
    client: MongoClient[Any] = MongoClient(mongo_uri, tz_aware=True)
    yield client[mongo_db_name]
    client.drop_database(mongo_db_name)
    client.close()


@pytest.fixture
def log(db: Database[Any]) -> DeliveryLog:
    return DeliveryLog(db)


def drive(
    log: DeliveryLog,
    client: PortalClient,
    key: DeliveryKey,
    body: dict[str, Any] | None,
    *,
    policy: RetryPolicy = POLICY,
    start: datetime = START,
    limit: int = 20,
) -> list[DeliveryOutcome]:
    """Call `deliver` as a scheduler would: again at each `retry_at`, until it stops asking."""
    now, outcomes = start, []
    rng = random.Random(7)
    for _ in range(limit):
        outcome = deliver(log, client, key, body, now, policy=policy, rng=rng)
        outcomes.append(outcome)
        if not outcome.retry:
            return outcomes
        assert outcome.retry_at is not None and outcome.retry_at > now
        now = outcome.retry_at  # the injected "sleep"
    raise AssertionError("deliver kept asking for retries")


def test_fails_three_times_then_delivers_exactly_once(log: DeliveryLog) -> None:
    with PortalReceiver(script=[Reply(503)] * 3) as portal:
        client = PortalClient(portal.url, [SECRET], timeout=5)
        outcomes = drive(log, client, KEY, BODY)
        assert [o.state for o in outcomes] == ["pending", "pending", "pending", "delivered"]
        assert all(o.sent for o in outcomes)
        assert portal.statuses == [503, 503, 503, 200]
        assert all(p.signature_error is None for p in portal.posts)
        assert portal.stored == {KEY.id: BODY}
        assert {p.headers["idempotency-key"] for p in portal.posts} == {KEY.id}

        delays = [o.delay_s for o in outcomes[:-1]]
        assert all(d is not None for d in delays)
        assert delays == sorted(delays) and len(set(delays)) == 3  # strictly increasing
        for attempt, delay in enumerate(delays, start=1):
            nominal = 2.0 * 2 ** (attempt - 1)
            assert nominal * 0.75 <= delay <= nominal

        record = log.get(KEY)
        assert record is not None and record.state == "delivered"
        assert [a.number for a in record.attempts] == [1, 2, 3, 4]
        assert [a.status for a in record.attempts] == [503, 503, 503, 200]
        assert [a.outcome for a in record.attempts] == ["retryable"] * 3 + ["delivered"]
        assert record.attempts[0].error == "HTTP 503"
        assert all(a.duration_ms > 0 for a in record.attempts)
        assert record.attempts[0].at == START
        assert record.delivered_at == record.attempts[-1].at == outcomes[2].retry_at
        assert record.attempt_count == 4 and record.next_attempt_at is None

        # a second deliver of the delivered key sends nothing, with or without a body
        for body in (BODY, None):
            again = deliver(log, client, KEY, body, START + timedelta(hours=1))
            assert (again.state, again.sent, again.retry) == ("delivered", False, False)
        assert len(portal.posts) == 4 and len(portal.stored) == 1


def test_429_retry_after_is_honoured(log: DeliveryLog) -> None:
    with PortalReceiver(script=[Reply(429, {"Retry-After": "30"}), Reply(503)]) as portal:
        client = PortalClient(portal.url, [SECRET], timeout=5)
        first = deliver(log, client, KEY, BODY, START, policy=POLICY)
        assert first.retry and first.delay_s == 30 and first.retry_at == START + timedelta(seconds=30)
        assert first.result is not None and first.result.status == 429

        # asked again before the portal's Retry-After: nothing is sent
        early = deliver(log, client, KEY, None, START + timedelta(seconds=10), policy=POLICY)
        assert (early.sent, early.retry, early.retry_at, early.note) == (False, True, first.retry_at, "not due yet")
        assert len(portal.posts) == 1

        outcomes = drive(log, client, KEY, None, start=first.retry_at)
        assert [o.result.status for o in outcomes if o.result] == [503, 200]
        assert 3.0 <= (outcomes[0].delay_s or 0) <= 4.0  # back to the backoff for attempt 2
        assert portal.statuses == [429, 503, 200] and list(portal.stored) == [KEY.id]


def test_permanent_failure_stops_at_once(log: DeliveryLog) -> None:
    with PortalReceiver(script=[Reply(400, body=b'{"error":"headline missing"}')]) as portal:
        client = PortalClient(portal.url, [SECRET], timeout=5)
        outcomes = drive(log, client, KEY, BODY)
        assert len(outcomes) == 1
        [failed] = outcomes
        assert (failed.state, failed.sent, failed.retry, failed.retry_at) == ("failed", True, False, None)
        record = log.get(KEY)
        assert record is not None and record.state == "failed" and record.failed_at == START
        assert record.failure is not None and "HTTP 400" in record.failure and "headline missing" in record.failure
        assert [a.status for a in record.attempts] == [400]

        later = deliver(log, client, KEY, BODY, START + timedelta(days=1))
        assert (later.state, later.sent, later.retry) == ("failed", False, False)
        assert len(portal.posts) == 1 and portal.stored == {}


def test_gives_up_after_max_attempts_with_capped_delays(log: DeliveryLog) -> None:
    policy = RetryPolicy(base_delay_s=2.0, max_delay_s=10.0, jitter=0.25, max_attempts=6)
    with PortalReceiver(script=[Reply(503)] * 10) as portal:
        outcomes = drive(log, PortalClient(portal.url, [SECRET], timeout=5), KEY, BODY, policy=policy)
        assert len(portal.posts) == 6 and portal.stored == {}
    assert [o.state for o in outcomes] == ["pending"] * 5 + ["failed"]
    delays = [o.delay_s or 0 for o in outcomes[:-1]]
    assert delays[:3] == sorted(delays[:3]) and all(7.5 <= d <= 10.0 for d in delays[3:])
    record = log.get(KEY)
    assert record is not None and record.state == "failed" and record.attempt_count == 6
    assert record.failure is not None and record.failure.startswith("gave up after 6 attempts: HTTP 503")


def test_timeouts_and_refused_connections_are_logged_and_retried(log: DeliveryLog) -> None:
    from presscenter.shared.testing.embedded_mongo import free_port

    dead = PortalClient(f"http://127.0.0.1:{free_port()}/ninjs", [SECRET], timeout=2)
    refused = deliver(log, dead, KEY, BODY, START, policy=POLICY)
    assert refused.retry and refused.result is not None and refused.result.status is None
    with PortalReceiver(script=[Reply(200, delay_s=1.0)]) as portal:
        slow = PortalClient(portal.url, [SECRET], timeout=0.2)
        timed_out = deliver(log, slow, KEY, None, refused.retry_at or START, policy=POLICY)
        assert timed_out.retry
        # the slow portal did store it (answer lost): the next attempt is told 409 → delivered, once
        final = drive(log, PortalClient(portal.url, [SECRET], timeout=5), KEY, None, start=timed_out.retry_at or START)
        assert [o.state for o in final] == ["delivered"]
        assert final[0].result is not None and final[0].result.already_delivered
        assert portal.statuses == [200, 409] and list(portal.stored) == [KEY.id]
    record = log.get(KEY)
    assert record is not None
    assert [a.status for a in record.attempts] == [None, None, 409]
    assert record.attempts[0].error is not None and "refused" in record.attempts[0].error.lower()
    assert record.attempts[1].error is not None and "timed out" in record.attempts[1].error.lower()


def test_a_key_held_by_another_worker_is_not_sent_until_its_lease_expires(log: DeliveryLog) -> None:
    with PortalReceiver() as portal:
        client = PortalClient(portal.url, [SECRET], timeout=5)
        log.begin(KEY, BODY, START)
        assert log.claim(KEY, START, lease_s=60) is not None  # another worker is sending it
        assert log.claim(KEY, START, lease_s=60) is None
        busy = deliver(log, client, KEY, BODY, START + timedelta(seconds=5), policy=POLICY)
        assert (busy.sent, busy.retry, busy.note) == (False, True, "held by another worker")
        assert busy.retry_at == START + timedelta(seconds=60)
        assert portal.posts == []
        # that worker died: after the lease the key is sent
        done = deliver(log, client, KEY, None, busy.retry_at or START, policy=POLICY)
        assert done.state == "delivered" and len(portal.posts) == 1


def test_begin_is_idempotent_and_keeps_the_first_body(log: DeliveryLog) -> None:
    first = log.begin(KEY, BODY, START)
    second = log.begin(KEY, {**BODY, "version": "99"}, START + timedelta(minutes=1))
    assert first == second and second.body == BODY and second.created_at == START
    assert log.collection.count_documents({}) == 1
    with pytest.raises(KeyError):
        deliver(log, PortalClient("http://127.0.0.1:1/", [SECRET]), DeliveryKey("r-9", 1, "published"), None, START)


def test_for_release_lists_every_delivery_in_order(log: DeliveryLog) -> None:
    keys = [
        DeliveryKey("r-1", 2, "withdrawn"),
        DeliveryKey("r-1", 1, "published"),
        DeliveryKey("r-2", 1, "published"),
        DeliveryKey("r-1", 2, "corrected"),
    ]
    for key in keys:
        log.begin(key, {"uri": key.release_id}, START)
    attempt = log.record_attempt(keys[1], START, DeliveryResult(outcome="delivered", status=200, duration_s=0.01))
    assert (attempt.number, attempt.duration_ms) == (1, 10.0)
    assert log.mark_delivered(keys[1], START)
    assert not log.mark_delivered(keys[1], START)
    assert log.mark_failed(keys[0], START, "refused")
    assert not log.mark_failed(keys[0], START, "again")
    records = log.for_release("r-1")
    assert [r.id for r in records] == ["r-1/v1/published", "r-1/v2/corrected", "r-1/v2/withdrawn"]
    assert [r.state for r in records] == ["delivered", "pending", "failed"]
    assert records[0].attempts[0].status == 200 and records[0].key == keys[1]
    assert sorted(r.id for r in log.due(START)) == ["r-1/v2/corrected", "r-2/v1/published"]
    assert log.due(START - timedelta(seconds=1)) == []
    assert log.for_release("r-404") == []


def test_keys_and_policy_are_checked() -> None:
    assert KEY.id == "r-1/v1/published"
    for bad in (("", 1, "published"), ("r/1", 1, "published"), ("r-1", 0, "published"), ("r-1", 1, "killed")):
        with pytest.raises(ValueError):
            DeliveryKey(*bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        RetryPolicy(jitter=1.0)
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(base_delay_s=5, max_delay_s=1)


def test_retry_policy_delays() -> None:
    policy = RetryPolicy(base_delay_s=2, max_delay_s=900, jitter=0.0, max_retry_after_s=3_600)
    assert [policy.delay(n) for n in range(1, 12)] == [2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]
    assert policy.delay(500) == 900
    assert policy.delay(1, retry_after_s=30) == 30
    assert policy.delay(6, retry_after_s=30) == 64  # the backoff is longer than the portal asked
    assert policy.delay(1, retry_after_s=10**9) == 3_600
    jittered = RetryPolicy(jitter=0.25)
    samples = [jittered.delay(3, rng=random.Random(seed)) for seed in range(50)]
    assert all(6.0 <= d <= 8.0 for d in samples) and len(set(samples)) > 1
