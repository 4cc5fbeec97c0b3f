"""A department's incident events, for the plumbing's tests, and a raw publish of them to
`departments.events` as a department's system sends them (persistent JSON, through nameko's
producer: no SDK validation, so malformed bodies reach consumers too)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from nameko.amqp.publish import get_producer

from presscenter.shared.events import EventEnvelope, build_event

INCIDENT_EVENT = "department_incident_reported"


def incident(
    title: str = "water main burst", *, external_id: str | None = None, event_id: uuid.UUID | None = None
) -> EventEnvelope[Any]:
    """An incident of hanoi.water (a fresh `external_id` unless one is given)."""
    payload = {
        "external_id": external_id or f"inc-{uuid.uuid4().hex[:6]}",
        "unit_code": "hanoi.water",
        "title": title,
        "severity": "high",
        "started_at": "2025-05-01T08:00:00+07:00",
    }
    fields = {"event_id": event_id} if event_id else {}
    return build_event(INCIDENT_EVENT, payload, source="hanoi.water", **fields)


def publish_to_departments(
    amqp_uri: str,
    *messages: EventEnvelope[Any] | bytes,
    headers: Mapping[str, Any] | None = None,
    message_id: str | None = None,
) -> None:
    """Each message to `departments.events`: an envelope under its own type, raw bytes (malformed
    ones included) under the incident's."""
    with get_producer(amqp_uri) as producer:
        for message in messages:
            envelope = isinstance(message, EventEnvelope)
            producer.publish(
                message.model_dump_json().encode() if envelope else message,
                exchange="departments.events",
                routing_key=message.type if envelope else INCIDENT_EVENT,
                content_type="application/json",
                content_encoding="utf-8",
                delivery_mode=2,
                headers=dict(headers or {}),
                message_id=message_id,
            )
