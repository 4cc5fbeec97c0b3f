"""Choosing the published version of a release that an export shows."""

from __future__ import annotations

from datetime import datetime

from presscenter.releases.domain.model import PublishedVersion, Release
from presscenter.shared.rpc.errors import InvalidInput

_PUBLISHING = ("published", "force_published", "corrected")


def published_versions(release: Release) -> tuple[PublishedVersion, ...]:
    """Every published version, oldest first.

    A release that says it is published (`version` > 0) but carries no version history (a
    projection or a record from before the history existed) stands for its current version.
    """
    if release.versions:
        return tuple(sorted(release.versions, key=lambda v: v.version))
    if not release.is_published or release.version_created_at is None:
        return ()
    publisher = next((h.actor for h in reversed(release.history) if h.action in _PUBLISHING), release.created_by)
    current = PublishedVersion(
        version=release.version,
        content=release.content,
        published_at=release.version_created_at,
        published_by=publisher,
        correction_sequence=release.correction_sequence,
        embargoed_until=release.embargoed_until,
    )
    return (current,)


def published_version(release: Release, version: int | None = None) -> PublishedVersion:
    """Version `version` of the published text (default: the latest); InvalidInput if there is none."""
    versions = published_versions(release)
    if not versions:
        raise InvalidInput(f"release {release.id} has not been published", field="version")
    if version is None:
        return versions[-1]
    for candidate in versions:
        if candidate.version == version:
            return candidate
    known = ", ".join(str(v.version) for v in versions)
    raise InvalidInput(f"release {release.id} has no published version {version} (published: {known})", field="version")


def first_published_at(release: Release) -> datetime:
    """When version 1 went out."""
    if release.first_published_at is not None:
        return release.first_published_at
    return published_versions(release)[0].published_at


def embargo_of(release: Release, version: PublishedVersion) -> datetime | None:
    """The embargo end of the release, or the one recorded with the published version."""
    return release.embargoed_until if release.embargoed_until is not None else version.embargoed_until
