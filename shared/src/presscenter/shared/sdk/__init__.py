"""The departments' event SDK: publish catalog events to the platform over RabbitMQ (pika).

    from presscenter.shared.sdk import EventPublisher

    with EventPublisher(source="so-ytt") as publisher:
        envelope = publisher.emit("department_release_submitted", {...})
        sent = publisher.publish_many([publisher.build("department_release_submitted", p) for p in burst])

See `publisher.py` for delivery guarantees and `cli.py` for `presscenter-emit`.
"""

from presscenter.shared.events import InvalidEvent, UnknownEventType
from presscenter.shared.sdk.publisher import (
    Backoff,
    BatchPublishError,
    BrokerUnavailable,
    EventNotRouted,
    EventPublisher,
    PublishError,
    PublishRejected,
    connection_parameters,
)

__all__ = [
    "Backoff",
    "BatchPublishError",
    "BrokerUnavailable",
    "EventNotRouted",
    "EventPublisher",
    "InvalidEvent",
    "PublishError",
    "PublishRejected",
    "UnknownEventType",
    "connection_parameters",
]
