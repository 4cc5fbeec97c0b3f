"""The release workflow: one pure function per action, returning the new release and its events.

    action                  from -> to                                       who
    create_draft            (new) -> draft                                   unit officer (own unit), editor, admin
    submit_from_department  (new) -> submitted                               a department's system
    edit                    draft | rejected -> draft                        unit officer (own unit), editor, admin
    submit                  draft | rejected -> submitted                    unit officer (own unit), editor, admin
    approve                 submitted -> approved (scheduled if requested)   editor, admin
    reject                  submitted -> rejected (reason)                   editor, admin
    schedule                approved | scheduled | failed_to_publish -> scheduled   editor, admin
    unschedule              scheduled | failed_to_publish -> approved        editor, admin
    publish                 approved | scheduled | failed_to_publish -> published   editor, admin
    publish_due             scheduled -> published, once scheduled_at <= now service (scheduler)
    force_publish           any status before publication -> published       editor, admin
    mark_failed_to_publish  scheduled -> failed_to_publish (alert event)     service (scheduler)
    correct                 published -> published (version + 1)             editor, admin
    withdraw                published -> withdrawn                           editor, admin
    set_embargo             before publication, status kept                  editor, admin; unit officer
                                                                             (own unit) in draft | submitted
    lift_embargo            published, embargoed_until <= now, once          service (embargo timer)

Times: `schedule` at > now and <= embargoed_until; `set_embargo` until > now and >= scheduled_at.

Who may do what is `permissions.PERMISSIONS`. Every success adds 1 to `revision`, sets
`updated_at = now` and appends one `HistoryEntry`. Every refusal raises before anything is built:
`Forbidden` (role or unit), `Conflict` (stale `expected_revision`), `InvalidTransition` (status or
timing), `InvalidInput` (a value; `field` names it). Decisions beyond the issue text:
- editing a rejected release moves it back to draft (the rejection reason stays visible until
  it is submitted again);
- a department's `requested_publish_at` is kept as `scheduled_at` while submitted; approving
  schedules it when that time is still ahead, and drops it (noted in the history) when it passed;
- publishing a release whose embargo already ended marks the embargo lifted at once and emits
  `EmbargoLifted` with `ReleasePublished`;
- a withdrawal with reason `withdrawn` needs a public note (as GOV.UK requires an explanation);
- a correction must change the content; it keeps the release's embargo and cannot add one;
- `unschedule` also parks a `failed_to_publish` release back in `approved`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, get_args

from pydantic import TypeAdapter, ValidationError

from presscenter.releases.domain import snapshots as events
from presscenter.releases.domain.model import (
    Action,
    Content,
    HistoryEntry,
    Intake,
    PublishedVersion,
    Release,
    Withdrawal,
)
from presscenter.releases.domain.permissions import ActionName, check_actor, check_status
from presscenter.releases.domain.refutation_drafts import refutation_content, refutation_release_id
from presscenter.shared.events.common import Actor, UnitCode
from presscenter.shared.events.departments import DepartmentReleaseSubmitted
from presscenter.shared.events.envelope import EventPayload
from presscenter.shared.events.monitoring import MisinformationAlert
from presscenter.shared.events.releases import ReleaseStatus, WithdrawalReason
from presscenter.shared.rpc.errors import Conflict, InvalidInput, InvalidTransition

MAX_REASON = 2_000
MAX_CORRECTION_NOTE = 5_000
MAX_RELEASE_ID = 64
WITHDRAWAL_REASONS: tuple[WithdrawalReason, ...] = get_args(WithdrawalReason)

_UNIT_CODE: TypeAdapter[str] = TypeAdapter(UnitCode)


@dataclass(frozen=True)
class Transition:
    """The release after an action and the event payloads to emit (through the outbox), in order."""

    release: Release
    events: tuple[EventPayload, ...] = ()


# --- creating -----------------------------------------------------------------------------------


def create_draft(actor: Actor, unit_code: str, content: Content, now: datetime, release_id: str) -> Transition:
    check_actor(actor, "create_draft", unit_code)
    _check_new(release_id, unit_code, content, now)
    return Transition(_new(release_id, unit_code, content, actor, now, status="draft", action="created"))


def draft_refutation(actor: Actor, alert: MisinformationAlert, now: datetime) -> Transition:
    """The platform drafts a refutation for the alert's responsible unit (see `refutation_drafts`)."""
    check_actor(actor, "draft_refutation", alert.responsible_unit_code)
    content = refutation_content(alert)
    release_id = refutation_release_id(alert.alert_id)
    _check_new(release_id, alert.responsible_unit_code, content, now)
    return Transition(
        _new(release_id, alert.responsible_unit_code, content, actor, now, status="draft", action="created")
    )


