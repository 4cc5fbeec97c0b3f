"""Who may do what to a release, and in which status: one table for the workflow, the tests and the UI.

A principal is the actor's role for people (`journalist`, `unit_officer`, `editor`, `admin`),
`system` for a department's system and `service` for the platform's own services (scheduler,
embargo timer). Admins have exactly the editors' rights. Journalists may do nothing here.

Checks run in this order, so every refusal names the first thing wrong:
1. `check_actor`: the principal has a grant for the action and, for an own-unit grant, the
   release belongs to the actor's unit -> `Forbidden`;
2. (the workflow checks the expected revision -> `Conflict`);
3. `check_status`: the action is allowed in the release's status -> `InvalidTransition`, and the
   actor's grant covers that status (unit officers embargo only while draft/submitted) -> `Forbidden`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, get_args

from presscenter.releases.domain.model import Release
from presscenter.shared.events.common import Actor
from presscenter.shared.events.releases import ReleaseStatus
from presscenter.shared.rpc.errors import Forbidden, InvalidTransition

Principal = Literal["journalist", "unit_officer", "editor", "admin", "system", "service"]
PRINCIPALS: tuple[Principal, ...] = get_args(Principal)
USER_ROLES: frozenset[str] = frozenset({"journalist", "unit_officer", "editor", "admin"})

ActionName = Literal[
    "create_draft",
    "submit_from_department",
    "draft_refutation",
    "edit",
    "submit",
    "approve",
    "reject",
    "schedule",
    "unschedule",
    "publish",
    "publish_due",
    "force_publish",
    "mark_failed_to_publish",
    "correct",
    "withdraw",
    "set_embargo",
    "lift_embargo",
]
ACTIONS: tuple[ActionName, ...] = get_args(ActionName)
STATUSES: tuple[ReleaseStatus, ...] = get_args(ReleaseStatus)

# "own_unit": the release's unit must be the actor's unit.
# "own_unit_if_bound": the same, but only when the actor names a unit (a department's system may be bound to one).
UnitScope = Literal["any", "own_unit", "own_unit_if_bound"]


@dataclass(frozen=True)
class Grant:
    principal: Principal
    scope: UnitScope = "any"
    only_in: frozenset[ReleaseStatus] | None = None  # narrower than the rule's statuses for this principal


@dataclass(frozen=True)
class Rule:
    from_statuses: frozenset[ReleaseStatus] | None  # None: the action creates the release
    grants: tuple[Grant, ...]
    refusal: str = ""  # why the action is refused outside `from_statuses`, shown in the error

    @property
    def creates(self) -> bool:
        return self.from_statuses is None

    def grant_for(self, principal: Principal | None) -> Grant | None:
        return next((grant for grant in self.grants if grant.principal == principal), None)


def _in(*statuses: ReleaseStatus) -> frozenset[ReleaseStatus]:
    return frozenset(statuses)


BEFORE_PUBLICATION = _in("draft", "submitted", "approved", "rejected", "scheduled", "failed_to_publish")
EDITORS = (Grant("editor"), Grant("admin"))
OWN_UNIT_OR_EDITORS = (Grant("unit_officer", scope="own_unit"), *EDITORS)

PERMISSIONS: Mapping[ActionName, Rule] = MappingProxyType(
    {
        "create_draft": Rule(None, OWN_UNIT_OR_EDITORS),
        "submit_from_department": Rule(None, (Grant("system", scope="own_unit_if_bound"),)),
        "draft_refutation": Rule(None, (Grant("service"),)),  # from a misinformation alert, for its unit
        "edit": Rule(_in("draft", "rejected"), OWN_UNIT_OR_EDITORS, "only drafts and rejected releases can be edited"),
        "submit": Rule(_in("draft", "rejected"), OWN_UNIT_OR_EDITORS),
        "approve": Rule(_in("submitted"), EDITORS),
        "reject": Rule(_in("submitted"), EDITORS),
        "schedule": Rule(_in("approved", "scheduled", "failed_to_publish"), EDITORS),
        "unschedule": Rule(_in("scheduled", "failed_to_publish"), EDITORS),
        "publish": Rule(_in("approved", "scheduled", "failed_to_publish"), EDITORS),
        "publish_due": Rule(_in("scheduled"), (Grant("service"),)),
        "force_publish": Rule(BEFORE_PUBLICATION, EDITORS),
        "mark_failed_to_publish": Rule(_in("scheduled"), (Grant("service"),)),
        "correct": Rule(_in("published"), EDITORS, "only a published release can be corrected"),
        "withdraw": Rule(_in("published"), EDITORS, "only a published release can be withdrawn"),
        "set_embargo": Rule(
            BEFORE_PUBLICATION,
            (Grant("unit_officer", scope="own_unit", only_in=_in("draft", "submitted")), *EDITORS),
            "an embargo cannot be added, changed or cleared after publication",
        ),
        "lift_embargo": Rule(_in("published"), (Grant("service"),)),
    }
)


def principal_of(actor: Actor) -> Principal | None:
    """The table key for `actor`; None for a user without a known role."""
    if actor.kind == "service":
        return "service"
    if actor.kind == "system":
        return "system"
    return actor.role if actor.role in USER_ROLES else None  # type: ignore[return-value]


def _label(actor: Actor) -> str:
    return principal_of(actor) or actor.role or f"{actor.kind} without a role"


def _in_scope(actor: Actor, grant: Grant, unit_code: str) -> bool:
    if grant.scope == "any" or (grant.scope == "own_unit_if_bound" and actor.unit_code is None):
        return True
    return actor.unit_code == unit_code


def check_actor(actor: Actor, action: ActionName, unit_code: str) -> Grant:
    """The actor's grant for `action` on a release of `unit_code`; `Forbidden` without one."""
    rule = PERMISSIONS[action]
    grant = rule.grant_for(principal_of(actor))
    if grant is None:
        allowed = ", ".join(g.principal for g in rule.grants)
        raise Forbidden(f"role {_label(actor)} may not {action} releases (allowed: {allowed})", role=_label(actor))
    if not _in_scope(actor, grant, unit_code):
        raise Forbidden(
            f"role {grant.principal} may {action} only releases of its own unit "
            f"({actor.unit_code or 'none'}), not of {unit_code}",
            role=grant.principal,
        )
    return grant


