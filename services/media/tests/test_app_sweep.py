"""The application without nameko, on the embedded datastore and a local store, with a clock the
test moves: abandoned uploads expire (`asset_rejected`, missing_object) and leave nothing behind;
an upload object that storage failed to delete is deleted by a later sweep."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import mongoengine
import pytest

from presscenter.media import testing as samples
from presscenter.media.app import MediaApp
from presscenter.media.domain.assets import start_processing
from presscenter.media.repository import AssetRepository, DownloadLog, micros
from presscenter.media.settings import MediaSettings
from presscenter.media.storage import LocalStorage
from presscenter.media.storage.keys import upload_key
from presscenter.media.storage.url_signing import UrlSigner
from presscenter.shared.directory.store import UnitDirectory
from presscenter.shared.events.common import Actor
from presscenter.shared.plumbing.mongo import connect
from presscenter.shared.rpc import media as rpc
from presscenter.shared.rpc.errors import Conflict

OFFICER = {"kind": "user", "id": "officer-1", "role": "unit_officer", "unit_code": "so-yte"}
START = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
MiB = 1024 * 1024


class FlakyDeletes(LocalStorage):
    """Fault injection on a real local store: deletes fail while `failing` is set."""

    failing = False

    def delete(self, key: str) -> None:
        if self.failing:
            raise OSError("storage unavailable")
        super().delete(key)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def settings(mongo_uri: str, mongo_db_name: str) -> Iterator[MediaSettings]:
    settings = MediaSettings(
        mongo_uri=mongo_uri, mongo_db=mongo_db_name, media_multipart_threshold=8 * MiB, media_part_size=5 * MiB
    )
    yield settings
    mongoengine.disconnect(settings.service_name)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path) -> FlakyDeletes:
    return FlakyDeletes(tmp_path / "store", UrlSigner([b"0123456789abcdef0123"]), "http://127.0.0.1:9")


@pytest.fixture
def app(settings: MediaSettings, store: FlakyDeletes, clock: Clock) -> MediaApp:
    db = connect(settings)
    return MediaApp(AssetRepository(), DownloadLog(), store, settings, UnitDirectory(db), clock)


def outbox_types(app: MediaApp, asset_id: str) -> list[str]:
    doc = app.repo.collection.find_one({"_id": asset_id}, {"_outbox": 1})
    assert doc is not None
    return [json.loads(json.loads(entry)["body"])["type"] for entry in doc.get("_outbox", [])]


def request(app: MediaApp, data: bytes, filename: str = "x.pdf", content_type: str = "application/pdf") -> Any:
    return app.request_upload(
        rpc.RequestUpload.model_validate(
            {"actor": OFFICER, "filename": filename, "content_type": content_type, "size": len(data)}
        )
    )


def test_abandoned_uploads_expire_after_the_grace_and_leave_nothing(
    app: MediaApp, store: FlakyDeletes, clock: Clock, settings: MediaSettings
) -> None:
    document = samples.pdf()
    put_only = request(app, document)
    store.put_bytes(upload_key(put_only.asset_id), document, content_type="application/pdf")
    big = request(app, samples.mp4(9 * MiB), "v.mp4", "video/mp4")
    assert len(big.parts) == 2
    multipart_id = app.repo.internal(big.asset_id)["multipart_upload_id"]
    store.receive_part(upload_key(big.asset_id), multipart_id, 1, io.BytesIO(b"x" * 5 * MiB), 5 * MiB, 5 * MiB)
    never = request(app, document, "y.pdf")

    clock.now = put_only.expires_at + timedelta(seconds=settings.media_upload_grace_seconds - 1)
    assert app.sweep() == []
    clock.now += timedelta(seconds=2)
    assert sorted(app.sweep()) == sorted([put_only.asset_id, big.asset_id, never.asset_id])
    for asset_id in (put_only.asset_id, big.asset_id, never.asset_id):
        asset = app.repo.get(asset_id)
        assert asset.status == "expired" and asset.rejection and asset.rejection.reason_code == "missing_object"
        assert outbox_types(app, asset_id) == ["asset_rejected"]
    assert [p for p in store.root.rglob("*") if p.is_file() and ".url-secret" not in p.name] == []
    assert app.sweep() == []

    late = rpc.CompleteUpload.model_validate({"actor": OFFICER, "asset_id": never.asset_id})
    assert app.complete_upload(late).status == "expired"  # already final: the same answer


def test_completing_after_the_window_closed_expires_the_asset(app: MediaApp, store: FlakyDeletes, clock: Clock) -> None:
    document = samples.pdf()
    grant = request(app, document)
    store.put_bytes(upload_key(grant.asset_id), document, content_type="application/pdf")
    clock.now = grant.expires_at + timedelta(days=1)
    with pytest.raises(Conflict, match="closed"):
        app.complete_upload(rpc.CompleteUpload.model_validate({"actor": OFFICER, "asset_id": grant.asset_id}))
    assert app.repo.get(grant.asset_id).status == "expired"
    assert not store.exists(upload_key(grant.asset_id))


def test_an_upload_storage_failed_to_delete_is_deleted_by_the_sweep(app: MediaApp, store: FlakyDeletes) -> None:
    document = samples.pdf()
    grant = request(app, document)
    store.put_bytes(upload_key(grant.asset_id), document, content_type="application/pdf")
    store.failing = True
    done = app.complete_upload(rpc.CompleteUpload.model_validate({"actor": OFFICER, "asset_id": grant.asset_id}))
    assert done.status == "ready"
    assert store.exists(upload_key(grant.asset_id)) and app.repo.internal(grant.asset_id)["cleanup_pending"] == 1
    app.sweep()  # storage still failing: nothing lost, tried again later
    assert store.exists(upload_key(grant.asset_id))
    store.failing = False
    app.sweep()
    assert not store.exists(upload_key(grant.asset_id)) and app.repo.internal(grant.asset_id)["cleanup_pending"] == 0
    assert outbox_types(app, grant.asset_id) == ["asset_ready"]


def test_a_completion_in_progress_is_not_run_twice(app: MediaApp, store: FlakyDeletes, clock: Clock) -> None:
    document = samples.pdf()
    grant = request(app, document)
    store.put_bytes(upload_key(grant.asset_id), document, content_type="application/pdf")
    asset = app.repo.get(grant.asset_id)
    claim = start_processing(asset, Actor.model_validate(OFFICER), clock())
    lease = clock() + timedelta(seconds=app.settings.media_processing_lease_seconds)
    app.repo.update(claim.asset, asset.revision, processing_until_us=micros(lease))
    complete = rpc.CompleteUpload.model_validate({"actor": OFFICER, "asset_id": grant.asset_id})
    with pytest.raises(Conflict, match="being verified"):
        app.complete_upload(complete)
    clock.now = lease + timedelta(seconds=1)  # the first completion died: its lease ran out
    assert app.complete_upload(complete).status == "ready"