def submit_from_department(
    payload: DepartmentReleaseSubmitted, intake: Intake, actor: Actor, now: datetime, release_id: str
) -> Transition:
    """A department's system submits a release: it starts as `submitted`, with its intake recorded."""
    check_actor(actor, "submit_from_department", payload.unit_code)
    if intake.external_id != payload.external_id:
        raise InvalidInput(f"intake names {intake.external_id}, the payload {payload.external_id}", "external_id")
    content = _department_content(payload)
    _check_new(release_id, payload.unit_code, content, now)
    until = _future_or_none(payload.embargoed_until, now, "embargoed_until")
    requested = _future_or_none(payload.requested_publish_at, now, "requested_publish_at")
    _check_before_embargo_end(requested, until, "requested_publish_at")
    release = _new(
        release_id,
        payload.unit_code,
        content,
        actor,
        now,
        status="submitted",
        action="submitted",
        note=f"from {intake.source}, external id {intake.external_id}",
        embargoed_until=until,
        scheduled_at=requested,
        intake=intake,
    )
    return Transition(release, (events.submitted_event(release, actor),))


# --- before publication -------------------------------------------------------------------------


def edit(release: Release, actor: Actor, expected_revision: int, now: datetime, content: Content) -> Transition:
    _guard(release, actor, "edit", expected_revision, now)
    _check_content(content)
    note = "edited after rejection: back to draft" if release.status == "rejected" else ""
    return Transition(_advance(release, actor, now, "edited", "draft", note, content=content))


def submit(release: Release, actor: Actor, expected_revision: int, now: datetime) -> Transition:
    _guard(release, actor, "submit", expected_revision, now)
    new = _advance(release, actor, now, "submitted", "submitted", rejection_reason=None)
    return Transition(new, (events.submitted_event(new, actor),))


def approve(release: Release, actor: Actor, expected_revision: int, now: datetime) -> Transition:
    _guard(release, actor, "approve", expected_revision, now)
    requested = release.scheduled_at
    if requested is not None and requested > now:
        new = _advance(release, actor, now, "approved", "scheduled", f"scheduled as requested for {_iso(requested)}")
        return Transition(new, (events.approved_event(new, actor), events.scheduled_event(new, actor)))
    note = f"requested publication time {_iso(requested)} has passed" if requested is not None else ""
    new = _advance(release, actor, now, "approved", "approved", note, scheduled_at=None)
    return Transition(new, (events.approved_event(new, actor),))


def reject(release: Release, actor: Actor, expected_revision: int, now: datetime, reason: str) -> Transition:
    _guard(release, actor, "reject", expected_revision, now)
    reason = _required_text(reason, "reason", MAX_REASON)
    new = _advance(release, actor, now, "rejected", "rejected", reason, rejection_reason=reason)
    return Transition(new, (events.rejected_event(new, actor),))


def schedule(release: Release, actor: Actor, expected_revision: int, now: datetime, at: datetime) -> Transition:
    _guard(release, actor, "schedule", expected_revision, now)
    at = _future(at, now, "at")
    _check_before_embargo_end(at, release.embargoed_until, "at")
    new = _advance(release, actor, now, "scheduled", "scheduled", f"for {_iso(at)}", scheduled_at=at, failure=None)
    return Transition(new, (events.scheduled_event(new, actor),))


def unschedule(release: Release, actor: Actor, expected_revision: int, now: datetime) -> Transition:
    _guard(release, actor, "unschedule", expected_revision, now)
    note = f"was scheduled for {_iso(release.scheduled_at)}" if release.scheduled_at else ""
    return Transition(_advance(release, actor, now, "unscheduled", "approved", note, scheduled_at=None, failure=None))


