"""The outbox relay is nudged by a worker that wrote events: the event goes out at once, not a relay
interval later (real broker and nx-27017; found by `bench/live_delivery.py`, where the 0.2 s polling
was nearly all of the latency from `publish_now` to a journalist's stream)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from kombu import Connection, Queue
from nameko.standalone.events import get_event_exchange
from nameko.testing.services import dummy, entrypoint_hook

from presscenter.shared.events.envelope import make_event, utcnow
from presscenter.shared.events.releases import EmbargoLifted
from presscenter.shared.plumbing.outbox import OutboxRelay
from presscenter.shared.settings import ServiceSettings


class NudgeSettings(ServiceSettings):
    service_name = "outbox_nudge"


class Writer:
    name = "outbox_nudge"
    outbox = OutboxRelay(NudgeSettings, collections=["things"], lease_ttl=1.0)

    @dummy
    def change(self, thing_id: str, release_id: str) -> None:
        event = make_event(EmbargoLifted(release_id=release_id, version=1, embargoed_until=utcnow()), source="releases")
        self.outbox.db.things.update_one(
            {"_id": thing_id}, self.outbox.with_events({"$inc": {"changes": 1}}, event), upsert=True
        )

    @dummy
    def read(self, thing_id: str) -> Any:
        return self.outbox.db.things.find_one({"_id": thing_id})


@pytest.fixture
def released(service_config: dict[str, Any]) -> Iterator[Any]:
    """A queue bound to `releases.events` on the test's vhost."""
    with Connection(service_config["AMQP_URI"]) as connection:
        queue = Queue("outbox-nudge-test", get_event_exchange("releases"), routing_key="#", durable=False)
        simple = connection.SimpleQueue(queue)
        yield simple
        simple.close()


def test_a_worker_that_wrote_events_wakes_the_relay_at_once(
    container_factory: Any, service_config: dict[str, Any], released: Any
) -> None:
    # an hour between passes: only the nudge can publish within the test
    container = container_factory(Writer, {**service_config, "OUTBOX_RELAY_INTERVAL": 3600})
    container.start()
    with entrypoint_hook(container, "read") as read:
        read("t-0")  # a worker that wrote no event does not count
    with entrypoint_hook(container, "change") as change:
        started = time.monotonic()
        change("t-1", "r-1")
    message = released.get(block=True, timeout=5)
    waited = time.monotonic() - started
    message.ack()
    assert message.payload["payload"]["release_id"] == "r-1"
    assert waited < 2.0, f"the event waited {waited:.2f} s for the relay"
    with entrypoint_hook(container, "change") as change:
        change("t-1", "r-2")  # a second write soon after: relayed too (after the 50 ms gap)
    second = released.get(block=True, timeout=5)
    second.ack()
    assert second.payload["payload"]["release_id"] == "r-2"
