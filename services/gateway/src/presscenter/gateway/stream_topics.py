"""What the live stream carries, and to whom: the registry of event type -> projector.

A projector turns an event's envelope into a `Projection`: the JSON clients receive and its
`audience`, a rule over the caller's `Viewer` (the identity the releases service also reads with).
Adding an event to the stream is adding a `StreamTopic` to `STREAM_TOPICS`.

What goes to whom:
- releases (published, corrected, withdrawn, embargo lifted): whoever may read the release then;
  a failed scheduled publication: editors; a `correction_notice`: each account that downloaded an
  earlier version;
- every step of a question (received, routed, updated — started, clarification asked or given —,
  escalated, overdue, answered, closed): the journalist who asked it, the officers of the units
  the step names, and editors;
- misinformation alerts: editors and the officers of the responsible unit; trends: editors —
  as the monitoring routes let them read those.

Each frame is small: releases without their body and contacts, questions without their text,
reasons or answer (clients GET `href` for those, with their own rights): it keeps every frame,
and the ring of recent events, small, and nothing reaches the stream that the API would refuse.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from presscenter.shared.events.envelope import EventEnvelope
from presscenter.shared.events.releases import ReleaseSnapshot
from presscenter.shared.redaction import redact
from presscenter.shared.rpc.releases import Release, ReleaseRecipients, Viewer

log = logging.getLogger(__name__)

# Who reads every release, embargoed or not (mirrors the releases service's visibility rule).
FULL_ACCESS_ROLES = frozenset({"editor", "admin", "system"})
EDITORIAL_ROLES = frozenset({"editor", "admin"})
# The identity the stream reads releases with (to show a release whose embargo was lifted).
STREAM_READER = Viewer(id="gateway-stream", role="system")

# -- who receives what ---------------------------------------------------------------------------------

Audience = Callable[[Viewer], bool]
"""Whether a caller (as the releases service would see them) receives an event."""


def everyone(viewer: Viewer) -> bool:
    return True


def editors(viewer: Viewer) -> bool:
    return viewer.role in EDITORIAL_ROLES


def officers_of(*unit_codes: str | None) -> Audience:
    """The unit officers of any of `unit_codes`."""
    units = frozenset(code for code in unit_codes if code)
    return lambda viewer: viewer.role == "unit_officer" and viewer.unit_code in units


def account(account_id: str | None) -> Audience:
    """The one account `account_id` (nobody for None)."""
    return lambda viewer: account_id is not None and viewer.id == account_id


def any_of(*audiences: Audience) -> Audience:
    return lambda viewer: any(audience(viewer) for audience in audiences)


def sees_embargoed(viewer: Viewer, unit_code: str) -> bool:
    """Editors, admins, systems, entitled journalists and the officers of the release's own unit."""
    if viewer.role in FULL_ACCESS_ROLES:
        return True
    if viewer.role == "journalist":
        return viewer.embargo_entitled
    return viewer.role == "unit_officer" and viewer.unit_code == unit_code


def release_readers(unit_code: str, embargoed: bool) -> Audience:
    """Everyone who may read a published release: all, or only embargo readers while it is embargoed."""
    if not embargoed:
        return everyone
    return lambda viewer: sees_embargoed(viewer, unit_code)


@dataclass(frozen=True)
class Projection:
    """What an event becomes on the stream: the JSON clients get and who gets it."""

    data: dict[str, Any]
    audience: Audience


class ReleaseLookup(Protocol):
    async def release(self, release_id: str) -> Release | None:
        """The release as the stream may show it; None when it cannot be read now."""

    async def recipients(self, release_id: str) -> ReleaseRecipients | None:
        """Who downloaded which version of the release; None when it cannot be read now."""


@dataclass(frozen=True)
class Notice:
    """A further stream event an event causes, for some callers only (e.g. a `correction_notice`)."""

    event_id: str
    type: str
    projection: Projection