def mark_failed_to_publish(
    release: Release, actor: Actor, expected_revision: int, now: datetime, error: str
) -> Transition:
    """A scheduled publication failed: the release waits, visibly, for an editor; the event is the alert."""
    _guard(release, actor, "mark_failed_to_publish", expected_revision, now)
    if not isinstance(error, str) or not error.strip():
        raise InvalidInput("the failure needs a description", "error")
    error = error.strip()[:MAX_REASON]
    new = _advance(release, actor, now, "publish_failed", "failed_to_publish", error, failure=error)
    return Transition(new, (events.publish_failed_event(new, actor),))


# --- publication --------------------------------------------------------------------------------


def publish(release: Release, actor: Actor, expected_revision: int, now: datetime) -> Transition:
    _guard(release, actor, "publish", expected_revision, now)
    return _publish(release, actor, now)


def publish_due(release: Release, actor: Actor, expected_revision: int, now: datetime) -> Transition:
    """The scheduler publishes a scheduled release once its time has come."""
    _guard(release, actor, "publish_due", expected_revision, now)
    at = release.scheduled_at
    if at is None or at > now:
        raise InvalidTransition(
            f"release {release.id} is scheduled for {_iso(at)}, not due at {_iso(now)}", "scheduled_at", code="not_due"
        )
    return _publish(release, actor, now, note=f"scheduled for {_iso(at)}")


def force_publish(release: Release, actor: Actor, expected_revision: int, now: datetime, reason: str) -> Transition:
    _guard(release, actor, "force_publish", expected_revision, now)
    return _publish(release, actor, now, force_reason=_required_text(reason, "reason", MAX_REASON))


def _publish(
    release: Release, actor: Actor, now: datetime, note: str = "", force_reason: str | None = None
) -> Transition:
    until = release.embargoed_until
    ended = until is not None and until <= now
    if ended:
        note = _join(note, f"embargo had ended at {_iso(until)}: lifted on publication")
    first = PublishedVersion(
        version=1, content=release.content, published_at=now, published_by=actor, embargoed_until=until
    )
    new = _advance(
        release,
        actor,
        now,
        "force_published" if force_reason else "published",
        "published",
        _join(force_reason or "", note),
        version=1,
        first_published_at=now,
        version_created_at=now,
        versions=(first,),
        scheduled_at=None,
        failure=None,
        rejection_reason=None,
        embargo_lifted_at=now if ended else None,
    )
    published = events.published_event(new, actor, force_reason)
    return Transition(new, (published, events.embargo_lifted_event(new)) if ended else (published,))


# --- after publication --------------------------------------------------------------------------


def correct(
    release: Release, actor: Actor, expected_revision: int, now: datetime, content: Content, correction_note: str
) -> Transition:
    """A new published version; every earlier version stays as it was. The embargo is kept, never added."""
    _guard(release, actor, "correct", expected_revision, now)
    _check_content(content)
    note = _required_text(correction_note, "note", MAX_CORRECTION_NOTE)
    if content == release.content:
        raise InvalidInput("a correction must change the content", "content")
    version, sequence = release.version + 1, release.correction_sequence + 1
    corrected = PublishedVersion(
        version=version,
        content=content,
        published_at=now,
        published_by=actor,
        correction_note=note,
        correction_sequence=sequence,
        embargoed_until=release.embargoed_until,
    )
    new = _advance(
        release,
        actor,
        now,
        "corrected",
        "published",
        note,
        content=content,
        version=version,
        correction_sequence=sequence,
        version_created_at=now,
        versions=(*release.versions, corrected),
    )
    return Transition(new, (events.corrected_event(new, actor),))


def withdraw(
    release: Release,
    actor: Actor,
    expected_revision: int,
    now: datetime,
    reason: str,
    note: str = "",
    superseded_by: str | None = None,
) -> Transition:
    """Withdrawn, the release and all its versions stay readable with the withdrawal notice."""
    _guard(release, actor, "withdraw", expected_revision, now)
    withdrawal = Withdrawal(
        reason=_withdrawal_reason(reason),
        note=_withdrawal_note(reason, note),
        superseded_by=_superseded_by(release, reason, superseded_by),
        at=now,
        by=actor,
    )
    new = _advance(release, actor, now, "withdrawn", "withdrawn", _join(reason, withdrawal.note), withdrawal=withdrawal)
    return Transition(new, (events.withdrawn_event(new, actor),))


# --- embargo ------------------------------------------------------------------------------------


