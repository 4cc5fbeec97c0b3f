"""Who may do what, in which status: the table against the issue text, then every (action x role x status).

The matrix is generated from `PERMISSIONS` and the status list; `test_table_is_the_issue_text`
pins the table itself to what the issue and the brief say, so the matrix cannot drift with it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cache

import pytest

from presscenter.releases.domain import workflow as wf
from presscenter.releases.domain.model import Content, Intake, Release
from presscenter.releases.domain.permissions import (
    ACTIONS,
    PERMISSIONS,
    STATUSES,
    ActionName,
    allowed_actions,
    can,
    principal_of,
)
from presscenter.shared.events.common import Actor
from presscenter.shared.events.departments import DepartmentReleaseSubmitted
from presscenter.shared.events.releases import ReleaseStatus
from presscenter.shared.rpc.errors import Forbidden, InvalidTransition, ServiceError

T0 = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)
T1 = T0 + timedelta(hours=1)  # when the matrix acts
SCHEDULED_AT = T0 + timedelta(hours=2)
EMBARGOED_UNTIL = T0 + timedelta(hours=3)
UNIT = "so-gtvt"
OTHER_UNIT = "phuong-ba-dinh"

CONTENT = Content(title="Phân luồng giao thông dịp Quốc khánh", body="Các tuyến đường sau cấm xe.", places=(UNIT,))
CONTENT_2 = Content(title="Phân luồng giao thông dịp Quốc khánh (sửa)", body="Các tuyến đường sau cấm xe tải.")

ACTORS: dict[str, Actor] = {
    "journalist": Actor(kind="user", id="j-1", role="journalist"),
    "unit_officer": Actor(kind="user", id="o-1", role="unit_officer", unit_code=UNIT),
    "unit_officer_other_unit": Actor(kind="user", id="o-2", role="unit_officer", unit_code=OTHER_UNIT),
    "unit_officer_without_unit": Actor(kind="user", id="o-3", role="unit_officer"),
    "editor": Actor(kind="user", id="e-1", role="editor", unit_code="vp-ubnd"),
    "admin": Actor(kind="user", id="a-1", role="admin"),
    "system": Actor(kind="system", id=UNIT, role="system", unit_code=UNIT),
    "system_unbound": Actor(kind="system", id="sgtvt-cms", role="system"),
    "system_other_unit": Actor(kind="system", id=OTHER_UNIT, role="system", unit_code=OTHER_UNIT),
    "service": Actor(kind="service", id="releases-scheduler"),
    "user_without_role": Actor(kind="user", id="u-1"),
    "user_claiming_system": Actor(kind="user", id="u-2", role="system", unit_code=UNIT),
}
EDITOR, OFFICER, SERVICE = ACTORS["editor"], ACTORS["unit_officer"], ACTORS["service"]

# --- the table, as the issue and the brief word it ----------------------------------------------

BEFORE_PUBLICATION = {"draft", "submitted", "approved", "rejected", "scheduled", "failed_to_publish"}
BY_EDITORS = {"editor": "any", "admin": "any"}
BY_OWN_UNIT_OR_EDITORS = {"unit_officer": "own_unit", **BY_EDITORS}
# action: (statuses it starts from, None when it creates; {principal: unit scope}; {principal: narrower statuses})
SPEC: dict[str, tuple[set[str] | None, dict[str, str], dict[str, set[str]]]] = {
    "create_draft": (None, BY_OWN_UNIT_OR_EDITORS, {}),
    "submit_from_department": (None, {"system": "own_unit_if_bound"}, {}),
    "draft_refutation": (None, {"service": "any"}, {}),
    "edit": ({"draft", "rejected"}, BY_OWN_UNIT_OR_EDITORS, {}),
    "submit": ({"draft", "rejected"}, BY_OWN_UNIT_OR_EDITORS, {}),
    "approve": ({"submitted"}, BY_EDITORS, {}),
    "reject": ({"submitted"}, BY_EDITORS, {}),
    "schedule": ({"approved", "scheduled", "failed_to_publish"}, BY_EDITORS, {}),
    "unschedule": ({"scheduled", "failed_to_publish"}, BY_EDITORS, {}),
    "publish": ({"approved", "scheduled", "failed_to_publish"}, BY_EDITORS, {}),
    "publish_due": ({"scheduled"}, {"service": "any"}, {}),
    "force_publish": (BEFORE_PUBLICATION, BY_EDITORS, {}),
    "mark_failed_to_publish": ({"scheduled"}, {"service": "any"}, {}),
    "correct": ({"published"}, BY_EDITORS, {}),
    "withdraw": ({"published"}, BY_EDITORS, {}),
    "set_embargo": (BEFORE_PUBLICATION, BY_OWN_UNIT_OR_EDITORS, {"unit_officer": {"draft", "submitted"}}),
    "lift_embargo": ({"published"}, {"service": "any"}, {}),
}


def test_table_is_the_issue_text() -> None:
    assert set(PERMISSIONS) == set(SPEC) == set(ACTIONS)
    for action, (statuses, scopes, narrower) in SPEC.items():
        rule = PERMISSIONS[action]
        assert rule.from_statuses == (None if statuses is None else frozenset(statuses)), action
        assert {g.principal: g.scope for g in rule.grants} == scopes, action
        assert {g.principal: set(g.only_in) for g in rule.grants if g.only_in is not None} == narrower, action


def test_admins_have_exactly_the_editors_rights_and_journalists_none() -> None:
    for action, rule in PERMISSIONS.items():
        editor, admin = rule.grant_for("editor"), rule.grant_for("admin")
        assert (editor is None) == (admin is None), action
        if editor is not None and admin is not None:
            assert (editor.scope, editor.only_in) == (admin.scope, admin.only_in), action
        assert rule.grant_for("journalist") is None, action


def test_principals() -> None:
    assert principal_of(ACTORS["editor"]) == "editor"
    assert principal_of(ACTORS["system_unbound"]) == "system"
    assert principal_of(ACTORS["service"]) == "service"
    assert principal_of(ACTORS["user_without_role"]) is None
    assert principal_of(ACTORS["user_claiming_system"]) is None  # a person cannot pass for a system


# --- releases in every status, built through the workflow itself --------------------------------


@cache
def release_in(status: ReleaseStatus) -> Release:
    """A release of UNIT in `status`, embargoed until EMBARGOED_UNTIL; scheduled ones for SCHEDULED_AT."""
    release = wf.create_draft(OFFICER, UNIT, CONTENT, T0, "r-1").release
    release = wf.set_embargo(release, EDITOR, release.revision, T0, EMBARGOED_UNTIL).release
    if status == "draft":
        return release
    release = wf.submit(release, OFFICER, release.revision, T0).release
    if status == "submitted":
        return release
    if status == "rejected":
        return wf.reject(release, EDITOR, release.revision, T0, "Thiếu số điện thoại liên hệ").release
    release = wf.approve(release, EDITOR, release.revision, T0).release
    if status == "approved":
        return release
    if status in ("published", "withdrawn"):
        release = wf.publish(release, EDITOR, release.revision, T0).release
        if status == "published":
            return release
        return wf.withdraw(release, EDITOR, release.revision, T0, "published_in_error").release
    release = wf.schedule(release, EDITOR, release.revision, T0, SCHEDULED_AT).release
    if status == "scheduled":
        return release
    return wf.mark_failed_to_publish(release, SERVICE, release.revision, T0, "portal timeout").release


def test_every_status_can_be_built() -> None:
    assert {status: release_in(status).status for status in STATUSES} == {status: status for status in STATUSES}


Call = Callable[[Release, Actor], wf.Transition]
# Valid values for every action, so that only role, unit and status decide the outcome.
CALLS: dict[str, Call] = {
    "edit": lambda r, a: wf.edit(r, a, r.revision, T1, CONTENT_2),
    "submit": lambda r, a: wf.submit(r, a, r.revision, T1),
    "approve": lambda r, a: wf.approve(r, a, r.revision, T1),
    "reject": lambda r, a: wf.reject(r, a, r.revision, T1, "Sai số liệu"),
    "schedule": lambda r, a: wf.schedule(r, a, r.revision, T1, T0 + timedelta(hours=2, minutes=30)),
    "unschedule": lambda r, a: wf.unschedule(r, a, r.revision, T1),
    "publish": lambda r, a: wf.publish(r, a, r.revision, T1),
    "publish_due": lambda r, a: wf.publish_due(r, a, r.revision, r.scheduled_at or T1),
    "force_publish": lambda r, a: wf.force_publish(r, a, r.revision, T1, "Thông tin khẩn về bão"),
    "mark_failed_to_publish": lambda r, a: wf.mark_failed_to_publish(r, a, r.revision, T1, "broker down"),
    "correct": lambda r, a: wf.correct(r, a, r.revision, T1, CONTENT_2, "Sửa giờ cấm"),
    "withdraw": lambda r, a: wf.withdraw(r, a, r.revision, T1, "withdrawn", "Rút theo yêu cầu của Sở"),
    "set_embargo": lambda r, a: wf.set_embargo(r, a, r.revision, T1, T0 + timedelta(hours=4)),
    "lift_embargo": lambda r, a: wf.lift_embargo(r, a, r.revision, EMBARGOED_UNTIL + timedelta(seconds=1)),
}
TO_STATUS: dict[str, str | None] = {  # None: the status does not change
    "edit": "draft",
    "submit": "submitted",
    "approve": "approved",
    "reject": "rejected",
    "schedule": "scheduled",
    "unschedule": "approved",
    "publish": "published",
    "publish_due": "published",
    "force_publish": "published",
    "mark_failed_to_publish": "failed_to_publish",
    "correct": "published",
    "withdraw": "withdrawn",
    "set_embargo": None,
    "lift_embargo": "published",
}
UPDATING = [action for action in ACTIONS if PERMISSIONS[action].from_statuses is not None]


def test_the_matrix_covers_every_updating_action() -> None:
    assert set(CALLS) == set(TO_STATUS) == set(UPDATING)


def expected_outcome(action: ActionName, actor: Actor, release: Release | None, unit_code: str) -> type | None:
    """None for success, else the error class, read from the table in the documented order."""
    rule = PERMISSIONS[action]
    grant = rule.grant_for(principal_of(actor))
    if grant is None:
        return Forbidden
    if grant.scope == "own_unit" and actor.unit_code != unit_code:
        return Forbidden
    if grant.scope == "own_unit_if_bound" and actor.unit_code not in (None, unit_code):
        return Forbidden
    if release is None:
        return None
    assert rule.from_statuses is not None
    if release.status not in rule.from_statuses:
        return InvalidTransition
    if grant.only_in is not None and release.status not in grant.only_in:
        return Forbidden
    return None


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("actor_name", list(ACTORS))
@pytest.mark.parametrize("action", UPDATING)
def test_matrix(action: ActionName, actor_name: str, status: ReleaseStatus) -> None:
    release, actor = release_in(status), ACTORS[actor_name]
    expected = expected_outcome(action, actor, release, UNIT)
    assert can(actor, action, release) is (expected is None)
    if expected is None:
        new = CALLS[action](release, actor).release
        assert new.status == (TO_STATUS[action] or status)
        assert new.revision == release.revision + 1
        assert len(new.history) == len(release.history) + 1
        assert new.history[-1].actor == actor
        assert new.history[-1].from_status == status
        assert new.updated_at == new.history[-1].at
        return
    with pytest.raises(ServiceError) as raised:
        CALLS[action](release, actor)
    assert type(raised.value) is expected, raised.value.detail
    if expected is Forbidden:
        assert f"role {principal_of(actor) or actor.role or actor.kind}" in raised.value.detail
    else:
        assert f"in status {status}" in raised.value.detail
        assert raised.value.extra["allowed"] == list(allowed_actions(actor, release))


@pytest.mark.parametrize("actor_name", list(ACTORS))
@pytest.mark.parametrize("unit_code", [UNIT, OTHER_UNIT])
def test_create_draft_matrix(actor_name: str, unit_code: str) -> None:
    actor = ACTORS[actor_name]
    expected = expected_outcome("create_draft", actor, None, unit_code)
    assert can(actor, "create_draft", None, unit_code) is (expected is None)
    if expected is None:
        release = wf.create_draft(actor, unit_code, CONTENT, T0, "r-9").release
        assert (release.status, release.unit_code, release.created_by) == ("draft", unit_code, actor)
        return
    with pytest.raises(Forbidden):
        wf.create_draft(actor, unit_code, CONTENT, T0, "r-9")


@pytest.mark.parametrize("actor_name", list(ACTORS))
def test_submit_from_department_matrix(actor_name: str) -> None:
    actor = ACTORS[actor_name]
    payload = DepartmentReleaseSubmitted(external_id="sgtvt-881", unit_code=UNIT, title="Tiêu đề", body="Nội dung")
    intake = Intake(source=actor.id, external_id="sgtvt-881", event_id="5f0c6a1e-0000-4000-8000-000000000001")
    expected = expected_outcome("submit_from_department", actor, None, UNIT)
    assert can(actor, "submit_from_department", None, UNIT) is (expected is None)
    assert expected is None or actor_name not in ("system", "system_unbound")
    if expected is None:
        assert wf.submit_from_department(payload, intake, actor, T0, "r-9").release.status == "submitted"
        return
    with pytest.raises(Forbidden):
        wf.submit_from_department(payload, intake, actor, T0, "r-9")


def test_creating_actions_are_not_possible_on_a_release_and_updating_ones_need_one() -> None:
    assert not can(EDITOR, "create_draft", release_in("draft"))
    assert not can(EDITOR, "approve", None, UNIT)


def test_allowed_actions_read_like_the_workflow() -> None:
    assert allowed_actions(OFFICER, release_in("draft")) == ("edit", "submit", "set_embargo")
    assert allowed_actions(OFFICER, release_in("approved")) == ()
    assert allowed_actions(ACTORS["unit_officer_other_unit"], release_in("draft")) == ()
    assert allowed_actions(EDITOR, release_in("submitted")) == ("approve", "reject", "force_publish", "set_embargo")
    assert allowed_actions(EDITOR, release_in("published")) == ("correct", "withdraw")
    assert allowed_actions(EDITOR, release_in("withdrawn")) == ()
    assert allowed_actions(SERVICE, release_in("scheduled")) == ("publish_due", "mark_failed_to_publish")
    assert allowed_actions(ACTORS["journalist"], release_in("published")) == ()


def test_refusals_name_the_role_the_unit_the_status_and_what_is_allowed() -> None:
    with pytest.raises(Forbidden, match="role journalist may not approve releases") as raised:
        wf.approve(release_in("submitted"), ACTORS["journalist"], release_in("submitted").revision, T1)
    assert raised.value.extra["role"] == "journalist"
    with pytest.raises(Forbidden, match=f"only releases of its own unit \\({OTHER_UNIT}\\), not of {UNIT}"):
        wf.submit(release_in("draft"), ACTORS["unit_officer_other_unit"], release_in("draft").revision, T1)
    with pytest.raises(Forbidden, match="may set_embargo only in status draft or submitted; release r-1 is approved"):
        wf.set_embargo(release_in("approved"), OFFICER, release_in("approved").revision, T1, None)
    with pytest.raises(InvalidTransition, match="cannot publish release r-1 in status draft") as raised:
        wf.publish(release_in("draft"), EDITOR, release_in("draft").revision, T1)
    assert "allowed for you in draft: edit, submit, force_publish, set_embargo" in raised.value.detail
    assert raised.value.extra["status"] == "draft"
