"""Fault 1: the releases service is SIGKILLed three times while departments submit releases.

`department_release_submitted` events go through the SDK (`EventPublisher`: confirms, persistent)
to the real releases service under `nameko run`. While it works through them, its process is
killed with SIGKILL (no shutdown: unacked deliveries, claims and half-done writes left behind)
and started again, three times. Every event must have exactly one effect: one stored release per
external id, and one `release_submitted` event per release (counted on a durable queue).

A delivery in hand when the process died is claimed in `processed_events` for the handler's lease
(60 s): it is handled after the lease runs out, so the run lasts at least that long.
"""

from __future__ import annotations

import os
import time
import uuid

from reliability_figures import Figures, full_scale
from reliability_harness import (
    UNIT,
    Effects,
    EventCounter,
    PublishingThread,
    Stack,
    announced,
    stored_releases,
    submission,
    submitted_events_by_release,
)

from presscenter.shared.testing.waiting import eventually

KILLS = 3
LEASE_SECONDS = 60  # SafeEventHandler's default claim lease: room for a claimed delivery to come back


def events_for_this_run() -> int:
    return 10_000 if full_scale() else int(os.environ.get("RELIABILITY_KILL_EVENTS", "600"))


def test_every_event_has_exactly_one_effect_across_three_sigkills(stack: Stack, figures: Figures) -> None:
    n = events_for_this_run()
    run = f"kill-{uuid.uuid4().hex[:8]}"
    releases = stack.service("releases")
    starts = releases.starts
    db = stack.database("releases")
    counter = EventCounter(stack.amqp_uri, "releases", "release_submitted")
    payloads = [submission(run, i) for i in range(n)]
    publisher = PublishingThread(stack.amqp_uri, payloads)
    start = time.monotonic()
    survived = False
    try:
        publisher.start()
        for kill in range(1, KILLS + 1):
            # kill while the service is busy with the stream: after it stored another slice of it
            threshold = min(n, len(announced(counter, run)) + max(20, n // (2 * KILLS + 2)))
            eventually(
                lambda t=threshold: len(announced(counter, run)) >= t,
                300,
                f"{threshold} releases before kill {kill}",
                interval=0.5,
            )
            releases.kill()
            releases.start_ready()
        publisher.finish(timeout=max(120, n / 20))
        eventually(
            lambda: len(announced(counter, run)) >= n,
            timeout=LEASE_SECONDS + max(60, n / 15),
            what=f"{n} releases stored",
            interval=0.5,
        )
        time.sleep(1.0)  # a late duplicate would show now
        effects = Effects(stored_releases(db, run), submitted_events_by_release(announced(counter, run)))
        lost, duplicates = effects.lost(UNIT, (p["external_id"] for p in payloads)), effects.duplicates()
        figures.load(f"SDK events across {KILLS} SIGKILLs of releases", n)
        figures.lost(lost)
        figures.duplicates(duplicates)
        assert len(publisher.sent) == n
        assert releases.starts == starts + KILLS
        assert lost == 0, f"{lost} of {n} submissions lost (no release, or no release_submitted event)"
        assert duplicates == 0, f"{duplicates} duplicate effects"
        survived = True
        print(f"\n{n} events, {KILLS} SIGKILLs: {time.monotonic() - start:.1f}s, {counter.deliveries} deliveries")
    finally:
        publisher.stopping.set()
        figures.fault("releases SIGKILLed 3x mid-stream", survived)
        counter.delete()
