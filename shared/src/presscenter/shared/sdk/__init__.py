"""The departments' event SDK: publish catalog events to the platform over RabbitMQ (pika).

    from presscenter.shared.sdk import EventPublisher

    with EventPublisher(source="so-ytt") as publisher:
        envelope = publisher.emit("department_release_submitted", {...})

See `publisher.py` for delivery guarantees and `cli.py` for `presscenter-emit`.
"""

from presscenter.shared.events import InvalidEvent, UnknownEventType
from presscenter.shared.sdk.publisher import (
    Backoff,
    BrokerUnavailable,
    EventNotRouted,
    EventPublisher,
    PublishError,
    PublishRejected,
    connection_parameters,
)

__all__ = [
    "Backoff",
    "BrokerUnavailable",
    "EventNotRouted",
    "EventPublisher",
    "InvalidEvent",
    "PublishError",
    "PublishRejected",
    "UnknownEventType",
    "connection_parameters",
]