def check_status(actor: Actor, action: ActionName, release: Release) -> None:
    """`InvalidTransition` when `action` is not allowed in the release's status, `Forbidden` when the
    actor's grant does not reach that status. Call after `check_actor`."""
    rule = PERMISSIONS[action]
    if rule.from_statuses is None or release.status not in rule.from_statuses:
        allowed = ", ".join(allowed_actions(actor, release)) or "none"
        why = f" ({rule.refusal})" if rule.refusal else ""
        raise InvalidTransition(
            f"cannot {action} release {release.id} in status {release.status}{why}; "
            f"allowed for you in {release.status}: {allowed}",
            status=release.status,
            allowed=list(allowed_actions(actor, release)),
        )
    grant = rule.grant_for(principal_of(actor))
    if grant is not None and grant.only_in is not None and release.status not in grant.only_in:
        raise Forbidden(
            f"role {grant.principal} may {action} only in status {' or '.join(sorted(grant.only_in))}; "
            f"release {release.id} is {release.status}",
            role=grant.principal,
        )


def can(actor: Actor, action: ActionName, release: Release | None, unit_code: str | None = None) -> bool:
    """Whether `actor` may do `action` now (role, unit and status; not the action's own values).

    For a creating action pass `release=None` and the target `unit_code` (default: the actor's unit).
    """
    if release is not None:
        return _allows(actor, action, release)
    rule = PERMISSIONS[action]
    grant = rule.grant_for(principal_of(actor))
    return rule.creates and grant is not None and _in_scope(actor, grant, unit_code or actor.unit_code or "")


def allowed_actions(actor: Actor, release: Release) -> tuple[ActionName, ...]:
    """Every action `actor` may do on `release` in its current status, in table order."""
    return tuple(action for action in ACTIONS if _allows(actor, action, release))


def _allows(actor: Actor, action: ActionName, release: Release) -> bool:
    rule = PERMISSIONS[action]
    grant = rule.grant_for(principal_of(actor))
    return (
        grant is not None
        and rule.from_statuses is not None
        and release.status in rule.from_statuses
        and (grant.only_in is None or release.status in grant.only_in)
        and _in_scope(actor, grant, release.unit_code)
    )
