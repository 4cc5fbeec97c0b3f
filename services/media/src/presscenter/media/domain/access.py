"""Who may do what with an asset: one rule for single reads, downloads and list queries alike.

- editors, admins and services see and manage everything;
- the uploader and the officers of the owning unit see and manage the unit's assets in any state;
- other unit officers see `internal` and `public` assets once ready;
- journalists and the public see `public` assets once ready;
- an asset attached to a release under embargo stays hidden from everyone but the above
  managers and journalists entitled to embargoed material, until the embargo ends.
"""

from __future__ import annotations

from datetime import datetime

from presscenter.shared.events.common import Actor
from presscenter.shared.rpc.media import Asset
from presscenter.shared.rpc.releases import Viewer

FULL_ACCESS_ROLES = frozenset({"editor", "admin", "system"})
UPLOADER_ROLES = frozenset({"unit_officer", "editor", "admin", "system"})


def under_embargo(asset: Asset, now: datetime) -> bool:
    return any(hold.until > now for hold in asset.embargoes)


def embargo_until(asset: Asset) -> datetime | None:
    """The end of the last embargo holding the asset back (None when none does)."""
    return max((hold.until for hold in asset.embargoes), default=None)


def sees_embargoed(viewer: Viewer) -> bool:
    return viewer.role in FULL_ACCESS_ROLES or (viewer.role == "journalist" and viewer.embargo_entitled)


def press_access_of(viewer: Viewer) -> tuple[str, ...]:
    """The access states a viewer outside the owning unit may see."""
    return ("internal", "public") if viewer.role == "unit_officer" else ("public",)


def owns(asset: Asset, who_id: str, role: str | None, unit_code: str | None) -> bool:
    if role in FULL_ACCESS_ROLES or who_id == asset.created_by.id:
        return True
    return role == "unit_officer" and unit_code is not None and unit_code == asset.owner_unit_code


def can_read(asset: Asset, viewer: Viewer, now: datetime) -> bool:
    if owns(asset, viewer.id, viewer.role, viewer.unit_code):
        return True
    if asset.status != "ready" or asset.access not in press_access_of(viewer):
        return False
    return not under_embargo(asset, now) or sees_embargoed(viewer)


def can_manage(asset: Asset, actor: Actor) -> bool:
    """Change metadata or access, complete the upload."""
    return owns(asset, actor.id, actor.role, actor.unit_code)


def upload_refusal(actor: Actor, owner_unit_code: str | None) -> str | None:
    """Why `actor` may not upload for `owner_unit_code` (None when it may)."""
    if actor.role not in UPLOADER_ROLES:
        return "only unit officers, editors and services upload media"
    if actor.role == "unit_officer" and actor.unit_code != owner_unit_code:
        return "a unit officer uploads for their own unit only"
    return None


def can_audit(asset: Asset, viewer: Viewer) -> bool:
    """See who downloaded the asset."""
    return viewer.role in FULL_ACCESS_ROLES or (
        viewer.role == "unit_officer" and viewer.unit_code == asset.owner_unit_code
    )
