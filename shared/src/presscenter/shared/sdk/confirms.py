"""Publisher confirms for a burst of publishes: send them all, then wait once for the broker.

A channel in confirm mode numbers its publishes 1, 2, 3 ... (delivery tags); the broker answers
each with an ack (stored, routed) or a nack (refused), and one answer may settle every tag up to
its own (`multiple`). Waiting for the answer to each publish before sending the next costs a round
trip per event, and RabbitMQ then writes its message store to disk per event (about 0.7 ms of
broker CPU per persistent event against 0.1-0.2 ms for a burst; docs/performance.md). `Confirms`
is the bookkeeping both publishers use for a burst: the departments' SDK (pika,
`EventPublisher.publish_many`) and the services' outbox relay (py-amqp,
`presscenter.shared.plumbing.outbox.EventPublisher.publish_many`). It has no dependencies, so
the SDK keeps needing nothing but pika.
"""

from __future__ import annotations


class PartialPublish(Exception):
    """A burst was not entirely confirmed; `confirmed` holds the indexes the broker did confirm."""

    def __init__(self, message: str, confirmed: set[int]):
        super().__init__(message)
        self.confirmed = confirmed


class Confirms:
    """Which publishes of the current burst the broker acked or nacked, by index in the burst.

    `channel_opened` when a new confirm-mode channel is in use (its tags start at 1 again),
    `start` before each burst, `sent(index)` for each publish in the order they go out, and
    `settle` from the channel's ack and nack callbacks. `waiting` is true until every publish of
    the burst has its answer.
    """

    def __init__(self) -> None:
        self._next_tag = 1
        self._unconfirmed: dict[int, int] = {}  # delivery tag -> index in the burst
        self.acked: set[int] = set()
        self.nacked: set[int] = set()

    def channel_opened(self) -> None:
        self._next_tag = 1
        self.start()

    def start(self) -> None:
        self._unconfirmed, self.acked, self.nacked = {}, set(), set()

    def sent(self, index: int) -> None:
        self._unconfirmed[self._next_tag] = index
        self._next_tag += 1

    def settle(self, delivery_tag: int, multiple: bool, *, confirmed: bool) -> None:
        tags = [t for t in self._unconfirmed if t <= delivery_tag] if multiple else [delivery_tag]
        for tag in tags:
            index = self._unconfirmed.pop(tag, None)
            if index is not None:
                (self.acked if confirmed else self.nacked).add(index)

    @property
    def waiting(self) -> int:
        """How many publishes of the burst have no answer yet."""
        return len(self._unconfirmed)