Projector = Callable[[EventEnvelope[Any], ReleaseLookup], Awaitable[Projection | None]]
Notifier = Callable[[EventEnvelope[Any], ReleaseLookup], Awaitable[list[Notice]]]


@dataclass(frozen=True)
class StreamTopic:
    event_type: str
    channel: str  # exchange `<channel>.events`, routing key = event type
    project: Projector
    notify: Notifier | None = None  # the notices the event also causes

    @property
    def exchange(self) -> str:
        return f"{self.channel}.events"


def release_href(release_id: str) -> str:
    return f"/v1/releases/{release_id}"


def snapshot_view(snapshot: ReleaseSnapshot) -> dict[str, Any]:
    """A release on the stream: everything but the body and contacts (clients GET `href` for those)."""
    return {
        "release_id": snapshot.release_id,
        "unit_code": snapshot.unit_code,
        "title": snapshot.title,
        "lead": snapshot.lead,
        "language": snapshot.language,
        "title_en": snapshot.title_en,
        "categories": snapshot.categories,
        "places": snapshot.places,
        "media_asset_ids": snapshot.media_asset_ids,
        "status": snapshot.status,
        "version": snapshot.version,
        "embargoed_until": snapshot.embargoed_until,
        "published_at": snapshot.published_at,
        "href": release_href(snapshot.release_id),
    }


def release_view(release: Release) -> dict[str, Any]:
    """The same view, from a release read over RPC."""
    content = release.content
    return {
        "release_id": release.id,
        "unit_code": release.unit_code,
        "title": content.title,
        "lead": content.lead,
        "language": content.language,
        "title_en": content.title_en,
        "categories": list(content.categories),
        "places": list(content.places),
        "media_asset_ids": list(content.media_asset_ids),
        "status": release.status,
        "version": release.version,
        "embargoed_until": release.embargoed_until,
        "published_at": release.first_published_at,
        "href": release_href(release.id),
    }


def embargoed_at(snapshot: ReleaseSnapshot, moment: datetime) -> bool:
    return snapshot.embargoed_until is not None and snapshot.embargoed_until > moment


def _base(envelope: EventEnvelope[Any]) -> dict[str, Any]:
    return {"event_id": str(envelope.event_id), "type": envelope.type, "occurred_at": envelope.occurred_at}


async def project_press_release(envelope: EventEnvelope[Any], _lookup: ReleaseLookup) -> Projection:
    """release_published / _corrected / _withdrawn: to whoever may read the release at that moment,
    marked `embargoed` when it was under embargo then (embargo_lifted brings it to the rest)."""
    payload = envelope.payload
    snapshot: ReleaseSnapshot = payload.release
    embargoed = embargoed_at(snapshot, envelope.occurred_at)
    data = {**_base(envelope), "embargoed": embargoed, "release": snapshot_view(snapshot)}
    if envelope.type == "release_corrected":
        data.update(
            correction_note=payload.correction_note,
            correction_sequence=payload.correction_sequence,
            previous_version=payload.previous_version,
        )
    elif envelope.type == "release_withdrawn":
        data.update(reason=payload.reason, note=payload.note, superseded_by=payload.superseded_by)
    return Projection(data, release_readers(snapshot.unit_code, embargoed))


async def project_embargo_lifted(envelope: EventEnvelope[Any], lookup: ReleaseLookup) -> Projection:
    """To everyone, with the release (read now): for those who could not see it under embargo it
    is the publication; for the others, the notice that it is public."""
    payload = envelope.payload
    release = await lookup.release(payload.release_id)
    view = (
        release_view(release)
        if release is not None
        else {"release_id": payload.release_id, "version": payload.version, "href": release_href(payload.release_id)}
    )
    data = {**_base(envelope), "embargoed": False, "embargoed_until": payload.embargoed_until, "release": view}
    return Projection(data, everyone)


