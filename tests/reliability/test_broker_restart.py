"""Fault 2: the broker restarts in the middle of a stream; nothing is lost and everyone reconnects.

A steady stream of `department_release_submitted` events goes through the SDK to the real releases
process, whose outbox relay publishes a `release_submitted` event per stored release. Midway the
RabbitMQ application is stopped and started again (`rabbitmqctl stop_app` / `start_app`: every
connection drops; durable queues and persistent messages stay). Then:
- the SDK publisher loses nothing (it reconnects and resends the same envelope);
- the releases service reconnects by itself and stores every submission exactly once, and its
  outbox relay publishes every `release_submitted` (counted on a durable queue);
- the gateway process goes not-ready (/readyz 503) while the broker is away, ready again after,
  and serves RPC-backed requests again, without a restart.

The broker is shared with everyone on this machine: this test runs last in the session and only
when RELIABILITY_BROKER_RESTART=1 (see conftest); the broker is started again whatever happens.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
from reliability_figures import Figures, full_scale
from reliability_harness import (
    UNIT,
    Effects,
    EventCounter,
    PublishingThread,
    Stack,
    announced,
    http_get,
    status_of,
    stored_releases,
    submission,
    submitted_events_by_release,
)

from presscenter.shared.testing.vhosts import management
from presscenter.shared.testing.waiting import eventually

pytestmark = pytest.mark.broker_restart
OUTAGE_SECONDS = 2.0
LEASE_SECONDS = 60  # a handler killed mid-event leaves a claim for this long


def rabbitmqctl(*args: str, timeout: float = 60) -> None:
    command = shutil.which("rabbitmqctl")
    if command is None:
        pytest.skip("rabbitmqctl is not installed: cannot restart the broker")
    subprocess.run([command, *args], check=True, capture_output=True, timeout=timeout)


def management_answers() -> bool:
    try:
        management("GET", "/api/overview")
        return True
    except Exception:
        return False


@pytest.fixture
def broker() -> Iterator[None]:
    """Whatever the test does, the broker (and its management API) is up again afterwards."""
    rabbitmqctl("await_startup")
    try:
        yield
    finally:
        rabbitmqctl("start_app")  # a no-op when it is running
        rabbitmqctl("await_startup")
        eventually(management_answers, 60, "the management API after the broker restart", interval=0.5)


class ReadinessWatch(threading.Thread):
    """Every /readyz status of the gateway, in order (None: no answer)."""

    def __init__(self, url: str):
        super().__init__(daemon=True, name="readyz-watch")
        self.url = url
        self.seen: list[int | None] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.1):
            status = status_of(self.url, timeout=2)
            if not self.seen or self.seen[-1] != status:
                self.seen.append(status)


def test_a_broker_restart_mid_stream_loses_nothing_and_everyone_reconnects(
    broker: None, stack: Stack, figures: Figures
) -> None:
    n = 2_000 if full_scale() else 600
    run = f"restart-{uuid.uuid4().hex[:8]}"
    releases = stack.service("releases")
    gateway = stack.gateway()
    feed = f"{gateway.url}/v1/feeds/releases.json"
    assert http_get(feed)[0] == 200
    starts = (releases.starts, gateway.starts)
    db = stack.database("releases")
    counter = EventCounter(stack.amqp_uri, "releases", "release_submitted")
    payloads = [submission(run, i) for i in range(n)]
    publisher = PublishingThread(stack.amqp_uri, payloads, pause=0.02)
    watch = ReadinessWatch(f"{gateway.url}/readyz")
    survived = False
    try:
        watch.start()
        publisher.start()
        eventually(lambda: len(publisher.sent) >= n // 4, 60, "a quarter of the stream sent")
        stopped_at = time.monotonic()
        rabbitmqctl("stop_app")
        eventually(lambda: 503 in watch.seen, 15, "the gateway to report not ready (503)")
        sent_when_down = len(publisher.sent)
        assert sent_when_down < n, "the stream ended before the broker went away: nothing was tested"
        time.sleep(OUTAGE_SECONDS)
        rabbitmqctl("start_app")
        rabbitmqctl("await_startup")
        outage = time.monotonic() - stopped_at

        eventually(lambda: watch.seen[-1] == 200, 30, "the gateway to be ready again")
        eventually(lambda: status_of(releases.ready_url) == 200, 30, "the releases service to be ready again")
        publisher.finish(timeout=120)
        eventually(
            lambda: len(announced(counter, run)) >= n, LEASE_SECONDS + max(60, n / 10), f"{n} releases", interval=1.0
        )
        time.sleep(1.0)
        effects = Effects(stored_releases(db, run), submitted_events_by_release(announced(counter, run)))
        lost, duplicates = effects.lost(UNIT, (p["external_id"] for p in payloads)), effects.duplicates()
        eventually(lambda: http_get(feed)[0] == 200, 15, "the gateway to call releases again")

        figures.load("SDK events across a broker restart", n)
        figures.lost(lost)
        figures.duplicates(duplicates)
        figures.note(
            f"broker restart: outage {outage:.1f}s, down after {sent_when_down}/{n} sent (SDK reconnected; "
            f"{publisher.failures} publish(es) resent by the caller); "
            f"gateway /readyz went {' -> '.join(str(s) for s in watch.seen)}; "
            f"{counter.deliveries} release_submitted deliveries for {n} releases"
        )
        assert releases.alive and gateway.alive and (releases.starts, gateway.starts) == starts, "nobody restarted"
        assert lost == 0 and duplicates == 0, (lost, duplicates)
        survived = True
    finally:
        watch.done.set()
        publisher.stopping.set()
        figures.fault("broker restarted mid-stream: nothing lost, everyone reconnected", survived)
        with contextlib.suppress(Exception):  # the broker may still be coming back; the vhost goes with the stack
            counter.delete()
