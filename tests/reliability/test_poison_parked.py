"""Fault 3: poison messages are parked after bounded retries while the rest flow; replay after the fix.

On the real releases process (retry delays 200 ms and 400 ms, so three attempts in all):
- submissions for a unit the directory does not know yet fail on every attempt: retried with
  backoff, then parked in `releases.dead-letter` (attempts 3);
- bodies that are not events at all are parked at once (attempts 0), never retried;
- good submissions published between them are all stored meanwhile.
Then the fix: the department directory announces the unit (`directory_updated`, through the SDK),
and ops replay the parked submissions by event id with the `presscenter-dlq` CLI: each is stored
exactly once, and what was never an event stays parked. (The CLI's own output and the retry
mechanics are tested in shared/tests/test_dlq_cli.py and test_retry_dead_letter.py.)
"""

from __future__ import annotations

import json
import subprocess
import uuid
from typing import Any

import pika
from reliability_figures import Figures
from reliability_harness import BIN, PublishingThread, Stack, stored_releases, submission

from presscenter.shared.sdk import EventPublisher
from presscenter.shared.sdk.publisher import connection_parameters
from presscenter.shared.testing.waiting import eventually

GOOD, POISON = 120, 5
NOT_EVENTS = (b"{not json at all", b'{"hello": "a JSON object, but no event envelope"}')


def dlq(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "presscenter-dlq"), "--amqp-uri", stack.pyamqp_uri, "--service", "releases", *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def parked(stack: Stack) -> list[dict[str, Any]]:
    listing = dlq(stack, "list", "--json")
    assert listing.returncode == 0, listing.stderr
    return [json.loads(line) for line in listing.stdout.splitlines() if line.startswith("{")]


def publish_raw(amqp_uri: str, body: bytes) -> None:
    """What a broken department system might send: bytes on the right exchange and routing key."""
    with pika.BlockingConnection(connection_parameters(amqp_uri)) as connection:
        channel = connection.channel()
        channel.confirm_delivery()
        channel.basic_publish(
            "departments.events",
            "department_release_submitted",
            body,
            pika.BasicProperties(content_type="application/json", delivery_mode=2),
            mandatory=True,
        )


def new_unit(code: str) -> dict[str, Any]:
    return {
        "code": code,
        "name": {"vi": "Phường Thử Nghiệm", "en": "Test Ward"},
        "kind": "ward",
        "parent_code": "ubnd-hn",
        "topics": ["general"],
    }


def test_poison_is_parked_while_good_events_flow_then_replayed_after_the_fix(stack: Stack, figures: Figures) -> None:
    stack.service("releases")
    db = stack.database("releases")
    assert parked(stack) == [], "the parking queue must start empty"
    run = f"poison-{uuid.uuid4().hex[:8]}"
    unknown = f"phuong-{uuid.uuid4().hex[:8]}"
    payloads = [submission(run, i) for i in range(GOOD + POISON)]
    poison_ids = {payloads[i]["external_id"] for i in range(0, GOOD + POISON, (GOOD + POISON) // POISON)}
    for payload in payloads:
        if payload["external_id"] in poison_ids:
            payload["unit_code"] = unknown
    good_ids = [p["external_id"] for p in payloads if p["external_id"] not in poison_ids]
    survived = False
    try:
        for body in NOT_EVENTS:
            publish_raw(stack.amqp_uri, body)
        publisher = PublishingThread(stack.amqp_uri, payloads)
        publisher.start()
        publisher.finish(timeout=60)
        eventually(lambda: sum(stored_releases(db, run).values()) >= GOOD, 60, f"{GOOD} good releases stored")
        eventually(lambda: len(parked(stack)) >= POISON + len(NOT_EVENTS), 30, "the poison parked", interval=0.5)

        messages = parked(stack)
        by_attempts: dict[int, int] = {}
        for message in messages:
            by_attempts[message["attempts"]] = by_attempts.get(message["attempts"], 0) + 1
        assert by_attempts == {3: POISON, 0: len(NOT_EVENTS)}, messages  # bounded retries; not-events at once
        assert all(unknown in m["error"] for m in messages if m["attempts"] == 3), messages
        stored = stored_releases(db, run)
        assert set(stored) == set(good_ids) and set(stored.values()) == {1}

        # the fix: the directory learns the unit; then ops replay what was parked for it
        with EventPublisher(stack.amqp_uri, source="directory") as sdk:
            sdk.emit("directory_updated", {"upserts": [new_unit(unknown)], "revision": run})
        eventually(lambda: _directory_knows(db, unknown), 20, f"the releases directory to know {unknown}")
        for message in messages:
            if message["attempts"] == 3:
                replayed = dlq(stack, "replay", message["event_id"])
                assert replayed.returncode == 0, replayed.stderr
        eventually(lambda: sum(stored_releases(db, run).values()) >= GOOD + POISON, 30, "the replayed releases")
        eventually(lambda: len(parked(stack)) == len(NOT_EVENTS), 10, "only the non-events left parked")
        stored = stored_releases(db, run)
        lost = sum(1 for p in payloads if stored[p["external_id"]] == 0)
        duplicates = sum(n - 1 for n in stored.values() if n > 1)
        figures.load("SDK events beside poison messages", GOOD + POISON + len(NOT_EVENTS))
        figures.lost(lost)
        figures.duplicates(duplicates)
        assert lost == 0 and duplicates == 0, stored
        survived = True
    finally:
        figures.fault("poison parked after bounded retries, replayed after the fix", survived)
        dlq(stack, "purge", "--all", "--yes")  # the stack is shared: leave the parking queue empty


def _directory_knows(db: Any, code: str) -> bool:
    doc = db["directory"].find_one({"_id": "directory"}, {"units": 1})
    return doc is not None and any(unit["code"] == code for unit in doc["units"])
