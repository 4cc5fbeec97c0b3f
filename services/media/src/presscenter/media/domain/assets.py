"""The asset's life: awaiting_upload → processing → ready | rejected, or → expired; metadata,
access and embargo holds. Each step takes the asset and `now` and returns a `Change`: the new
asset (revision + 1) and the event payloads it emits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from presscenter.media.domain.access import can_manage
from presscenter.media.domain.policy import ReasonCode
from presscenter.shared.events.common import Actor
from presscenter.shared.events.envelope import EventPayload
from presscenter.shared.events.media import AccessState, AssetReady, AssetRejected, AssetReleased
from presscenter.shared.rpc.errors import Conflict, Forbidden, InvalidTransition
from presscenter.shared.rpc.media import Asset, AssetMetadata, EmbargoHold, Rejection, Rendition

FINAL = frozenset({"ready", "rejected", "expired"})


@dataclass(frozen=True)
class Change:
    asset: Asset
    events: tuple[EventPayload, ...] = field(default=())


@dataclass(frozen=True)
class StoredContent:
    """What verification stored for a ready asset."""

    content_type: str
    size: int
    sha256: str
    original_sha256: str
    width: int | None = None
    height: int | None = None
    renditions: tuple[Rendition, ...] = ()


def _next(asset: Asset, now: datetime, **changes: object) -> Asset:
    return asset.model_copy(update={"revision": asset.revision + 1, "updated_at": now, **changes})


def _check_revision(asset: Asset, expected_revision: int) -> None:
    if asset.revision != expected_revision:
        raise Conflict(
            f"asset {asset.id} is at revision {asset.revision}, not {expected_revision}: reload and retry",
            "expected_revision",
            current_revision=asset.revision,
        )


def _require_manager(asset: Asset, actor: Actor) -> None:
    if not can_manage(asset, actor):
        raise Forbidden("only its uploader, its unit's officers and editors may change this asset", "actor")


def new_asset(
    asset_id: str,
    actor: Actor,
    filename: str,
    content_type: str,
    size: int,
    sha256: str | None,
    owner_unit_code: str,
    access: AccessState,
    metadata: AssetMetadata,
    now: datetime,
    upload_expires_at: datetime,
) -> Asset:
    return Asset(
        id=asset_id,
        status="awaiting_upload",
        revision=1,
        filename=filename,
        owner_unit_code=owner_unit_code,
        access=access,
        metadata=metadata,
        declared_content_type=content_type,
        declared_size=size,
        declared_sha256=sha256,
        created_at=now,
        created_by=actor,
        updated_at=now,
        upload_expires_at=upload_expires_at,
    )


def start_processing(asset: Asset, actor: Actor, now: datetime) -> Change:
    _require_manager(asset, actor)
    if asset.status not in ("awaiting_upload", "processing"):
        raise InvalidTransition(f"asset {asset.id} is {asset.status}: nothing to complete", "asset_id")
    return Change(_next(asset, now, status="processing"))


def back_to_awaiting(asset: Asset, now: datetime) -> Change:
    """Completion could not run (no bytes yet, storage unreachable): the client may try again."""
    return Change(_next(asset, now, status="awaiting_upload"))


def mark_ready(asset: Asset, stored: StoredContent, now: datetime) -> Change:
    if asset.status != "processing":
        raise InvalidTransition(f"asset {asset.id} is {asset.status}, not processing", "asset_id")
    ready = _next(
        asset,
        now,
        status="ready",
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        original_sha256=stored.original_sha256,
        width=stored.width,
        height=stored.height,
        renditions=stored.renditions,
        ready_at=now,
    )
    event = AssetReady(
        asset_id=asset.id,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        access=ready.access,
        renditions=[r.name for r in stored.renditions if r.name != "original"],
        owner_unit_code=asset.owner_unit_code,
        original_sha256=stored.original_sha256,
        ai_generated=asset.metadata.ai_generated,
    )
    return Change(ready, (event,))


def mark_rejected(asset: Asset, code: ReasonCode, reason: str, now: datetime) -> Change:
    if asset.status in FINAL:
        raise InvalidTransition(f"asset {asset.id} is already {asset.status}", "asset_id")
    rejected = _next(asset, now, status="rejected", rejection=Rejection(reason_code=code, reason=reason))
    return Change(rejected, (AssetRejected(asset_id=asset.id, reason_code=code, reason=reason[:2_000]),))


def expire(asset: Asset, now: datetime) -> Change:
    """No upload was completed in time: the asset is dropped (`asset_rejected`, missing_object)."""
    if asset.status in FINAL:
        raise InvalidTransition(f"asset {asset.id} is already {asset.status}", "asset_id")
    reason = "no upload was completed before its URL expired"
    expired = _next(asset, now, status="expired", rejection=Rejection(reason_code="missing_object", reason=reason))
    return Change(expired, (AssetRejected(asset_id=asset.id, reason_code="missing_object", reason=reason),))


def update_metadata(
    asset: Asset, actor: Actor, expected_revision: int, metadata: AssetMetadata, now: datetime
) -> Change:
    _require_manager(asset, actor)
    _check_revision(asset, expected_revision)
    if asset.status in ("rejected", "expired"):
        raise InvalidTransition(f"asset {asset.id} is {asset.status}", "asset_id")
    return Change(_next(asset, now, metadata=metadata))


def set_access(asset: Asset, actor: Actor, expected_revision: int, access: AccessState, now: datetime) -> Change:
    _require_manager(asset, actor)
    _check_revision(asset, expected_revision)
    if asset.status in ("rejected", "expired"):
        raise InvalidTransition(f"asset {asset.id} is {asset.status}", "asset_id")
    return Change(_next(asset, now, access=access))


# --- releases ------------------------------------------------------------------------------------


def _released(asset: Asset) -> bool:
    """Ready, public and held by no embargo not yet lifted (whatever the clock says)."""
    return asset.status == "ready" and asset.access == "public" and not asset.embargoes


def _linked(metadata: AssetMetadata, release_id: str) -> AssetMetadata:
    if release_id in metadata.linked_release_ids:
        return metadata
    return metadata.model_copy(update={"linked_release_ids": (*metadata.linked_release_ids, release_id)})


def attach_to_release(asset: Asset, release_id: str, embargoed_until: datetime | None, now: datetime) -> Change | None:
    """A release carrying the asset was published (or corrected).

    Under an embargo still running, the asset is held back until it ends; otherwise it becomes
    public (`asset_released` once it is ready and was not visible before). None when nothing changes.
    """
    if asset.status in ("rejected", "expired"):
        return None
    others = tuple(h for h in asset.embargoes if h.release_id != release_id)
    metadata = _linked(asset.metadata, release_id)
    if embargoed_until is not None and embargoed_until > now:
        holds = (*others, EmbargoHold(release_id=release_id, until=embargoed_until))
        if holds == asset.embargoes and metadata == asset.metadata:
            return None
        return Change(_next(asset, now, embargoes=holds, metadata=metadata))
    return _make_public(asset, release_id, others, metadata, now)


def lift_embargo(asset: Asset, release_id: str, now: datetime) -> Change | None:
    """The embargo of a release ended: the asset becomes public unless another embargo still holds it."""
    if asset.status in ("rejected", "expired"):
        return None
    others = tuple(h for h in asset.embargoes if h.release_id != release_id)
    return _make_public(asset, release_id, others, _linked(asset.metadata, release_id), now)


def _make_public(
    asset: Asset, release_id: str, holds: tuple[EmbargoHold, ...], metadata: AssetMetadata, now: datetime
) -> Change | None:
    if asset.access == "public" and holds == asset.embargoes and metadata == asset.metadata:
        return None
    was_released = _released(asset)
    public = _next(asset, now, access="public", embargoes=holds, metadata=metadata)
    if was_released or not _released(public):
        return Change(public)
    public = public.model_copy(update={"released_at": now})
    return Change(public, (AssetReleased(asset_id=asset.id, release_id=release_id, access="public"),))
