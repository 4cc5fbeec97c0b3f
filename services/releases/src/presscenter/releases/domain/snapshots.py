"""A release as the shared `ReleaseSnapshot`, and the event payloads the workflow emits.

Every payload is built from the release *after* the change, so what subscribers read is what
was stored. Before first publication `ReleaseSnapshot.version` is 0.
"""

from __future__ import annotations

from presscenter.releases.domain.model import Release
from presscenter.shared.events.common import Actor
from presscenter.shared.events.releases import (
    EmbargoLifted,
    ReleaseApproved,
    ReleaseCorrected,
    ReleasePublished,
    ReleasePublishFailed,
    ReleaseRejected,
    ReleaseScheduled,
    ReleaseSnapshot,
    ReleaseSubmitted,
    ReleaseWithdrawn,
)


def snapshot(release: Release) -> ReleaseSnapshot:
    """The shared contract view of `release` (its current text; `published_at` = first publication)."""
    content = release.content
    return ReleaseSnapshot(
        release_id=release.id,
        unit_code=release.unit_code,
        title=content.title,
        lead=content.lead,
        body=content.body,
        language=content.language,
        title_en=content.title_en,
        categories=list(content.categories),
        places=list(content.places),
        contacts=list(content.contacts),
        media_asset_ids=list(content.media_asset_ids),
        status=release.status,
        version=release.version,
        embargoed_until=release.embargoed_until,
        scheduled_at=release.scheduled_at,
        published_at=release.first_published_at,
        refutes_claim_ids=list(content.refutes_claim_ids),
    )


def submitted_event(release: Release, actor: Actor) -> ReleaseSubmitted:
    return ReleaseSubmitted(release=snapshot(release), actor=actor)


def approved_event(release: Release, actor: Actor) -> ReleaseApproved:
    return ReleaseApproved(release=snapshot(release), actor=actor)


def rejected_event(release: Release, actor: Actor) -> ReleaseRejected:
    return ReleaseRejected(release=snapshot(release), actor=actor, reason=release.rejection_reason or "")


def scheduled_event(release: Release, actor: Actor) -> ReleaseScheduled:
    if release.scheduled_at is None:
        raise ValueError(f"release {release.id} is not scheduled")
    return ReleaseScheduled(release=snapshot(release), actor=actor, scheduled_at=release.scheduled_at)


def published_event(release: Release, actor: Actor, force_reason: str | None = None) -> ReleasePublished:
    return ReleasePublished(
        release=snapshot(release), actor=actor, forced=force_reason is not None, force_reason=force_reason
    )


def publish_failed_event(release: Release, actor: Actor) -> ReleasePublishFailed:
    """The alert for a scheduled publication that failed; `failure` holds the error."""
    return ReleasePublishFailed(
        release=snapshot(release),
        actor=actor,
        error=release.failure or "unknown error",
        scheduled_at=release.scheduled_at,
    )


def corrected_event(release: Release, actor: Actor) -> ReleaseCorrected:
    """The latest published version is the correction; the one before it is `previous_version`."""
    latest = release.versions[-1]
    return ReleaseCorrected(
        release=snapshot(release),
        actor=actor,
        correction_note=latest.correction_note or "",
        correction_sequence=latest.correction_sequence,
        previous_version=latest.version - 1,
    )


def withdrawn_event(release: Release, actor: Actor) -> ReleaseWithdrawn:
    withdrawal = release.withdrawal
    if withdrawal is None:
        raise ValueError(f"release {release.id} has no withdrawal")
    return ReleaseWithdrawn(
        release=snapshot(release),
        actor=actor,
        reason=withdrawal.reason,
        note=withdrawal.note,
        superseded_by=withdrawal.superseded_by,
    )


def embargo_lifted_event(release: Release) -> EmbargoLifted:
    if release.embargoed_until is None:
        raise ValueError(f"release {release.id} has no embargo")
    return EmbargoLifted(
        release_id=release.id,
        version=release.version,
        embargoed_until=release.embargoed_until,
        media_asset_ids=list(release.content.media_asset_ids),
    )
