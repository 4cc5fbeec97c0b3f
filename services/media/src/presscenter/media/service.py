"""The media nameko service: entrypoints and dependencies only; the work is in `app`.

Run with `nameko run --config config.yaml presscenter.media.service`. nameko runs every class
of this module that has entrypoints, so mixins are reached through their module and models
live in modules of their own.

With the local object store (the embedded default) this service also serves the store's
signed upload and download URLs on its WEB_SERVER_ADDRESS: the bytes go straight between the
client and this HTTP server (never through RabbitMQ), as they go straight to MinIO/S3 with
`MEDIA_STORAGE=s3`, where these routes answer 404.
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from datetime import datetime
from typing import Any

from nameko.rpc import rpc
from nameko.timer import timer
from werkzeug.wrappers import Request, Response

from presscenter.media import object_endpoint
from presscenter.media.app import MediaApp
from presscenter.media.dependencies import Storage
from presscenter.media.repository import AssetRepository, DownloadLog
from presscenter.media.settings import MediaSettings
from presscenter.media.storage import LocalStorage
from presscenter.media.storage import local_http as objects
from presscenter.shared.directory.store import UnitDirectory
from presscenter.shared.events.envelope import EventEnvelope, utcnow
from presscenter.shared.plumbing import health
from presscenter.shared.plumbing.consuming import handle_event
from presscenter.shared.plumbing.leases import LeaseStore
from presscenter.shared.plumbing.mongo import Mongo
from presscenter.shared.plumbing.outbox import OutboxRelay
from presscenter.shared.plumbing.rpc_contract import contract
from presscenter.shared.plumbing.tracing import Tracing
from presscenter.shared.rpc import media as m

# nameko fixes timer intervals when the class is defined: read from the environment then.
_STARTUP = MediaSettings()
SWEEP_LEASE = "media-sweep"
_OWNER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _cooperate() -> None:
    """Let other green threads run between chunks of a long hash (time.sleep is eventlet's here)."""
    time.sleep(0)


class MediaService(health.HealthEndpoints):
    """Media RPC, the local store's signed URLs, release embargo handling and the upload sweep."""

    name = "media"
    db = Mongo(MediaSettings)
    tracer = Tracing(MediaSettings)
    outbox = OutboxRelay(MediaSettings, collections=["assets"])
    storage = Storage(MediaSettings)

    def _clock(self) -> datetime:
        return utcnow()

    @property
    def app(self) -> MediaApp:
        return MediaApp(
            AssetRepository(),
            DownloadLog(),
            self.storage,
            MediaSettings.load(),
            UnitDirectory(self.db),
            self._clock,
            _cooperate,
        )

    # --- uploads ---------------------------------------------------------------------------------

    @rpc
    @contract(m.RequestUpload)
    def request_upload(self, request: m.RequestUpload) -> m.UploadGrant:
        return self.app.request_upload(request)

    @rpc
    @contract(m.CompleteUpload)
    def complete_upload(self, request: m.CompleteUpload) -> m.Asset:
        return self.app.complete_upload(request)

    # --- assets ----------------------------------------------------------------------------------

    @rpc
    @contract(m.GetAsset)
    def get_asset(self, request: m.GetAsset) -> m.Asset:
        return self.app.get_asset(request)

    @rpc
    @contract(m.UpdateMetadata)
    def update_metadata(self, request: m.UpdateMetadata) -> m.Asset:
        return self.app.update_metadata(request)

    @rpc
    @contract(m.SetAccess)
    def set_access(self, request: m.SetAccess) -> m.Asset:
        return self.app.set_access(request)

    @rpc
    @contract(m.GetDownloadUrl)
    def download_url(self, request: m.GetDownloadUrl) -> m.DownloadLink:
        return self.app.download_url(request)

    @rpc
    @contract(m.ListAssets)
    def list_assets(self, request: m.ListAssets) -> m.AssetPage:
        return self.app.list_assets(request)

    @rpc
    @contract(m.ListDownloads)
    def list_downloads(self, request: m.ListDownloads) -> m.DownloadPage:
        return self.app.list_downloads(request)

    # --- the local store's signed URLs -------------------------------------------------------------

    def _local(self) -> LocalStorage | None:
        return self.storage if isinstance(self.storage, LocalStorage) else None

    @object_endpoint.object_transfer("PUT", "/media/objects/<path:key>")
    def put_object(self, request: Request, key: str) -> Response:
        local = self._local()
        return objects.handle_put(local, request, key) if local else _not_here()

    @object_endpoint.object_transfer("GET", "/media/objects/<path:key>")
    def get_object(self, request: Request, key: str) -> Response:
        local = self._local()
        return objects.handle_get(local, request, key) if local else _not_here()

    # --- releases and the directory --------------------------------------------------------------

    @handle_event("releases", "release_published")
    def on_release_published(self, event: EventEnvelope[Any]) -> None:
        self.app.on_release_visible(event)

    @handle_event("releases", "release_corrected")
    def on_release_corrected(self, event: EventEnvelope[Any]) -> None:
        self.app.on_release_visible(event)

    @handle_event("releases", "embargo_lifted")
    def on_embargo_lifted(self, event: EventEnvelope[Any]) -> None:
        self.app.on_embargo_lifted(event)

    @handle_event("departments", "directory_updated")
    def on_directory_updated(self, event: EventEnvelope[Any]) -> None:
        UnitDirectory(self.db).apply(event.payload)

    # --- the sweep ---------------------------------------------------------------------------------

    @timer(interval=_STARTUP.media_sweep_interval)
    def sweep(self) -> None:
        """Expire abandoned uploads and delete upload objects left behind; one replica at a time."""
        if LeaseStore(self.db).acquire(SWEEP_LEASE, _OWNER, ttl_s=max(30.0, 3 * _STARTUP.media_sweep_interval)):
            self.app.sweep()


def _not_here() -> Response:
    body = json.dumps({"error": "not_found", "detail": "objects are served by the S3 store, not here"})
    return Response(body, status=404, mimetype="application/json")