async def project_publish_failed(envelope: EventEnvelope[Any], _lookup: ReleaseLookup) -> Projection:
    """An alert for editors: a scheduled publication failed."""
    payload = envelope.payload
    data = {
        **_base(envelope),
        "release": snapshot_view(payload.release),
        "error": payload.error,
        "scheduled_at": payload.scheduled_at,
    }
    return Projection(data, editors)


CORRECTION_NOTICE = "correction_notice"


async def correction_notices(envelope: EventEnvelope[Any], lookup: ReleaseLookup) -> list[Notice]:
    """release_corrected / _withdrawn: a `correction_notice` to each account that downloaded an earlier
    version (a withdrawal: any version), naming the version it has and the new one. Its SSE id is
    `<event_id>.<account_id>`, the same on every replica."""
    payload = envelope.payload
    snapshot: ReleaseSnapshot = payload.release
    recipients = await lookup.recipients(snapshot.release_id)
    if recipients is None:
        return []
    corrected = envelope.type == "release_corrected"
    details = (
        {"correction_note": payload.correction_note, "correction_sequence": payload.correction_sequence}
        if corrected
        else {"reason": payload.reason, "note": payload.note, "superseded_by": payload.superseded_by}
    )
    release = {
        "release_id": snapshot.release_id,
        "unit_code": snapshot.unit_code,
        "title": snapshot.title,
        "status": snapshot.status,
        "href": release_href(snapshot.release_id),
    }
    notices = []
    for recipient in recipients.items:
        if corrected and recipient.latest_version >= snapshot.version:
            continue  # already has the corrected text
        event_id = f"{envelope.event_id}.{recipient.account_id}"
        data = {
            "event_id": event_id,
            "type": CORRECTION_NOTICE,
            "occurred_at": envelope.occurred_at,
            "action": "corrected" if corrected else "withdrawn",
            "cause_event_id": str(envelope.event_id),
            "release": release,
            "version_had": recipient.latest_version,
            "new_version": snapshot.version,
            **details,
        }
        notices.append(Notice(event_id, CORRECTION_NOTICE, Projection(data, account(recipient.account_id))))
    return notices


def question_href(question_id: str) -> str:
    return f"/v1/questions/{question_id}"


# What each question event shows beyond its id and status, and the units whose officers it concerns.
QUESTION_FIELDS: dict[str, tuple[str, ...]] = {
    "question_received": ("title", "category", "priority", "language", "origin"),
    "question_routed": ("unit_code", "due_at"),
    "question_escalated": ("from_unit_code", "to_unit_code", "level", "due_at", "automatic"),
    "question_updated": ("action", "unit_code", "due_at"),
    "question_overdue": ("unit_code", "due_at", "stage"),
    "question_answered": ("unit_code", "answered_at", "within_deadline", "public"),
    "question_closed": (),
}
QUESTION_UNITS: dict[str, tuple[str, ...]] = {
    "question_routed": ("unit_code",),
    "question_escalated": ("from_unit_code", "to_unit_code"),
    "question_updated": ("unit_code",),
    "question_overdue": ("unit_code",),
    "question_answered": ("unit_code",),
}


async def project_question(envelope: EventEnvelope[Any], _lookup: ReleaseLookup) -> Projection:
    """A step of a question: to the journalist who asked it, the officers of the units it names and
    editors. Its text, reasons and answer stay behind `href` (GET checks who reads them)."""
    payload = envelope.payload
    shown = {name: getattr(payload, name) for name in QUESTION_FIELDS[envelope.type]}
    data = {
        **_base(envelope),
        "question_id": payload.question_id,
        "status": payload.status,
        **shown,
        "href": question_href(payload.question_id),
    }
    if envelope.type == "question_routed":
        data["rerouted"] = payload.rerouted_by is not None
    units = (getattr(payload, name) for name in QUESTION_UNITS.get(envelope.type, ()))
    return Projection(data, any_of(account(payload.journalist_id), officers_of(*units), editors))


MONITORING_EXAMPLES = 3  # items or examples a monitoring frame shows (the desk's API has them all)


