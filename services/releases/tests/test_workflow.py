"""The release workflow: what each action changes, records and emits; conflicts; bad values."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from presscenter.releases.domain import workflow as wf
from presscenter.releases.domain.model import Content, Intake, Release
from presscenter.releases.domain.permissions import ACTIONS, PERMISSIONS
from presscenter.releases.domain.snapshots import snapshot
from presscenter.shared.events.common import Actor, Contact
from presscenter.shared.events.departments import DepartmentReleaseSubmitted
from presscenter.shared.events.releases import (
    ReleaseApproved,
    ReleaseCorrected,
    ReleasePublished,
    ReleasePublishFailed,
    ReleaseRejected,
    ReleaseScheduled,
    ReleaseSubmitted,
    ReleaseWithdrawn,
)
from presscenter.shared.rpc.errors import Conflict, Forbidden, InvalidInput, InvalidTransition

T0 = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)
UNIT = "so-gtvt"
OFFICER = Actor(kind="user", id="o-1", role="unit_officer", unit_code=UNIT)
EDITOR = Actor(kind="user", id="e-1", role="editor", unit_code="vp-ubnd")
ADMIN = Actor(kind="user", id="a-1", role="admin")
JOURNALIST = Actor(kind="user", id="j-1", role="journalist")
SYSTEM = Actor(kind="system", id=UNIT, role="system", unit_code=UNIT)
SERVICE = Actor(kind="service", id="releases-scheduler")

CONTENT = Content(
    title="Phân luồng giao thông dịp Quốc khánh 2/9",
    lead="Sở Giao thông Vận tải thông báo phân luồng.",
    body="Các tuyến đường sau **cấm** phương tiện từ 6 giờ đến 22 giờ.",
    categories=("giao-thong",),
    places=(UNIT, "phuong-hang-bac"),
    contacts=(Contact(name="Nguyễn Văn A", phone="024 3825 0000"),),
    media_asset_ids=("ast-77",),
)


def revised(content: Content, n: int) -> Content:
    return content.model_copy(update={"body": f"{content.body} (bản sửa {n})"})


def draft(now: datetime = T0) -> Release:
    return wf.create_draft(OFFICER, UNIT, CONTENT, now, "r-1").release


def submitted(now: datetime = T0) -> Release:
    release = draft(now)
    return wf.submit(release, OFFICER, release.revision, now).release


def approved(now: datetime = T0) -> Release:
    release = submitted(now)
    return wf.approve(release, EDITOR, release.revision, now).release


def published(now: datetime = T0) -> Release:
    release = approved(now)
    return wf.publish(release, EDITOR, release.revision, now).release


def scheduled(at: datetime, now: datetime = T0) -> Release:
    release = approved(now)
    return wf.schedule(release, EDITOR, release.revision, now, at).release


def published_under_embargo(until: datetime, now: datetime = T0) -> Release:
    release = approved(now)
    release = wf.set_embargo(release, EDITOR, release.revision, now, until).release
    return wf.publish(release, EDITOR, release.revision, now).release


def department_payload(**changes: object) -> DepartmentReleaseSubmitted:
    fields: dict[str, object] = {
        "external_id": "sgtvt-2025-881",
        "unit_code": UNIT,
        "title": "Phân luồng giao thông",
        "body": "Các tuyến đường sau cấm phương tiện.",
        "places": [UNIT],
        "media_asset_ids": ["ast-1"],
        "contacts": [{"name": "Trần Thị B", "email": "b@sgtvt.example"}],
    }
    return DepartmentReleaseSubmitted.model_validate(fields | changes)


INTAKE = Intake(source=UNIT, external_id="sgtvt-2025-881", event_id="9b2f3c1e-1111-4111-8111-111111111111")


# --- creating -----------------------------------------------------------------------------------


def test_create_draft_starts_at_revision_one_with_one_history_entry() -> None:
    transition = wf.create_draft(OFFICER, UNIT, CONTENT, T0, "r-1")
    release = transition.release
    assert transition.events == ()
    assert (release.id, release.unit_code, release.status, release.revision, release.version) == (
        "r-1",
        UNIT,
        "draft",
        1,
        0,
    )
    assert (release.created_at, release.updated_at, release.created_by) == (T0, T0, OFFICER)
    [entry] = release.history
    assert (entry.action, entry.from_status, entry.to_status, entry.revision, entry.at, entry.actor) == (
        "created",
        None,
        "draft",
        1,
        T0,
        OFFICER,
    )


@pytest.mark.parametrize(
    ("unit_code", "content", "release_id", "field"),
    [
        (UNIT, CONTENT.model_copy(update={"title": "   "}), "r-1", "content.title"),
        (UNIT, CONTENT.model_copy(update={"body": "\n\t"}), "r-1", "content.body"),
        (UNIT, CONTENT.model_copy(update={"places": (UNIT, "Hà Nội")}), "r-1", "content.places"),
        ("Sở GTVT", CONTENT, "r-1", "unit_code"),
        (UNIT, CONTENT, "", "release_id"),
        (UNIT, CONTENT, "r" * 65, "release_id"),
    ],
)
def test_create_draft_refuses_bad_values_naming_the_field(
    unit_code: str, content: Content, release_id: str, field: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        wf.create_draft(EDITOR, unit_code, content, T0, release_id)
    assert raised.value.field == field


def test_time_must_be_zoned() -> None:
    with pytest.raises(ValueError, match="timezone"):
        wf.create_draft(OFFICER, UNIT, CONTENT, datetime(2025, 9, 1, 8), "r-1")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": "T" * 501, "body": "b"}, "content.title"),
        ({"title": "T"}, "content.body"),
        ({"title": "T", "body": "b" * 200_001}, "content.body"),
        ({"title": "T", "body": "b", "language": "fr"}, "content.language"),
        ({"title": "T", "body": "b", "places": ["ok", "NOT OK"]}, "content.places"),
        ({"title": "T", "body": "b", "contacts": [{"phone": "1"}]}, "content.contacts.0.name"),
    ],
)
def test_parse_content_names_the_bad_field(data: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        wf.parse_content(data)
    assert raised.value.field == field


def test_parse_content_accepts_a_full_release() -> None:
    assert wf.parse_content(CONTENT.model_dump()) == CONTENT


def test_department_submission_starts_submitted_with_its_intake() -> None:
    until, requested = T0 + timedelta(hours=3), T0 + timedelta(hours=2)
    payload = department_payload(embargoed_until=until, requested_publish_at=requested)
    transition = wf.submit_from_department(payload, INTAKE, SYSTEM, T0, "r-7")
    release = transition.release
    assert (release.status, release.revision, release.unit_code, release.intake) == ("submitted", 1, UNIT, INTAKE)
    assert (release.embargoed_until, release.scheduled_at, release.created_by) == (until, requested, SYSTEM)
    assert release.content.contacts == (Contact(name="Trần Thị B", email="b@sgtvt.example"),)
    assert release.content.media_asset_ids == ("ast-1",)
    [entry] = release.history
    assert (entry.action, entry.from_status, entry.to_status) == ("submitted", None, "submitted")
    assert "sgtvt-2025-881" in entry.note
    [event] = transition.events
    assert isinstance(event, ReleaseSubmitted)
    assert event.actor == SYSTEM
    assert event.release == snapshot(release)
    assert (event.release.embargoed_until, event.release.scheduled_at) == (until, requested)


def test_department_submission_refuses_a_mismatched_intake() -> None:
    with pytest.raises(InvalidInput) as raised:
        wf.submit_from_department(department_payload(external_id="other"), INTAKE, SYSTEM, T0, "r-7")
    assert raised.value.field == "external_id"


def test_approving_a_department_release_honours_its_requested_time() -> None:
    requested = T0 + timedelta(hours=2)
    release = wf.submit_from_department(
        department_payload(requested_publish_at=requested), INTAKE, SYSTEM, T0, "r-7"
    ).release
    transition = wf.approve(release, EDITOR, 1, T0 + timedelta(hours=1))
    assert (transition.release.status, transition.release.scheduled_at) == ("scheduled", requested)
    approved_event, scheduled_event = transition.events
    assert isinstance(approved_event, ReleaseApproved)
    assert isinstance(scheduled_event, ReleaseScheduled)
    assert scheduled_event.scheduled_at == requested
    assert len(transition.release.history) == 2
    assert transition.release.history[-1].to_status == "scheduled"


def test_approving_after_the_requested_time_leaves_it_approved_and_says_so() -> None:
    requested = T0 + timedelta(hours=2)
    release = wf.submit_from_department(
        department_payload(requested_publish_at=requested), INTAKE, SYSTEM, T0, "r-7"
    ).release
    transition = wf.approve(release, EDITOR, 1, requested)
    assert (transition.release.status, transition.release.scheduled_at) == ("approved", None)
    assert [type(e) for e in transition.events] == [ReleaseApproved]
    assert "has passed" in transition.release.history[-1].note


# --- before publication -------------------------------------------------------------------------


def test_edit_replaces_the_content_of_a_draft() -> None:
    release = draft()
    new = wf.edit(release, OFFICER, 1, T0 + timedelta(minutes=5), revised(CONTENT, 1)).release
    assert (new.content, new.status, new.revision, new.updated_at) == (
        revised(CONTENT, 1),
        "draft",
        2,
        T0 + timedelta(minutes=5),
    )
    assert new.history[-1].action == "edited"


def test_editing_a_rejected_release_moves_it_back_to_draft_keeping_the_reason_until_resubmitted() -> None:
    release = submitted()
    release = wf.reject(release, EDITOR, release.revision, T0, "Thiếu nguồn số liệu").release
    edited = wf.edit(release, OFFICER, release.revision, T0, revised(CONTENT, 1)).release
    assert (edited.status, edited.rejection_reason) == ("draft", "Thiếu nguồn số liệu")
    assert (edited.history[-1].from_status, edited.history[-1].to_status) == ("rejected", "draft")
    resubmitted = wf.submit(edited, OFFICER, edited.revision, T0).release
    assert (resubmitted.status, resubmitted.rejection_reason) == ("submitted", None)


def test_submit_emits_release_submitted_with_the_snapshot() -> None:
    release = draft()
    transition = wf.submit(release, OFFICER, 1, T0)
    [event] = transition.events
    assert isinstance(event, ReleaseSubmitted)
    assert (event.actor, event.release.status, event.release.version, event.release.published_at) == (
        OFFICER,
        "submitted",
        0,
        None,
    )
    assert event.release.places == [UNIT, "phuong-hang-bac"]


def test_reject_records_and_emits_the_reason() -> None:
    release = submitted()
    transition = wf.reject(release, ADMIN, release.revision, T0, "  Sai số liệu  ")
    assert (transition.release.status, transition.release.rejection_reason) == ("rejected", "Sai số liệu")
    assert transition.release.history[-1].note == "Sai số liệu"
    [event] = transition.events
    assert isinstance(event, ReleaseRejected)
    assert (event.reason, event.actor) == ("Sai số liệu", ADMIN)


@pytest.mark.parametrize("reason", ["", "   ", "x" * 2_001])
def test_reject_needs_a_reason(reason: str) -> None:
    release = submitted()
    with pytest.raises(InvalidInput) as raised:
        wf.reject(release, EDITOR, release.revision, T0, reason)
    assert raised.value.field == "reason"


def test_schedule_reschedule_and_unschedule() -> None:
    release = approved()
    first = wf.schedule(release, EDITOR, release.revision, T0, T0 + timedelta(hours=2))
    [event] = first.events
    assert isinstance(event, ReleaseScheduled)
    assert event.scheduled_at == T0 + timedelta(hours=2) == event.release.scheduled_at
    again = wf.schedule(first.release, EDITOR, first.release.revision, T0, T0 + timedelta(hours=5)).release
    assert (again.status, again.scheduled_at) == ("scheduled", T0 + timedelta(hours=5))
    parked = wf.unschedule(again, EDITOR, again.revision, T0)
    assert (parked.release.status, parked.release.scheduled_at, parked.events) == ("approved", None, ())
    assert parked.release.history[-1].action == "unscheduled"


def test_a_failed_scheduled_publication_stays_visible_until_an_editor_acts() -> None:
    release = scheduled(T0 + timedelta(hours=2))
    failed = wf.mark_failed_to_publish(release, SERVICE, release.revision, T0 + timedelta(hours=2), "portal 503")
    assert (failed.release.status, failed.release.failure) == ("failed_to_publish", "portal 503")
    [alert] = failed.events
    assert isinstance(alert, ReleasePublishFailed)
    assert (alert.error, alert.scheduled_at, alert.actor) == ("portal 503", T0 + timedelta(hours=2), SERVICE)
    assert alert.release.status == "failed_to_publish"
    assert failed.release.history[-1].action == "publish_failed"
    later = T0 + timedelta(hours=3)
    rescheduled = wf.schedule(failed.release, EDITOR, failed.release.revision, later, later + timedelta(hours=1))
    assert (rescheduled.release.status, rescheduled.release.failure) == ("scheduled", None)
    republished = wf.publish(failed.release, EDITOR, failed.release.revision, later)
    assert (republished.release.status, republished.release.failure) == ("published", None)


def test_marking_a_failure_needs_the_error() -> None:
    release = scheduled(T0 + timedelta(hours=2))
    with pytest.raises(InvalidInput) as raised:
        wf.mark_failed_to_publish(release, SERVICE, release.revision, T0, " ")
    assert raised.value.field == "error"
    long = wf.mark_failed_to_publish(release, SERVICE, release.revision, T0, "e" * 10_000).release
    assert long.failure is not None and len(long.failure) == 2_000


# --- publication --------------------------------------------------------------------------------


def test_publish_creates_version_one() -> None:
    release = approved()
    at = T0 + timedelta(minutes=30)
    transition = wf.publish(release, EDITOR, release.revision, at)
    new = transition.release
    assert (new.status, new.version, new.correction_sequence) == ("published", 1, 0)
    assert (new.first_published_at, new.version_created_at, new.updated_at) == (at, at, at)
    [first] = new.versions
    assert (first.version, first.content, first.published_at, first.published_by) == (1, CONTENT, at, EDITOR)
    assert (first.correction_note, first.correction_sequence, first.embargoed_until) == (None, 0, None)
    [event] = transition.events
    assert isinstance(event, ReleasePublished)
    assert (event.forced, event.force_reason, event.actor) == (False, None, EDITOR)
    assert (event.release.status, event.release.version, event.release.published_at) == ("published", 1, at)


def test_the_scheduler_publishes_only_when_due() -> None:
    at = T0 + timedelta(hours=2)
    release = scheduled(at)
    with pytest.raises(InvalidTransition) as raised:
        wf.publish_due(release, SERVICE, release.revision, at - timedelta(microseconds=1))
    assert raised.value.extra["code"] == "not_due"
    transition = wf.publish_due(release, SERVICE, release.revision, at)
    assert (transition.release.status, transition.release.first_published_at, transition.release.scheduled_at) == (
        "published",
        at,
        None,
    )
    assert transition.release.history[-1].actor == SERVICE
    [event] = transition.events
    assert isinstance(event, ReleasePublished)
    assert event.actor == SERVICE


@pytest.mark.parametrize("status", ["draft", "submitted", "approved", "rejected", "scheduled", "failed_to_publish"])
def test_force_publish_logs_its_reason(status: str) -> None:
    release = {
        "draft": draft,
        "submitted": submitted,
        "approved": approved,
        "rejected": lambda: wf.reject(submitted(), EDITOR, 2, T0, "không").release,
        "scheduled": lambda: scheduled(T0 + timedelta(hours=1)),
        "failed_to_publish": lambda: (
            wf.mark_failed_to_publish(scheduled(T0 + timedelta(hours=1)), SERVICE, 4, T0, "x").release
        ),
    }[status]()
    assert release.status == status
    transition = wf.force_publish(release, EDITOR, release.revision, T0, "Cảnh báo bão khẩn cấp")
    entry = transition.release.history[-1]
    assert (entry.action, entry.from_status, entry.to_status, entry.note) == (
        "force_published",
        status,
        "published",
        "Cảnh báo bão khẩn cấp",
    )
    [event] = transition.events
    assert isinstance(event, ReleasePublished)
    assert (event.forced, event.force_reason) == (True, "Cảnh báo bão khẩn cấp")
    assert transition.release.rejection_reason is None


def test_force_publish_needs_a_reason() -> None:
    with pytest.raises(InvalidInput) as raised:
        wf.force_publish(draft(), EDITOR, 1, T0, "")
    assert raised.value.field == "reason"


# --- after publication --------------------------------------------------------------------------


def test_the_correction_chain_keeps_every_published_version_unchanged() -> None:
    release = published()
    v1 = release.versions[0]
    v1_dump = v1.model_dump()
    times = [T0 + timedelta(hours=n) for n in (1, 2)]
    chain = [release]
    for n, at in enumerate(times, start=1):
        current = chain[-1]
        transition = wf.correct(current, EDITOR, current.revision, at, revised(CONTENT, n), f"Sửa lần {n}")
        [event] = transition.events
        assert isinstance(event, ReleaseCorrected)
        assert (event.previous_version, event.correction_sequence, event.correction_note) == (n, n, f"Sửa lần {n}")
        assert (event.release.version, event.release.body, event.release.published_at) == (
            n + 1,
            revised(CONTENT, n).body,
            T0,
        )
        chain.append(transition.release)
    final = chain[-1]
    assert (final.version, final.correction_sequence, final.first_published_at, final.version_created_at) == (
        3,
        2,
        T0,
        times[-1],
    )
    assert [v.version for v in final.versions] == [1, 2, 3]
    assert final.versions[0] == v1 and final.versions[0].model_dump() == v1_dump
    assert final.versions[1] == chain[2].versions[1]
    assert [v.content for v in final.versions] == [CONTENT, revised(CONTENT, 1), revised(CONTENT, 2)]
    assert [(v.correction_note, v.correction_sequence, v.published_at) for v in final.versions[1:]] == [
        ("Sửa lần 1", 1, times[0]),
        ("Sửa lần 2", 2, times[1]),
    ]
    assert [e.action for e in final.history[-2:]] == ["corrected", "corrected"]


def test_a_correction_needs_a_note_and_a_change() -> None:
    release = published()
    with pytest.raises(InvalidInput) as raised:
        wf.correct(release, EDITOR, release.revision, T0, revised(CONTENT, 1), " ")
    assert raised.value.field == "note"
    with pytest.raises(InvalidInput) as raised:
        wf.correct(release, EDITOR, release.revision, T0, CONTENT, "không đổi gì")
    assert raised.value.field == "content"


@pytest.mark.parametrize(
    ("reason", "note", "superseded_by"),
    [
        ("published_in_error", "", None),
        ("superseded", "Xem thông cáo mới", "r-2"),
        ("withdrawn", "Rút theo yêu cầu", None),
    ],
)
def test_withdraw_reasons(reason: str, note: str, superseded_by: str | None) -> None:
    release = published()
    release = wf.correct(release, EDITOR, release.revision, T0, revised(CONTENT, 1), "Sửa").release
    at = T0 + timedelta(days=1)
    transition = wf.withdraw(release, EDITOR, release.revision, at, reason, note, superseded_by)
    new = transition.release
    assert new.status == "withdrawn"
    assert new.withdrawal is not None
    assert (new.withdrawal.reason, new.withdrawal.note, new.withdrawal.superseded_by) == (reason, note, superseded_by)
    assert (new.withdrawal.at, new.withdrawal.by) == (at, EDITOR)
    assert (new.versions, new.content, new.version) == (release.versions, release.content, 2)  # still readable
    [event] = transition.events
    assert isinstance(event, ReleaseWithdrawn)
    assert (event.reason, event.note, event.superseded_by) == (reason, note, superseded_by)
    assert (event.release.status, event.release.version, event.release.title) == ("withdrawn", 2, CONTENT.title)


@pytest.mark.parametrize(
    ("reason", "note", "superseded_by", "field"),
    [
        ("superseded", "", None, "superseded_by"),
        ("superseded", "", "  ", "superseded_by"),
        ("superseded", "", "r-1", "superseded_by"),
        ("published_in_error", "", "r-2", "superseded_by"),
        ("withdrawn", "", None, "note"),
        ("withdrawn", "n" * 2_001, None, "note"),
        ("killed", "note", None, "reason"),
    ],
)
def test_withdraw_refuses_bad_values(reason: str, note: str, superseded_by: str | None, field: str) -> None:
    release = published()
    with pytest.raises(InvalidInput) as raised:
        wf.withdraw(release, EDITOR, release.revision, T0, reason, note, superseded_by)
    assert raised.value.field == field


# --- conflicts and history ----------------------------------------------------------------------

AT = T0 + timedelta(hours=2)
# One allowed call per updating action: (release factory, actor, call with a given expected revision).
ALLOWED: dict[str, tuple[Callable[[], Release], Actor, Callable[[Release, Actor, int], object]]] = {
    "edit": (draft, OFFICER, lambda r, a, rev: wf.edit(r, a, rev, T0, revised(CONTENT, 1))),
    "submit": (draft, OFFICER, lambda r, a, rev: wf.submit(r, a, rev, T0)),
    "approve": (submitted, EDITOR, lambda r, a, rev: wf.approve(r, a, rev, T0)),
    "reject": (submitted, EDITOR, lambda r, a, rev: wf.reject(r, a, rev, T0, "không")),
    "schedule": (approved, EDITOR, lambda r, a, rev: wf.schedule(r, a, rev, T0, AT)),
    "unschedule": (lambda: scheduled(AT), EDITOR, lambda r, a, rev: wf.unschedule(r, a, rev, T0)),
    "publish": (approved, EDITOR, lambda r, a, rev: wf.publish(r, a, rev, T0)),
    "publish_due": (lambda: scheduled(AT), SERVICE, lambda r, a, rev: wf.publish_due(r, a, rev, AT)),
    "force_publish": (draft, EDITOR, lambda r, a, rev: wf.force_publish(r, a, rev, T0, "khẩn")),
    "mark_failed_to_publish": (
        lambda: scheduled(AT),
        SERVICE,
        lambda r, a, rev: wf.mark_failed_to_publish(r, a, rev, AT, "lỗi"),
    ),
    "correct": (published, EDITOR, lambda r, a, rev: wf.correct(r, a, rev, T0, revised(CONTENT, 1), "sửa")),
    "withdraw": (published, EDITOR, lambda r, a, rev: wf.withdraw(r, a, rev, T0, "published_in_error")),
    "set_embargo": (draft, OFFICER, lambda r, a, rev: wf.set_embargo(r, a, rev, T0, AT)),
    "lift_embargo": (
        lambda: published_under_embargo(T0 + timedelta(minutes=1)),
        SERVICE,
        lambda r, a, rev: wf.lift_embargo(r, a, rev, AT),
    ),
}


def test_every_updating_action_is_checked_for_conflicts() -> None:
    assert set(ALLOWED) == {action for action in ACTIONS if PERMISSIONS[action].from_statuses is not None}


@pytest.mark.parametrize("action", list(ALLOWED))
def test_a_stale_or_future_revision_is_a_conflict(action: str) -> None:
    factory, actor, call = ALLOWED[action]
    release = factory()
    for sent in (release.revision - 1, release.revision + 1, 0):
        with pytest.raises(Conflict) as raised:
            call(release, actor, sent)
        assert type(raised.value) is Conflict  # not its subclass InvalidTransition
        assert raised.value.detail == f"release r-1 is at revision {release.revision}, you sent {sent}"
        assert (raised.value.field, raised.value.extra) == ("revision", {"current_revision": release.revision})
    call(release, actor, release.revision)  # the same call with the current revision succeeds


def test_order_of_refusals_role_then_revision_then_status() -> None:
    release = draft()
    with pytest.raises(Forbidden):
        wf.approve(release, JOURNALIST, 99, T0)
    with pytest.raises(Conflict) as raised:
        wf.approve(release, EDITOR, 99, T0)
    assert type(raised.value) is Conflict
    with pytest.raises(InvalidTransition):
        wf.approve(release, EDITOR, 1, T0)


def test_a_whole_life_leaves_one_history_entry_per_change() -> None:
    clock = iter(T0 + timedelta(minutes=n) for n in range(100))
    release = wf.create_draft(OFFICER, UNIT, CONTENT, next(clock), "r-1").release
    steps: list[Callable[[Release], wf.Transition]] = [
        lambda r: wf.edit(r, OFFICER, r.revision, next(clock), revised(CONTENT, 1)),
        lambda r: wf.set_embargo(r, OFFICER, r.revision, next(clock), T0 + timedelta(hours=5)),
        lambda r: wf.submit(r, OFFICER, r.revision, next(clock)),
        lambda r: wf.reject(r, EDITOR, r.revision, next(clock), "Thiếu ảnh"),
        lambda r: wf.edit(r, OFFICER, r.revision, next(clock), revised(CONTENT, 2)),
        lambda r: wf.submit(r, OFFICER, r.revision, next(clock)),
        lambda r: wf.approve(r, EDITOR, r.revision, next(clock)),
        lambda r: wf.schedule(r, EDITOR, r.revision, next(clock), T0 + timedelta(hours=1)),
        lambda r: wf.publish_due(r, SERVICE, r.revision, T0 + timedelta(hours=1)),
        lambda r: wf.correct(r, EDITOR, r.revision, T0 + timedelta(hours=2), revised(CONTENT, 3), "Sửa giờ"),
        lambda r: wf.lift_embargo(r, SERVICE, r.revision, T0 + timedelta(hours=5)),
        lambda r: wf.withdraw(r, ADMIN, r.revision, T0 + timedelta(hours=6), "superseded", superseded_by="r-2"),
    ]
    for step in steps:
        before = release
        release = step(release).release
        entry = release.history[-1]
        assert release.history[:-1] == before.history
        assert (entry.revision, entry.from_status, entry.at) == (release.revision, before.status, release.updated_at)
        assert entry.to_status == release.status
    assert [e.action for e in release.history] == [
        "created",
        "edited",
        "embargo_set",
        "submitted",
        "rejected",
        "edited",
        "submitted",
        "approved",
        "scheduled",
        "published",
        "corrected",
        "embargo_lifted",
        "withdrawn",
    ]
    assert [e.revision for e in release.history] == list(range(1, 14))
    assert release.history[4].note == "Thiếu ảnh"


def test_snapshot_is_the_shared_contract_view() -> None:
    release = published(T0)
    view = snapshot(release)
    assert view.model_dump() == {
        "release_id": "r-1",
        "unit_code": UNIT,
        "title": CONTENT.title,
        "lead": CONTENT.lead,
        "body": CONTENT.body,
        "language": "vi",
        "title_en": None,
        "categories": ["giao-thong"],
        "places": [UNIT, "phuong-hang-bac"],
        "contacts": [{"name": "Nguyễn Văn A", "phone": "024 3825 0000", "email": None}],
        "media_asset_ids": ["ast-77"],
        "status": "published",
        "version": 1,
        "embargoed_until": None,
        "scheduled_at": None,
        "published_at": T0,
        "refutes_claim_ids": [],
    }
    assert snapshot(draft()).version == 0  # not published yet
