"""Fault 5: a burst to a slow consumer; the broker holds the backlog, every process's memory stays flat.

Four SDK publishers send a burst of `department_release_submitted` events to the real releases
process while it is stalled (SIGSTOP, as a consumer stuck on a slow disk or a GC pause would be), and
it is resumed once the burst is out: the backlog then forms by construction, not by racing the
publishers against a consumer that, with batched writes on a fast machine, can keep up with them
(it did: a peak backlog of 684 of 3,000 once, which tested nothing). nameko's prefetch
(the intake's prefetch: two batches of 100) bounds what the consumer takes from the broker, so the backlog
waits in the durable queue, not in the process. Sampled from /proc every 0.2 s: the resident memory
of the releases process and of the gateway grows by less than RSS_GROWTH_LIMIT_MIB whatever the
burst's size. The datastore's memory is sampled and reported too, not bounded: it grows with the
releases it stores (its caches), which is storage, not backlog.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid

from reliability_figures import Figures, full_scale
from reliability_harness import (
    INTAKE_QUEUE,
    EventCounter,
    PublishingThread,
    Stack,
    announced,
    rss_kib,
    stored_releases,
    submission,
)

from presscenter.shared.testing.waiting import eventually

PREFETCH = 200  # the intake's own prefetch: two batches of 100 (handle_event_batch, releases/service.py)
RSS_GROWTH_LIMIT_MIB = 64
BOUNDED = ("releases", "gateway")  # the processes messages flow through


class Sampler(threading.Thread):
    """Peak RSS of each process and peak backlog of the intake queue, until stopped."""

    def __init__(self, stack: Stack, pids: dict[str, int]):
        super().__init__(daemon=True, name="rss-sampler")
        self.stack, self.pids = stack, pids
        self.peak_kib = {name: rss_kib(pid) for name, pid in pids.items()}
        self.peak_backlog = 0
        self.peak_unacked = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.2):
            for name, pid in self.pids.items():
                self.peak_kib[name] = max(self.peak_kib[name], rss_kib(pid))
            try:  # every tick: the burst now lasts about a second
                self.peak_backlog = max(self.peak_backlog, self.stack.depth(INTAKE_QUEUE)[0])
                unacked = int(self.stack.queue(INTAKE_QUEUE).get("messages_unacknowledged", 0))
                self.peak_unacked = max(self.peak_unacked, unacked)
            except Exception:  # a sample missed is not a failure of the system under test
                continue


def test_a_burst_to_a_slow_consumer_keeps_every_process_bounded(stack: Stack, figures: Figures) -> None:
    n = 10_000 if full_scale() else 3_000  # the stall makes any size a backlog
    run = f"burst-{uuid.uuid4().hex[:8]}"
    releases = stack.service("releases")
    gateway = stack.gateway()
    assert stack.mongo.process is not None
    pids = {"releases": releases.pid, "gateway": gateway.pid, "datastore": stack.mongo.process.pid}
    db = stack.database("releases")
    counter = EventCounter(stack.amqp_uri, "releases", "release_submitted")
    time.sleep(1.0)  # settle after start-up
    baseline = {name: rss_kib(pid) for name, pid in pids.items()}
    sampler = Sampler(stack, pids)
    payloads = [submission(run, i) for i in range(n)]
    publishers = [PublishingThread(stack.amqp_uri, payloads[i::4]) for i in range(4)]
    survived = False
    start = time.monotonic()
    stalled = False
    try:
        sampler.start()
        os.kill(releases.pid, signal.SIGSTOP)
        stalled = True
        for publisher in publishers:
            publisher.start()
        for publisher in publishers:
            publisher.finish(timeout=max(60, n / 50))
        published_in = time.monotonic() - start
        eventually(
            lambda: sampler.peak_backlog >= n - PREFETCH, 10, "the broker to report the burst's backlog", interval=0.2
        )
        os.kill(releases.pid, signal.SIGCONT)
        stalled = False
        eventually(lambda: len(announced(counter, run)) >= n, max(120, n / 10), f"{n} releases stored", interval=1.0)
        drained_in = time.monotonic() - start
        sampler.done.set()
        sampler.join(5)
        stored = stored_releases(db, run)
        lost = sum(1 for p in payloads if stored[p["external_id"]] == 0)
        duplicates = sum(c - 1 for c in stored.values() if c > 1)
        growth_mib = {name: (sampler.peak_kib[name] - baseline[name]) / 1024 for name in pids}
        figures.load(f"burst of events to a slow consumer ({n:,})", n)
        figures.lost(lost)
        figures.duplicates(duplicates)
        figures.note(
            f"burst {n:,} to a stalled consumer: published in {published_in:.1f}s, "
            f"stored in {drained_in:.1f}s, peak backlog "
            f"{sampler.peak_backlog:,}, RSS growth "
            + ", ".join(f"{name} {mib:+.1f} MiB" for name, mib in growth_mib.items())
        )
        assert lost == 0 and duplicates == 0
        assert sampler.peak_backlog >= n - PREFETCH, "the burst never waited in the broker: nothing was tested"
        assert sampler.peak_unacked <= PREFETCH, f"{sampler.peak_unacked} unacked: prefetch is not bounding"
        for name in BOUNDED:
            mib = growth_mib[name]
            assert mib < RSS_GROWTH_LIMIT_MIB, f"{name} grew by {mib:.1f} MiB under the burst"
        survived = True
    finally:
        if stalled:
            os.kill(releases.pid, signal.SIGCONT)
        sampler.done.set()
        for publisher in publishers:
            publisher.stopping.set()
        figures.fault("burst to a slow consumer: memory bounded by prefetch", survived)
        counter.delete()
