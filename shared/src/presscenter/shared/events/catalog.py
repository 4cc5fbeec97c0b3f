"""The event catalog: every event type and version the platform knows, in one place.

Services may add events; each one is registered here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from presscenter.shared.events import departments, feedback, media, monitoring, releases
from presscenter.shared.events.envelope import EventEnvelope, EventPayload

PAYLOADS: tuple[type[EventPayload], ...] = (
    releases.ReleaseSubmitted,
    releases.ReleaseApproved,
    releases.ReleaseRejected,
    releases.ReleaseScheduled,
    releases.ReleasePublished,
    releases.ReleaseCorrected,
    releases.ReleaseWithdrawn,
    releases.ReleasePublishFailed,
    releases.EmbargoLifted,
    feedback.QuestionReceived,
    feedback.QuestionRouted,
    feedback.QuestionEscalated,
    feedback.QuestionOverdue,
    feedback.QuestionAnswered,
    feedback.QuestionUpdated,
    feedback.QuestionClosed,
    monitoring.ItemObserved,
    monitoring.TrendDetected,
    monitoring.MisinformationAlert,
    media.AssetReady,
    media.AssetRejected,
    media.AssetReleased,
    departments.DepartmentReleaseSubmitted,
    departments.DepartmentIncidentReported,
    departments.DirectoryUpdated,
)


@dataclass(frozen=True)
class CatalogEntry:
    type: str
    version: int
    channel: str
    payload: type[EventPayload]

    @property
    def exchange(self) -> str:
        """nameko's event exchange for this event's channel."""
        return f"{self.channel}.events"

    @property
    def summary(self) -> str:
        return (self.payload.__doc__ or "").strip().splitlines()[0] if self.payload.__doc__ else ""

    @property
    def envelope_model(self) -> type[EventEnvelope[Any]]:
        return EventEnvelope[self.payload]  # type: ignore[name-defined]


class UnknownEventType(ValueError):
    """The (type, version) pair is not in the catalog."""


class InvalidEvent(ValueError):
    """An event failed validation; `errors` names each offending field."""

    def __init__(self, message: str, errors: list[dict[str, Any]]):
        super().__init__(message)
        self.errors = errors


def _build() -> dict[tuple[str, int], CatalogEntry]:
    entries: dict[tuple[str, int], CatalogEntry] = {}
    for model in PAYLOADS:
        key = (model.event_type, model.event_version)
        if key in entries:
            raise RuntimeError(f"event {key} registered twice")
        entries[key] = CatalogEntry(model.event_type, model.event_version, model.channel, model)
    return entries


CATALOG: dict[tuple[str, int], CatalogEntry] = _build()


def entry(event_type: str, version: int | None = None) -> CatalogEntry:
    """The catalog entry for `event_type` at `version` (the latest when omitted)."""
    if version is None:
        versions = [v for (t, v) in CATALOG if t == event_type]
        if not versions:
            raise UnknownEventType(f"unknown event type {event_type!r}; known: {', '.join(event_types())}")
        version = max(versions)
    try:
        return CATALOG[(event_type, version)]
    except KeyError:
        raise UnknownEventType(f"unknown event {event_type!r} version {version}") from None


def event_types() -> list[str]:
    return sorted({t for (t, _) in CATALOG})


def format_errors(exc: ValidationError, prefix: str = "") -> list[dict[str, Any]]:
    """Validation errors as `{field, message}` dicts a person can act on."""
    out = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in (prefix, *err["loc"]) if p != "")
        out.append({"field": loc or "(root)", "message": err["msg"]})
    return out


def parse_event(data: dict[str, Any] | str | bytes) -> EventEnvelope[Any]:
    """Validate a wire message against the catalog; unknown payload fields are ignored.

    The message must carry its own `event_id`: it is what consumers deduplicate on.
    """
    if isinstance(data, str | bytes):
        import json

        try:
            data = json.loads(data)
        except ValueError as exc:
            raise InvalidEvent(f"event is not JSON: {exc}", [{"field": "(root)", "message": str(exc)}]) from None
    if not isinstance(data, dict):
        raise InvalidEvent("event must be a JSON object", [{"field": "(root)", "message": "not an object"}])
    event_type, version = data.get("type"), data.get("version")
    if not isinstance(event_type, str) or not isinstance(version, int):
        raise InvalidEvent(
            "event needs a string 'type' and an integer 'version'",
            [{"field": "type/version", "message": "missing or wrong type"}],
        )
    if "event_id" not in data:
        # Consumers deduplicate on event_id: a message without one would be a new event on every redelivery.
        raise InvalidEvent(
            f"{event_type} v{version}: event_id: Field required",
            [{"field": "event_id", "message": "Field required"}],
        )
    model = entry(event_type, version).envelope_model
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = format_errors(exc)
        first = errors[0]
        raise InvalidEvent(f"{event_type} v{version}: {first['field']}: {first['message']}", errors) from None


def build_event(
    event_type: str,
    payload: dict[str, Any],
    *,
    source: str,
    version: int | None = None,
    **envelope_fields: Any,
) -> EventEnvelope[Any]:
    """Validate a raw payload dict for `event_type` and wrap it in an envelope."""
    cat = entry(event_type, version)
    try:
        typed = cat.payload.model_validate(payload)
    except ValidationError as exc:
        errors = format_errors(exc, prefix="payload")
        first = errors[0]
        raise InvalidEvent(f"{event_type} v{cat.version}: {first['field']}: {first['message']}", errors) from None
    from presscenter.shared.events.envelope import make_event

    try:
        return make_event(typed, source=source, **envelope_fields)
    except ValidationError as exc:
        errors = format_errors(exc)
        first = errors[0]
        raise InvalidEvent(f"{event_type}: {first['field']}: {first['message']}", errors) from None
