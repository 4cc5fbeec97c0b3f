"""The media application: domain rules + datastore + object storage, without nameko.

Every change loads the asset, runs the domain step and stores the result with its events in
one revision-guarded write. Completion claims the asset (status `processing` with a lease),
runs the verification outside any write, records the outcome with its event, then deletes
the uploaded object (retried by the sweep when storage fails at that moment).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from presscenter.media.domain import assets as domain
from presscenter.media.domain.access import can_audit, can_manage, can_read, upload_refusal
from presscenter.media.domain.policy import Refusal, UploadPolicy
from presscenter.media.pipeline import NotUploaded, Verification
from presscenter.media.processing.filenames import extension_of
from presscenter.media.processing.images import RenditionSpec
from presscenter.media.repository import AssetRepository, DownloadLog, micros
from presscenter.media.settings import MediaSettings
from presscenter.media.storage.contract import ObjectStorage, PresignedRequest
from presscenter.media.storage.keys import blob_key, rendition_key, upload_key
from presscenter.shared.directory.store import UnitDirectory
from presscenter.shared.events.envelope import EventEnvelope, make_event
from presscenter.shared.events.releases import EmbargoLifted
from presscenter.shared.rpc import media as rpc
from presscenter.shared.rpc.errors import Conflict, Forbidden, InvalidInput, NotFound
from presscenter.shared.rpc.releases import Viewer

_log = logging.getLogger(__name__)
SOURCE = "media"
Step = Callable[[rpc.Asset, datetime], domain.Change | None]


def new_asset_id() -> str:
    return f"a-{uuid.uuid4().hex[:20]}"


def presigned_view(request: PresignedRequest) -> rpc.PresignedHttpRequest:
    return rpc.PresignedHttpRequest(
        method=request.method,  # type: ignore[arg-type]
        url=request.url,
        headers=dict(request.headers),
        expires_at=request.expires_at,
    )


def rendition_specs(settings: MediaSettings) -> tuple[RenditionSpec, ...]:
    return (
        RenditionSpec("thumbnail", settings.media_thumbnail_size),
        RenditionSpec("preview", settings.media_preview_size),
    )


def upload_policy(settings: MediaSettings) -> UploadPolicy:
    return UploadPolicy(
        allowed_types=frozenset(settings.media_allowed_types),
        max_upload_bytes=settings.media_max_upload_bytes,
        max_image_bytes=settings.media_max_image_bytes,
        max_image_pixels=settings.media_max_image_pixels,
    )


class MediaApp:
    def __init__(
        self,
        repo: AssetRepository,
        downloads: DownloadLog,
        storage: ObjectStorage,
        settings: MediaSettings,
        directory: UnitDirectory,
        clock: Callable[[], datetime],
        pause: Callable[[], None] = lambda: None,
    ):
        self.repo = repo
        self.downloads = downloads
        self.storage = storage
        self.settings = settings
        self.directory = directory
        self.clock = clock
        self.policy = upload_policy(settings)
        self.verification = Verification(
            storage, self.policy, rendition_specs(settings), settings.media_work_dir or None, pause
        )

    def _envelopes(self, change: domain.Change, caused_by: EventEnvelope[Any] | None = None) -> tuple[Any, ...]:
        return tuple(make_event(p, source=SOURCE, caused_by=caused_by) for p in change.events)

    def _store(self, before: rpc.Asset, change: domain.Change, caused_by: EventEnvelope[Any] | None = None,
               **internal: Any) -> rpc.Asset:  # fmt: skip
        self.repo.update(change.asset, before.revision, self._envelopes(change, caused_by), **internal)
        return change.asset

    # --- uploads --------------------------------------------------------------------------------

    def request_upload(self, r: rpc.RequestUpload) -> rpc.UploadGrant:
        owner = r.owner_unit_code or r.actor.unit_code
        refusal = upload_refusal(r.actor, owner)
        if refusal:
            raise Forbidden(refusal, "actor")
        if not owner:
            raise InvalidInput("name the unit that owns the asset", "owner_unit_code")
        self.directory.tree().require(owner, "owner_unit_code")
        filename, mime = self.policy.check_request(r.filename, r.content_type, r.size)
        asset_id = new_asset_id()
        key = upload_key(asset_id)
        expires = timedelta(seconds=self.settings.media_upload_expiry_seconds)
        grant: dict[str, Any] = {"asset_id": asset_id, "max_size": r.size}
        multipart_id = ""
        if r.size > self.settings.media_multipart_threshold:
            multipart = self.storage.start_multipart(
                key, content_type=mime, size=r.size, part_size=self.settings.media_part_size, expires=expires
            )
            multipart_id = multipart.upload_id
            grant["expires_at"] = multipart.expires_at
            grant["part_size"] = multipart.part_size
            grant["parts"] = tuple(
                rpc.UploadPart(part_number=p.number, offset=p.offset, size=p.size, request=presigned_view(p.request))
                for p in multipart.parts
            )
        else:
            single = self.storage.presign_put(key, content_type=mime, max_size=r.size, expires=expires)
            grant["expires_at"] = single.expires_at
            grant["upload"] = presigned_view(single)
        asset = domain.new_asset(
            asset_id, r.actor, filename, mime, r.size, r.sha256, owner, r.access, r.metadata, self.clock(),
            grant["expires_at"],
        )  # fmt: skip
        try:
            self.repo.insert(asset, multipart_id)
        except Exception:
            if multipart_id:
                self.storage.abort_multipart(key, multipart_id)
            raise
        return rpc.UploadGrant(**grant)

    def complete_upload(self, r: rpc.CompleteUpload) -> rpc.Asset:
        asset = self.repo.get(r.asset_id)
        if not can_manage(asset, r.actor):
            raise Forbidden("only its uploader, its unit's officers and editors may complete this upload", "actor")
        if asset.status in domain.FINAL:
            return asset  # completed before: the same answer again
        now = self.clock()
        internal = self.repo.internal(asset.id)
        if asset.status == "processing" and internal["processing_until_us"] > micros(now):
            raise Conflict(f"asset {asset.id} is being verified by another request; ask again shortly", "asset_id")
        if now > asset.upload_expires_at + timedelta(seconds=self.settings.media_upload_grace_seconds):
            self._expire(asset)
            raise Conflict(f"the upload window of asset {asset.id} closed; request a new upload", "asset_id")
        lease = now + timedelta(seconds=self.settings.media_processing_lease_seconds)
        claimed = self._store(asset, domain.start_processing(asset, r.actor, now), processing_until_us=micros(lease))
        multipart_id = internal.get("multipart_upload_id") or ""
        try:
            outcome = self.verification.run(claimed, multipart_id)
        except NotUploaded as exc:
            self._store(claimed, domain.back_to_awaiting(claimed, self.clock()), processing_until_us=0)
            raise Conflict(f"{exc}: put the bytes, then complete the upload", "asset_id") from None
        except Exception:
            try:
                self._store(claimed, domain.back_to_awaiting(claimed, self.clock()), processing_until_us=0)
            except Exception:  # the lease runs out on its own
                _log.warning("could not release the completion of %s", asset.id, exc_info=True)
            raise
        if isinstance(outcome, Refusal):
            change = domain.mark_rejected(claimed, outcome.code, outcome.reason, self.clock())
        else:
            change = domain.mark_ready(claimed, outcome, self.clock())
        done = self._store(claimed, change, processing_until_us=0, cleanup_pending=1)
        self._discard_upload(asset.id, multipart_id)
        return done

    def _expire(self, asset: rpc.Asset) -> None:
        self._store(asset, domain.expire(asset, self.clock()), processing_until_us=0, cleanup_pending=1)
        self._discard_upload(asset.id, self.repo.internal(asset.id).get("multipart_upload_id") or "")

    def _discard_upload(self, asset_id: str, multipart_id: str) -> None:
        try:
            self.verification.discard_upload(asset_id, multipart_id)
        except Exception:
            _log.warning("could not delete the upload of %s yet; the sweep will", asset_id, exc_info=True)
            return
        self.repo.mark_cleaned(asset_id)

    def sweep(self, limit: int = 100) -> list[str]:
        """Expire uploads whose window (and grace) closed; delete upload objects left behind."""
        now = self.clock()
        closed = now - timedelta(seconds=self.settings.media_upload_grace_seconds)
        expired = []
        for asset_id in self.repo.expired_uploads(closed, limit):
            asset = self.repo.get(asset_id)
            lease = self.repo.internal(asset_id)["processing_until_us"]
            if asset.status == "processing" and lease > micros(now):
                continue
            try:
                self._expire(asset)
            except Conflict:
                continue
            expired.append(asset_id)
        for asset_id in self.repo.pending_cleanups(limit):
            self._discard_upload(asset_id, self.repo.internal(asset_id).get("multipart_upload_id") or "")
        return expired

    # --- reading and changing -------------------------------------------------------------------

    def read(self, asset_id: str, viewer: Viewer) -> rpc.Asset:
        """The asset if `viewer` may see it; the same NotFound otherwise, so ids do not leak."""
        asset = self.repo.get(asset_id)
        if not can_read(asset, viewer, self.clock()):
            raise NotFound(f"no asset {asset_id}", "asset_id")
        return asset

    def get_asset(self, r: rpc.GetAsset) -> rpc.Asset:
        return self.read(r.asset_id, r.viewer)

    def update_metadata(self, r: rpc.UpdateMetadata) -> rpc.Asset:
        asset = self.repo.get(r.asset_id)
        return self._store(asset, domain.update_metadata(asset, r.actor, r.expected_revision, r.metadata, self.clock()))

    def set_access(self, r: rpc.SetAccess) -> rpc.Asset:
        asset = self.repo.get(r.asset_id)
        return self._store(asset, domain.set_access(asset, r.actor, r.expected_revision, r.access, self.clock()))

    def list_assets(self, r: rpc.ListAssets) -> rpc.AssetPage:
        return self.repo.search(r, self.clock())

    def download_url(self, r: rpc.GetDownloadUrl) -> rpc.DownloadLink:
        asset = self.read(r.asset_id, r.viewer)
        if asset.status != "ready" or asset.sha256 is None or asset.content_type is None or asset.size is None:
            raise Conflict(f"asset {asset.id} is {asset.status}: nothing to download yet", "asset_id")
        if r.rendition == "original":
            key, filename, content_type, size = blob_key(asset.sha256), asset.filename, asset.content_type, asset.size
        else:
            rendition = next((x for x in asset.renditions if x.name == r.rendition), None)
            if rendition is None:
                raise NotFound(f"asset {asset.id} has no {r.rendition} rendition", "rendition")
            key = rendition_key(asset.sha256, rendition.name, "jpg")
            stem = asset.filename[: -len(extension_of(asset.filename)) - 1]
            filename, content_type, size = f"{stem}-{rendition.name}.jpg", rendition.content_type, rendition.size
        now = self.clock()
        self.downloads.record(
            rpc.DownloadRecord(
                asset_id=asset.id,
                rendition=r.rendition,
                viewer_id=r.viewer.id,
                viewer_role=r.viewer.role,
                viewer_unit_code=r.viewer.unit_code,
                at=now,
            )
        )
        expires = timedelta(seconds=self.settings.media_download_expiry_seconds)
        link = self.storage.presign_get(key, expires=expires, filename=filename, content_type=content_type)
        return rpc.DownloadLink(
            asset_id=asset.id,
            rendition=r.rendition,
            url=link.url,
            expires_at=link.expires_at,
            filename=filename,
            content_type=content_type,
            size=size,
        )

    def list_downloads(self, r: rpc.ListDownloads) -> rpc.DownloadPage:
        asset = self.read(r.asset_id, r.viewer)
        if not can_audit(asset, r.viewer):
            raise Forbidden("only editors and the owning unit see who downloaded an asset", "viewer")
        return rpc.DownloadPage(items=self.downloads.of_asset(asset.id, r.limit))

    # --- releases -------------------------------------------------------------------------------

    def on_release_visible(self, event: EventEnvelope[Any]) -> None:
        """`release_published` / `release_corrected`: attach its media, held back while under embargo."""
        release = event.payload.release
        for asset_id in release.media_asset_ids:
            self._apply(
                asset_id,
                lambda a, now: domain.attach_to_release(a, release.release_id, release.embargoed_until, now),
                event,
            )

    def on_embargo_lifted(self, event: EventEnvelope[EmbargoLifted]) -> None:
        """The release's media become public: those it lists, and any other held back for it."""
        lifted = event.payload
        listed = set(lifted.media_asset_ids)
        for asset_id in sorted(listed | set(self.repo.with_release(lifted.release_id))):

            def step(asset: rpc.Asset, now: datetime, listed_here: bool = asset_id in listed) -> domain.Change | None:
                if not listed_here and all(h.release_id != lifted.release_id for h in asset.embargoes):
                    return None  # linked in metadata only: its access is its owner's choice
                return domain.lift_embargo(asset, lifted.release_id, now)

            self._apply(asset_id, step, event)

    def _apply(self, asset_id: str, step: Step, caused_by: EventEnvelope[Any], attempts: int = 5) -> None:
        for _ in range(attempts):
            try:
                asset = self.repo.get(asset_id)
            except NotFound:
                _log.warning("%s names asset %s, which is not here; skipped", caused_by.type, asset_id)
                return
            change = step(asset, self.clock())
            if change is None:
                return
            try:
                self._store(asset, change, caused_by)
                return
            except Conflict:
                continue
        raise Conflict(f"asset {asset_id} kept changing while {caused_by.type} was applied; retried later", "asset_id")
