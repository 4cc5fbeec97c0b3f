"""Embargo and schedule rules with an injectable clock: past / now / future boundaries and their combinations.

Rules: an embargo or a schedule must lie strictly in the future; a release may not be scheduled
after its embargo ends (nor embargoed to end before its schedule); embargoes exist only before
publication (a correction keeps the embargo it had and never adds one); the scheduler publishes
only once `scheduled_at <= now`; the embargo is lifted once, at or after `embargoed_until`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from presscenter.releases.domain import workflow as wf
from presscenter.releases.domain.model import Content, Intake, Release
from presscenter.shared.events.common import Actor
from presscenter.shared.events.departments import DepartmentReleaseSubmitted
from presscenter.shared.events.releases import EmbargoLifted, ReleasePublished
from presscenter.shared.rpc.errors import Forbidden, InvalidInput, InvalidTransition

UNIT = "so-gtvt"
OFFICER = Actor(kind="user", id="o-1", role="unit_officer", unit_code=UNIT)
EDITOR = Actor(kind="user", id="e-1", role="editor")
SYSTEM = Actor(kind="system", id=UNIT, role="system", unit_code=UNIT)
SERVICE = Actor(kind="service", id="releases-embargo-timer")
CONTENT = Content(
    title="Kết quả tuyển sinh lớp 10", body="Điểm chuẩn các trường ...", media_asset_ids=("ast-1", "ast-2")
)
TICK = timedelta(microseconds=1)


class Clock:
    """The injectable clock: tests move time by hand."""

    def __init__(self) -> None:
        self.now = datetime(2025, 6, 20, 7, 0, tzinfo=UTC)

    def advance(self, delta: timedelta) -> datetime:
        self.now += delta
        return self.now

    def at(self, delta: timedelta) -> datetime:
        return self.now + delta


@pytest.fixture
def clock() -> Clock:
    return Clock()


def draft(clock: Clock) -> Release:
    return wf.create_draft(OFFICER, UNIT, CONTENT, clock.now, "r-1").release


def approved(clock: Clock) -> Release:
    release = wf.submit(draft(clock), OFFICER, 1, clock.now).release
    return wf.approve(release, EDITOR, release.revision, clock.now).release


def embargoed(release: Release, until: datetime, now: datetime) -> Release:
    return wf.set_embargo(release, EDITOR, release.revision, now, until).release


def published(release: Release, now: datetime) -> Release:
    return wf.publish(release, EDITOR, release.revision, now).release


def scheduled(release: Release, at: datetime, now: datetime) -> Release:
    return wf.schedule(release, EDITOR, release.revision, now, at).release


# --- the embargo time ---------------------------------------------------------------------------


@pytest.mark.parametrize("offset", [-timedelta(days=1), -TICK, timedelta(0)])
def test_an_embargo_must_end_in_the_future(clock: Clock, offset: timedelta) -> None:
    release = draft(clock)
    with pytest.raises(InvalidInput, match="not in the future") as raised:
        wf.set_embargo(release, OFFICER, 1, clock.now, clock.at(offset))
    assert raised.value.field == "until"


def test_an_embargo_one_tick_ahead_is_accepted_and_stored_in_utc(clock: Clock) -> None:
    release = draft(clock)
    assert embargoed(release, clock.at(TICK), clock.now).embargoed_until == clock.at(TICK)
    hanoi = timezone(timedelta(hours=7))
    local = clock.at(timedelta(hours=2)).astimezone(hanoi)
    stored = embargoed(release, local, clock.now).embargoed_until
    assert stored == local and stored is not None and stored.utcoffset() == timedelta(0)


def test_an_embargo_needs_a_time_zone(clock: Clock) -> None:
    with pytest.raises(InvalidInput) as raised:
        wf.set_embargo(draft(clock), EDITOR, 1, clock.now, datetime(2030, 1, 1, 9, 0))
    assert raised.value.field == "until"


def test_an_embargo_can_be_moved_and_cleared_before_publication(clock: Clock) -> None:
    release = embargoed(draft(clock), clock.at(timedelta(hours=3)), clock.now)
    release = embargoed(release, clock.at(timedelta(hours=5)), clock.now)
    cleared = wf.set_embargo(release, OFFICER, release.revision, clock.now, None).release
    assert cleared.embargoed_until is None
    assert [e.action for e in cleared.history] == ["created", "embargo_set", "embargo_set", "embargo_cleared"]
    assert cleared.status == "draft"
    with pytest.raises(InvalidInput, match="no embargo to clear"):
        wf.set_embargo(cleared, EDITOR, cleared.revision, clock.now, None)


def test_unit_officers_embargo_their_own_drafts_and_submissions_only(clock: Clock) -> None:
    release = draft(clock)
    release = embargoed(release, clock.at(timedelta(hours=1)), clock.now)
    release = wf.submit(release, OFFICER, release.revision, clock.now).release
    release = wf.set_embargo(release, OFFICER, release.revision, clock.now, clock.at(timedelta(hours=2))).release
    release = wf.approve(release, EDITOR, release.revision, clock.now).release
    with pytest.raises(Forbidden):
        wf.set_embargo(release, OFFICER, release.revision, clock.now, clock.at(timedelta(hours=3)))


# --- schedule against now and against the embargo -----------------------------------------------


@pytest.mark.parametrize("offset", [-timedelta(hours=1), -TICK, timedelta(0)])
def test_a_schedule_must_be_in_the_future(clock: Clock, offset: timedelta) -> None:
    release = approved(clock)
    with pytest.raises(InvalidInput, match="not in the future") as raised:
        wf.schedule(release, EDITOR, release.revision, clock.now, clock.at(offset))
    assert raised.value.field == "at"
    assert scheduled(release, clock.at(TICK), clock.now).scheduled_at == clock.at(TICK)


def test_scheduling_after_the_embargo_ends_is_refused_and_at_the_embargo_time_accepted(clock: Clock) -> None:
    until = clock.at(timedelta(hours=3))
    release = embargoed(approved(clock), until, clock.now)
    with pytest.raises(InvalidInput, match="makes the embargo meaningless") as raised:
        wf.schedule(release, EDITOR, release.revision, clock.now, until + TICK)
    assert raised.value.field == "at"
    assert scheduled(release, until, clock.now).scheduled_at == until
    assert scheduled(release, until - timedelta(hours=1), clock.now).status == "scheduled"


def test_an_embargo_ending_before_the_scheduled_time_is_refused(clock: Clock) -> None:
    at = clock.at(timedelta(hours=2))
    release = scheduled(approved(clock), at, clock.now)
    with pytest.raises(InvalidInput, match="meaningless") as raised:
        wf.set_embargo(release, EDITOR, release.revision, clock.now, at - TICK)
    assert raised.value.field == "until"
    assert embargoed(release, at, clock.now).embargoed_until == at
    # unscheduling first frees the embargo time again
    parked = wf.unschedule(release, EDITOR, release.revision, clock.now).release
    assert embargoed(parked, at - TICK, clock.now).embargoed_until == at - TICK


def test_the_scheduler_publishes_at_the_boundary_not_before(clock: Clock) -> None:
    at = clock.at(timedelta(minutes=30))
    release = scheduled(approved(clock), at, clock.now)
    with pytest.raises(InvalidTransition, match="not due"):
        wf.publish_due(release, SERVICE, release.revision, at - TICK)
    assert wf.publish_due(release, SERVICE, release.revision, at).release.first_published_at == at
    assert wf.publish_due(release, SERVICE, release.revision, at + timedelta(minutes=5)).release.status == "published"


def test_an_editor_may_publish_a_scheduled_release_early(clock: Clock) -> None:
    release = scheduled(approved(clock), clock.at(timedelta(hours=2)), clock.now)
    new = published(release, clock.advance(timedelta(minutes=10)))
    assert (new.status, new.first_published_at, new.scheduled_at) == ("published", clock.now, None)


# --- publication under embargo, and lifting it ---------------------------------------------------


def test_an_embargoed_release_may_be_published_early_and_stays_embargoed_until_lifted(clock: Clock) -> None:
    until = clock.at(timedelta(hours=2))
    release = embargoed(approved(clock), until, clock.now)
    transition = wf.publish(release, EDITOR, release.revision, clock.advance(timedelta(minutes=1)))
    new = transition.release
    [event] = transition.events
    assert isinstance(event, ReleasePublished)
    assert event.release.embargoed_until == until
    assert new.versions[0].embargoed_until == until
    assert new.embargo_lifted_at is None
    assert wf.is_embargoed(new, until - TICK)
    assert not wf.is_embargoed(new, until)

    with pytest.raises(InvalidTransition, match="runs until") as raised:
        wf.lift_embargo(new, SERVICE, new.revision, until - TICK)
    assert raised.value.extra["code"] == "not_due"
    lifted = wf.lift_embargo(new, SERVICE, new.revision, until)
    assert (lifted.release.embargo_lifted_at, lifted.release.status, lifted.release.embargoed_until) == (
        until,
        "published",
        until,
    )
    assert lifted.events == (
        EmbargoLifted(release_id="r-1", version=1, embargoed_until=until, media_asset_ids=["ast-1", "ast-2"]),
    )
    assert not wf.is_embargoed(lifted.release, until - TICK)

    with pytest.raises(InvalidTransition, match="was lifted") as raised:
        wf.lift_embargo(lifted.release, SERVICE, lifted.release.revision, until + timedelta(seconds=1))
    assert raised.value.extra["code"] == "already_lifted"


def test_lifting_needs_an_embargo(clock: Clock) -> None:
    release = published(approved(clock), clock.now)
    with pytest.raises(InvalidTransition) as raised:
        wf.lift_embargo(release, SERVICE, release.revision, clock.at(timedelta(hours=1)))
    assert raised.value.extra["code"] == "no_embargo"


def test_publishing_after_the_embargo_ended_lifts_it_at_once(clock: Clock) -> None:
    until = clock.at(timedelta(hours=1))
    release = embargoed(approved(clock), until, clock.now)
    transition = wf.publish(release, EDITOR, release.revision, clock.advance(timedelta(hours=1)))
    published_event, lifted_event = transition.events
    assert isinstance(published_event, ReleasePublished)
    assert lifted_event == EmbargoLifted(
        release_id="r-1", version=1, embargoed_until=until, media_asset_ids=["ast-1", "ast-2"]
    )
    assert transition.release.embargo_lifted_at == clock.now == until
    assert "lifted on publication" in transition.release.history[-1].note
    with pytest.raises(InvalidTransition, match="was lifted"):
        wf.lift_embargo(transition.release, SERVICE, transition.release.revision, clock.now)


def test_force_publishing_an_embargoed_release_keeps_the_embargo(clock: Clock) -> None:
    until = clock.at(timedelta(hours=4))
    release = embargoed(draft(clock), until, clock.now)
    new = wf.force_publish(release, EDITOR, release.revision, clock.now, "Bão số 3").release
    assert (new.embargoed_until, wf.is_embargoed(new, clock.now)) == (until, True)


# --- after publication ---------------------------------------------------------------------------


@pytest.mark.parametrize("until_offset", [timedelta(hours=1), None])
def test_no_embargo_can_be_added_changed_or_cleared_after_publication(
    clock: Clock, until_offset: timedelta | None
) -> None:
    release = published(embargoed(approved(clock), clock.at(timedelta(hours=2)), clock.now), clock.now)
    withdrawn = wf.withdraw(release, EDITOR, release.revision, clock.now, "published_in_error").release
    for after in (release, withdrawn):
        until = None if until_offset is None else clock.at(until_offset)
        with pytest.raises(InvalidTransition, match="cannot be added, changed or cleared after publication"):
            wf.set_embargo(after, EDITOR, after.revision, clock.now, until)


def test_a_correction_cannot_add_an_embargo(clock: Clock) -> None:
    release = published(approved(clock), clock.now)
    corrected = wf.correct(
        release,
        EDITOR,
        release.revision,
        clock.advance(timedelta(minutes=5)),
        CONTENT.model_copy(update={"body": "Điểm chuẩn đã sửa"}),
        "Sửa điểm chuẩn",
    ).release
    assert corrected.embargoed_until is None
    assert [v.embargoed_until for v in corrected.versions] == [None, None]
    assert not wf.is_embargoed(corrected, clock.now)
    with pytest.raises(InvalidTransition, match="after publication"):
        wf.set_embargo(corrected, EDITOR, corrected.revision, clock.now, clock.at(timedelta(hours=1)))


def test_a_correction_during_the_embargo_keeps_it_and_the_lift_names_the_current_version(clock: Clock) -> None:
    until = clock.at(timedelta(hours=2))
    release = published(embargoed(approved(clock), until, clock.now), clock.now)
    transition = wf.correct(
        release,
        EDITOR,
        release.revision,
        clock.advance(timedelta(minutes=30)),
        CONTENT.model_copy(update={"body": "Điểm chuẩn đã sửa"}),
        "Sửa điểm chuẩn",
    )
    corrected = transition.release
    assert corrected.versions[-1].embargoed_until == until
    assert transition.events[0].release.embargoed_until == until  # type: ignore[attr-defined]
    lifted = wf.lift_embargo(corrected, SERVICE, corrected.revision, until).events
    assert lifted == (
        EmbargoLifted(release_id="r-1", version=2, embargoed_until=until, media_asset_ids=["ast-1", "ast-2"]),
    )


# --- a department's system asks for an embargo or a publication time ------------------------------


def intake_payload(**times: datetime) -> tuple[DepartmentReleaseSubmitted, Intake]:
    payload = DepartmentReleaseSubmitted(external_id="ext-1", unit_code=UNIT, title="T", body="B", **times)
    return payload, Intake(source=UNIT, external_id="ext-1", event_id="0b7e1f7a-2222-4222-8222-222222222222")


@pytest.mark.parametrize("field", ["embargoed_until", "requested_publish_at"])
@pytest.mark.parametrize("offset", [-timedelta(minutes=1), timedelta(0)])
def test_a_department_cannot_ask_for_a_past_time(clock: Clock, field: str, offset: timedelta) -> None:
    payload, intake = intake_payload(**{field: clock.at(offset)})
    with pytest.raises(InvalidInput) as raised:
        wf.submit_from_department(payload, intake, SYSTEM, clock.now, "r-5")
    assert raised.value.field == field


def test_a_department_cannot_ask_to_publish_after_its_embargo(clock: Clock) -> None:
    until = clock.at(timedelta(hours=2))
    payload, intake = intake_payload(embargoed_until=until, requested_publish_at=until + TICK)
    with pytest.raises(InvalidInput, match="meaningless") as raised:
        wf.submit_from_department(payload, intake, SYSTEM, clock.now, "r-5")
    assert raised.value.field == "requested_publish_at"
    payload, intake = intake_payload(embargoed_until=until, requested_publish_at=until)
    release = wf.submit_from_department(payload, intake, SYSTEM, clock.now, "r-5").release
    assert (release.scheduled_at, release.embargoed_until) == (until, until)
    with pytest.raises(InvalidInput, match="meaningless"):
        wf.set_embargo(release, EDITOR, release.revision, clock.now, until - TICK)
