"""Who may read which release: one rule, applied to single reads and to search queries alike.

- editors, admins and services read everything;
- unit officers read every release of their own unit, and what the press reads;
- journalists read published and withdrawn releases (a withdrawn one stays readable with its
  notice); one under embargo only when entitled to embargoed material;
- the public (feeds, anonymous) reads published and withdrawn releases not under embargo.
"""

from __future__ import annotations

from datetime import datetime

from presscenter.shared.rpc.releases import Release, Viewer

PRESS_STATUSES = ("published", "withdrawn")
FULL_ACCESS_ROLES = frozenset({"editor", "admin", "system"})


def sees_embargoed(viewer: Viewer) -> bool:
    return viewer.role in FULL_ACCESS_ROLES or (viewer.role == "journalist" and viewer.embargo_entitled)


def can_read(release: Release, viewer: Viewer, now: datetime) -> bool:
    if viewer.role in FULL_ACCESS_ROLES:
        return True
    if viewer.role == "unit_officer" and viewer.unit_code == release.unit_code:
        return True
    if release.status not in PRESS_STATUSES:
        return False
    return not release.under_embargo(now) or sees_embargoed(viewer)
