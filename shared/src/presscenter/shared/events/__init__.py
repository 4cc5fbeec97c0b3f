"""Event envelope, payload models and the catalog."""

from presscenter.shared.events.catalog import (
    CATALOG,
    CatalogEntry,
    InvalidEvent,
    UnknownEventType,
    build_event,
    entry,
    event_types,
    parse_event,
)
from presscenter.shared.events.envelope import EventEnvelope, EventPayload, make_event, utcnow

__all__ = [
    "CATALOG",
    "CatalogEntry",
    "EventEnvelope",
    "EventPayload",
    "InvalidEvent",
    "UnknownEventType",
    "build_event",
    "entry",
    "event_types",
    "make_event",
    "parse_event",
    "utcnow",
]