def set_embargo(
    release: Release, actor: Actor, expected_revision: int, now: datetime, until: datetime | None
) -> Transition:
    """Set, move or (with None) clear the embargo, before publication only."""
    _guard(release, actor, "set_embargo", expected_revision, now)
    if until is None:
        if release.embargoed_until is None:
            raise InvalidInput(f"release {release.id} has no embargo to clear", "until")
        note = f"was until {_iso(release.embargoed_until)}"
        return Transition(_advance(release, actor, now, "embargo_cleared", release.status, note, embargoed_until=None))
    until = _future(until, now, "until")
    scheduled = release.scheduled_at
    if scheduled is not None and scheduled > until:
        raise InvalidInput(
            f"release {release.id} is scheduled for {_iso(scheduled)}, after an embargo ending {_iso(until)}: "
            "publishing after the embargo ends makes the embargo meaningless; "
            "embargo until the scheduled time or later, or reschedule first",
            "until",
        )
    note = f"until {_iso(until)}"
    return Transition(_advance(release, actor, now, "embargo_set", release.status, note, embargoed_until=until))


def lift_embargo(release: Release, actor: Actor, expected_revision: int, now: datetime) -> Transition:
    """The embargo timer lifts an ended embargo of a published release, exactly once."""
    _guard(release, actor, "lift_embargo", expected_revision, now)
    until = release.embargoed_until
    if until is None:
        raise InvalidTransition(f"release {release.id} has no embargo", "embargoed_until", code="no_embargo")
    if release.embargo_lifted_at is not None:
        raise InvalidTransition(
            f"the embargo of release {release.id} was lifted at {_iso(release.embargo_lifted_at)}",
            "embargoed_until",
            code="already_lifted",
        )
    if until > now:
        raise InvalidTransition(
            f"the embargo of release {release.id} runs until {_iso(until)}", "embargoed_until", code="not_due"
        )
    new = _advance(
        release, actor, now, "embargo_lifted", "published", f"embargo until {_iso(until)}", embargo_lifted_at=now
    )
    return Transition(new, (events.embargo_lifted_event(new),))


def is_embargoed(release: Release, now: datetime) -> bool:
    """Whether `release` may only reach journalists entitled to embargoed material at `now`."""
    return release.embargo_lifted_at is None and release.under_embargo(now)


# --- input --------------------------------------------------------------------------------------


def parse_content(data: Mapping[str, Any]) -> Content:
    """`Content` from request data; `InvalidInput` names the first bad field (`content.<name>`)."""
    try:
        content = Content.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InvalidInput(first["msg"], f"content.{where}" if where else "content") from None
    _check_content(content)
    return content


# --- the mechanics ------------------------------------------------------------------------------


def _guard(release: Release, actor: Actor, action: ActionName, expected_revision: int, now: datetime) -> None:
    """Role and unit, then revision, then status: the first thing wrong is the one reported."""
    _check_now(now)
    check_actor(actor, action, release.unit_code)
    if expected_revision != release.revision:
        raise Conflict(
            f"release {release.id} is at revision {release.revision}, you sent {expected_revision}",
            "revision",
            current_revision=release.revision,
        )
    check_status(actor, action, release)


def _advance(
    release: Release,
    actor: Actor,
    now: datetime,
    action: Action,
    to_status: ReleaseStatus,
    note: str = "",
    **changes: Any,
) -> Release:
    """`release` with `changes`, the next revision and one more history entry."""
    revision = release.revision + 1
    entry = HistoryEntry(
        at=now,
        actor=actor,
        action=action,
        from_status=release.status,
        to_status=to_status,
        revision=revision,
        note=note,
    )
    unknown = set(changes) - set(Release.model_fields)
    if unknown:  # the model ignores unknown fields: a misspelt change would vanish silently
        raise TypeError(f"Release has no field {', '.join(sorted(unknown))}")
    fields = dict(release) | changes
    fields |= {"status": to_status, "revision": revision, "updated_at": now, "history": (*release.history, entry)}
    return Release(**fields)