async def project_misinformation_alert(envelope: EventEnvelope[Any], _lookup: ReleaseLookup) -> Projection:
    """To editors and the officers of the unit that answers for the claim (as `/v1/monitoring/alerts`)."""
    payload = envelope.payload
    data = {
        **_base(envelope),
        **payload.model_dump(mode="json", exclude={"items"}),
        "item_count": len(payload.items),
        "items": [item.model_dump(mode="json") for item in payload.items[:MONITORING_EXAMPLES]],
        "href": f"/v1/monitoring/alerts?unit_code={payload.responsible_unit_code}",
    }
    return Projection(data, any_of(editors, officers_of(payload.responsible_unit_code)))


async def project_trend(envelope: EventEnvelope[Any], _lookup: ReleaseLookup) -> Projection:
    """To editors (as `/v1/monitoring/trends`)."""
    payload = envelope.payload
    data = {
        **_base(envelope),
        **payload.model_dump(mode="json", exclude={"examples", "story_ids"}),
        "story_count": len(payload.story_ids),
        "examples": [example.model_dump(mode="json") for example in payload.examples[:MONITORING_EXAMPLES]],
        "href": "/v1/monitoring/trends",
    }
    return Projection(data, editors)


STREAM_TOPICS: tuple[StreamTopic, ...] = (
    StreamTopic("release_published", "releases", project_press_release),
    StreamTopic("release_corrected", "releases", project_press_release, correction_notices),
    StreamTopic("release_withdrawn", "releases", project_press_release, correction_notices),
    StreamTopic("embargo_lifted", "releases", project_embargo_lifted),
    StreamTopic("release_publish_failed", "releases", project_publish_failed),
    *(StreamTopic(event_type, "feedback", project_question) for event_type in QUESTION_FIELDS),
    StreamTopic("misinformation_alert", "monitoring", project_misinformation_alert),
    StreamTopic("trend_detected", "monitoring", project_trend),
)


class StreamRegistry:
    """The topics by event type, and the bindings they need."""

    def __init__(self, topics: Iterable[StreamTopic] = STREAM_TOPICS) -> None:
        self.topics = {topic.event_type: topic for topic in topics}

    def get(self, event_type: str) -> StreamTopic | None:
        return self.topics.get(event_type)

    def bindings(self) -> dict[str, list[str]]:
        """exchange -> routing keys (event types)."""
        found: dict[str, list[str]] = {}
        for topic in self.topics.values():
            found.setdefault(topic.exchange, []).append(topic.event_type)
        return found


# -- reading releases for projections ------------------------------------------------------------------


class RpcCaller(Protocol):
    async def call(self, service: str, method: str, /, *args: Any, timeout: float | None = None) -> Any: ...


class RpcReleaseLookup:
    """Reads a release over RPC as the stream's own system viewer; None (logged) when it cannot."""

    def __init__(self, rpc: RpcCaller, timeout: float) -> None:
        self.rpc, self.timeout = rpc, timeout

    async def release(self, release_id: str) -> Release | None:
        request = {"viewer": STREAM_READER.model_dump(mode="json"), "release_id": release_id}
        try:
            return Release.model_validate(await self.rpc.call("releases", "get", request, timeout=self.timeout))
        except Exception as exc:  # the event still goes out, with what its payload says
            log.warning("stream: release %s could not be read (%s)", release_id, redact(str(exc))[:300])
            return None

    async def recipients(self, release_id: str) -> ReleaseRecipients | None:
        request = {"viewer": STREAM_READER.model_dump(mode="json"), "release_id": release_id}
        try:
            reply = await self.rpc.call("releases", "recipients", request, timeout=self.timeout)
            return ReleaseRecipients.model_validate(reply)
        except Exception as exc:  # the correction itself still goes out
            log.warning("stream: recipients of %s could not be read (%s)", release_id, redact(str(exc))[:300])
            return None
