"""Envelope and catalog: every event round-trips through JSON; validation errors name the field."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest
from pydantic import ValidationError

from presscenter.shared.contracts.examples import PAYLOADS, example_message
from presscenter.shared.events import (
    CATALOG,
    CatalogEntry,
    EventEnvelope,
    InvalidEvent,
    UnknownEventType,
    build_event,
    entry,
    make_event,
    parse_event,
)

ENTRIES = sorted(CATALOG.values(), key=lambda c: (c.type, c.version))


def _id(cat: CatalogEntry) -> str:
    return f"{cat.type}.v{cat.version}"


def _envelope(cat: CatalogEntry, **fields: Any) -> EventEnvelope[Any]:
    return build_event(cat.type, PAYLOADS[(cat.type, cat.version)], source="test-suite", version=cat.version, **fields)


def test_catalog_covers_the_foundation_events_and_each_has_an_example() -> None:
    required = {
        "release_submitted", "release_approved", "release_rejected", "release_scheduled", "release_published",
        "release_corrected", "release_withdrawn", "embargo_lifted", "question_received", "question_routed",
        "question_escalated", "question_overdue", "question_answered", "question_closed", "item_observed",
        "trend_detected", "misinformation_alert", "asset_ready", "asset_rejected", "asset_released",
        "department_release_submitted", "department_incident_reported", "directory_updated",
    }  # fmt: skip
    assert required <= {t for t, _ in CATALOG}
    missing = [_id(cat) for cat in ENTRIES if (cat.type, cat.version) not in PAYLOADS]
    assert missing == [], "add an example payload to presscenter/shared/contracts/examples.py"
    assert set(PAYLOADS) <= set(CATALOG), "an example for an event that is not in the catalog"


@pytest.mark.parametrize("cat", ENTRIES, ids=_id)
def test_round_trip_through_json_gives_an_equal_model(cat: CatalogEntry) -> None:
    sent = _envelope(cat)
    assert isinstance(sent.payload, cat.payload)
    wire = json.dumps(sent.to_message())

    received = parse_event(wire)
    assert received == sent
    assert type(received.payload) is cat.payload
    assert (received.type, received.version) == (cat.type, cat.version)
    assert parse_event(wire.encode()) == sent
    assert parse_event(json.loads(wire)) == sent


@pytest.mark.parametrize("cat", ENTRIES, ids=_id)
def test_unknown_fields_are_ignored(cat: CatalogEntry) -> None:
    sent = _envelope(cat)
    message = sent.to_message()
    message["added_in_a_later_release"] = {"any": "thing"}
    message["payload"] = {**message["payload"], "future_field": [1, 2, 3]}
    received = parse_event(message)
    assert received == sent
    dumped = received.to_message()
    assert "added_in_a_later_release" not in dumped
    assert "future_field" not in dumped["payload"]


def _required(cat: CatalogEntry) -> list[str]:
    return [name for name, info in cat.payload.model_fields.items() if info.is_required()]


@pytest.mark.parametrize("cat", [cat for cat in ENTRIES if _required(cat)], ids=_id)
def test_missing_required_payload_field_is_named(cat: CatalogEntry) -> None:
    field = _required(cat)[-1]
    message = _envelope(cat).to_message()
    del message["payload"][field]
    with pytest.raises(InvalidEvent) as caught:
        parse_event(message)
    assert {"field": f"payload.{field}", "message": "Field required"} in caught.value.errors
    assert f"payload.{field}" in str(caught.value)

    with pytest.raises(InvalidEvent) as built:
        build_event(cat.type, {k: v for k, v in PAYLOADS[(cat.type, cat.version)].items() if k != field}, source="x")
    assert built.value.errors[0]["field"] == f"payload.{field}"


@pytest.mark.parametrize("field", ["source", "payload", "type", "event_id"])
def test_missing_envelope_field_is_named(field: str) -> None:
    message = _envelope(entry("directory_updated", 1)).to_message()
    del message[field]
    with pytest.raises(InvalidEvent) as caught:
        parse_event(message)
    assert field in caught.value.errors[0]["field"]


def test_missing_field_of_a_nested_model_is_named() -> None:
    message = _envelope(entry("directory_updated", 1)).to_message()
    del message["payload"]["upserts"][0]["code"]
    with pytest.raises(InvalidEvent) as caught:
        parse_event(message)
    assert caught.value.errors == [{"field": "payload.upserts.0.code", "message": "Field required"}]


def test_wrong_value_deep_in_the_payload_is_named() -> None:
    message = example_message(entry("release_published", 1))
    assert message is not None
    message["payload"]["release"]["contacts"] = [{"name": ""}]
    with pytest.raises(InvalidEvent) as caught:
        parse_event(message)
    assert caught.value.errors[0]["field"] == "payload.release.contacts.0.name"


def test_occurred_at_is_normalised_to_utc() -> None:
    cat = entry("asset_released", 1)
    message = _envelope(cat).to_message()
    message["occurred_at"] = "2025-09-01T09:00:00+07:00"
    received = parse_event(message)
    assert received.occurred_at == datetime(2025, 9, 1, 2, 0, tzinfo=UTC)
    assert received.occurred_at.utcoffset() == timedelta(0)
    assert received.to_message()["occurred_at"] == "2025-09-01T02:00:00Z"

    local = datetime(2025, 9, 1, 9, 0, tzinfo=timezone(timedelta(hours=7)))
    assert _envelope(cat, occurred_at=local).occurred_at == datetime(2025, 9, 1, 2, 0, tzinfo=UTC)


def test_naive_datetimes_are_refused() -> None:
    cat = entry("asset_released", 1)
    message = _envelope(cat).to_message()
    message["occurred_at"] = "2025-09-01T09:00:00"
    with pytest.raises(InvalidEvent) as caught:
        parse_event(message)
    assert caught.value.errors[0]["field"] == "occurred_at"

    with pytest.raises(InvalidEvent) as built:
        _envelope(cat, occurred_at=datetime(2025, 9, 1, 9, 0))
    assert built.value.errors[0]["field"] == "occurred_at"

    routed = dict(PAYLOADS[("question_routed", 1)], due_at="2025-09-03T10:00:00")
    with pytest.raises(InvalidEvent) as payload_error:
        build_event("question_routed", routed, source="feedback")
    assert payload_error.value.errors[0]["field"] == "payload.due_at"


def test_unknown_type_or_version_is_refused() -> None:
    message = _envelope(entry("asset_released", 1)).to_message()
    with pytest.raises(UnknownEventType, match="release_teleported"):
        parse_event({**message, "type": "release_teleported"})
    with pytest.raises(UnknownEventType, match="version 99"):
        parse_event({**message, "version": 99})
    with pytest.raises(UnknownEventType):
        build_event("release_teleported", {}, source="releases")


def test_malformed_messages_are_invalid_events() -> None:
    for bad in ("not json", b"[1, 2]", {"type": "asset_released"}, {"type": 3, "version": 1}):
        with pytest.raises(InvalidEvent):
            parse_event(bad)  # type: ignore[arg-type]


def test_make_event_with_caused_by_carries_the_flow() -> None:
    question = _envelope(entry("question_received", 1), correlation_id="flow-42")
    routed_payload = entry("question_routed", 1).payload.model_validate(PAYLOADS[("question_routed", 1)])

    routed = make_event(routed_payload, source="feedback", caused_by=question)
    assert routed.correlation_id == "flow-42"
    assert routed.causation_id == question.event_id
    assert routed.event_id != question.event_id
    assert (routed.type, routed.version) == ("question_routed", 1)
    assert parse_event(json.dumps(routed.to_message())) == routed

    fresh = make_event(routed_payload, source="feedback")
    assert fresh.causation_id is None
    assert fresh.correlation_id and fresh.correlation_id != "flow-42"
    assert isinstance(fresh.event_id, UUID)
    assert fresh.occurred_at.tzinfo is not None and fresh.occurred_at.utcoffset() == timedelta(0)


def test_envelope_is_immutable() -> None:
    envelope = _envelope(entry("asset_released", 1))
    with pytest.raises(ValidationError):
        envelope.source = "someone-else"  # type: ignore[misc]


def test_latest_version_is_the_default() -> None:
    for event_type in {t for t, _ in CATALOG}:
        latest = max(v for t, v in CATALOG if t == event_type)
        assert entry(event_type).version == latest