def _new(
    release_id: str,
    unit_code: str,
    content: Content,
    actor: Actor,
    now: datetime,
    *,
    status: ReleaseStatus,
    action: Action,
    note: str = "",
    **fields: Any,
) -> Release:
    entry = HistoryEntry(at=now, actor=actor, action=action, from_status=None, to_status=status, revision=1, note=note)
    return Release(
        id=release_id,
        unit_code=unit_code,
        content=content,
        status=status,
        revision=1,
        created_at=now,
        created_by=actor,
        updated_at=now,
        history=(entry,),
        **fields,
    )


def _department_content(payload: DepartmentReleaseSubmitted) -> Content:
    return parse_content(
        payload.model_dump(
            include={
                "title",
                "lead",
                "body",
                "language",
                "title_en",
                "body_en",
                "categories",
                "places",
                "contacts",
                "media_asset_ids",
            }
        )
    )


def _check_new(release_id: str, unit_code: str, content: Content, now: datetime) -> None:
    _check_now(now)
    if not isinstance(release_id, str) or not 0 < len(release_id) <= MAX_RELEASE_ID:
        raise InvalidInput(f"a release id has 1 to {MAX_RELEASE_ID} characters", "release_id")
    if not _is_unit_code(unit_code):
        raise InvalidInput(f"{unit_code!r} is not a unit code", "unit_code")
    _check_content(content)


def _check_content(content: Content) -> None:
    """What `Content` itself cannot say: blank text, places that are not unit codes."""
    if not content.title.strip():
        raise InvalidInput("the title is blank", "content.title")
    if not content.body.strip():
        raise InvalidInput("the body is blank", "content.body")
    bad = [place for place in content.places if not _is_unit_code(place)]
    if bad:
        raise InvalidInput(f"not unit codes: {', '.join(map(repr, bad[:5]))}", "content.places")


def _is_unit_code(value: object) -> bool:
    try:
        _UNIT_CODE.validate_python(value)
    except ValidationError:
        return False
    return True


def _check_now(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")


def _future(value: datetime, now: datetime, field: str) -> datetime:
    """`value` in UTC; `InvalidInput` unless it is a zoned time strictly after `now`."""
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput("a date and time with a time zone is required", field)
    value = value.astimezone(UTC)
    if value <= now:
        raise InvalidInput(f"{_iso(value)} is not in the future (now is {_iso(now)})", field)
    return value


def _future_or_none(value: datetime | None, now: datetime, field: str) -> datetime | None:
    return None if value is None else _future(value, now, field)


def _check_before_embargo_end(at: datetime | None, until: datetime | None, field: str) -> None:
    if at is not None and until is not None and at > until:
        raise InvalidInput(
            f"publication at {_iso(at)} would come after the embargo ends at {_iso(until)}, "
            "which makes the embargo meaningless; publish at or before the embargo time",
            field,
        )


def _required_text(value: str, field: str, limit: int) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise InvalidInput(f"{field} is required", field)
    if len(text) > limit:
        raise InvalidInput(f"{field} has {len(text)} characters, at most {limit} allowed", field)
    return text


def _withdrawal_reason(reason: str) -> WithdrawalReason:
    if reason not in WITHDRAWAL_REASONS:
        raise InvalidInput(f"{reason!r} is not one of {', '.join(WITHDRAWAL_REASONS)}", "reason")
    return reason  # type: ignore[return-value]


def _withdrawal_note(reason: str, note: str) -> str:
    text = note.strip() if isinstance(note, str) else ""
    if len(text) > MAX_REASON:
        raise InvalidInput(f"note has {len(text)} characters, at most {MAX_REASON} allowed", "note")
    if reason == "withdrawn" and not text:
        raise InvalidInput("a withdrawal needs a public explanation", "note")
    return text


def _superseded_by(release: Release, reason: str, superseded_by: str | None) -> str | None:
    other = superseded_by.strip() if isinstance(superseded_by, str) else None
    if reason != "superseded":
        if other:
            raise InvalidInput("superseded_by is only for reason superseded", "superseded_by")
        return None
    if not other or len(other) > MAX_RELEASE_ID:
        raise InvalidInput("a superseded release names the release that supersedes it", "superseded_by")
    if other == release.id:
        raise InvalidInput(f"release {release.id} cannot supersede itself", "superseded_by")
    return other


def _iso(value: datetime | None) -> str:
    return value.astimezone(UTC).isoformat() if value is not None else "never"


def _join(*parts: str) -> str:
    return "; ".join(part for part in parts if part)
