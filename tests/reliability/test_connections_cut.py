"""Fault 2, without touching the shared broker: the releases service's broker connections are cut while
its handlers are busy, and the broker stays unreachable for it for a few seconds, twice.

The service reaches RabbitMQ through a TCP proxy (`presscenter.shared.testing.tcp_proxy`); the
proxy severs every connection and refuses new ones for OUTAGE_SECONDS, then accepts again. A burst
of SDK events keeps ten handlers in flight, so acks and requeues hit dead sockets. The process
must keep running and reconnect by itself (it used to die: a socket error on requeue ended the
worker with an error, and nameko killed the container), and every event must have exactly one
effect. The real broker restart is in test_broker_restart.py.
"""

from __future__ import annotations

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
    stored_releases,
    submission,
    submitted_events_by_release,
)

from presscenter.shared.testing.tcp_proxy import TcpProxy
from presscenter.shared.testing.waiting import eventually

CUTS = 2
OUTAGE_SECONDS = 4.0
LEASE_SECONDS = 60  # a claim left by a handler that could not settle waits this long at most


@pytest.fixture
def proxy() -> Iterator[TcpProxy]:
    with TcpProxy() as running:
        yield running


def test_cut_connections_while_handlers_are_busy_lose_nothing_and_the_service_lives_on(
    stack: Stack, proxy: TcpProxy, figures: Figures
) -> None:
    n = 3_000 if full_scale() else 500
    run = f"cut-{uuid.uuid4().hex[:8]}"
    proxy.start()
    # the only releases process for this test: a replica behind the proxy (the main one rests)
    if "releases" in stack.processes:
        stack.processes["releases"].stop()
    releases = stack.service("releases", replica="behind-proxy", AMQP_URI=proxy.uri(stack.pyamqp_uri))
    db = stack.database("releases")
    counter = EventCounter(stack.amqp_uri, "releases", "release_submitted")
    payloads = [submission(run, i) for i in range(n)]
    publisher = PublishingThread(stack.amqp_uri, payloads)
    survived = False
    try:
        publisher.start()
        for cut in range(1, CUTS + 1):
            threshold = min(n, len(announced(counter, run)) + n // (CUTS + 2))
            eventually(
                lambda t=threshold: len(announced(counter, run)) >= t,
                300,
                f"{threshold} before cut {cut}",
                interval=0.5,
            )
            proxy.stop()
            proxy.kill_connections()
            time.sleep(OUTAGE_SECONDS)
            assert releases.alive, f"the service died when its connections were cut:\n{releases.log_tail()}"
            proxy.start()
        publisher.finish(timeout=120)
        eventually(
            lambda: len(announced(counter, run)) >= n, LEASE_SECONDS + max(60, n / 10), f"{n} releases", interval=1.0
        )
        time.sleep(1.0)
        effects = Effects(stored_releases(db, run), submitted_events_by_release(announced(counter, run)))
        lost, duplicates = effects.lost(UNIT, (p["external_id"] for p in payloads)), effects.duplicates()
        figures.load(f"SDK events across {CUTS} cuts of the service's broker connections", n)
        figures.lost(lost)
        figures.duplicates(duplicates)
        assert releases.alive and releases.starts == 1, "the service must reconnect by itself, not be restarted"
        assert lost == 0 and duplicates == 0, (lost, duplicates)
        survived = True
    finally:
        publisher.stopping.set()
        figures.fault("broker connections cut under load: service reconnected by itself", survived)
        releases.stop()
        counter.delete()
