"""The media service on the real broker and the embedded datastore, with the local object store
(served by the service itself) and with a real S3 endpoint (moto): request → PUT the bytes to the
presigned URL → complete → `asset_ready`; bad input refused with nothing half-stored; embargoes."""

from __future__ import annotations

import hashlib
import io
import time
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ClusterRpcClient
from PIL import Image

from presscenter.media import testing as samples
from presscenter.media.processing.sniffing import DOCX, XLSX
from presscenter.media.service import MediaService
from presscenter.shared.events.envelope import utcnow
from presscenter.shared.sdk import EventPublisher
from presscenter.shared.testing.event_tap import EventTap

MiB = 1024 * 1024
OFFICER = {"kind": "user", "id": "officer-1", "role": "unit_officer", "unit_code": "so-yte"}
OTHER_OFFICER = {"id": "officer-9", "role": "unit_officer", "unit_code": "so-tttt"}
EDITOR = {"id": "editor-1", "role": "editor", "unit_code": "ubnd-hn"}
JOURNALIST = {"id": "j-1", "role": "journalist"}
ENTITLED = {"id": "j-2", "role": "journalist", "embargo_entitled": True}
PUBLIC = {"id": "anon", "role": "public"}
JOURNALIST_ACTOR = {"kind": "user", "id": "j-1", "role": "journalist"}


def base_config(service_config: dict[str, Any]) -> dict[str, Any]:
    return {**service_config, "MEDIA_MULTIPART_THRESHOLD": 8 * MiB, "MEDIA_PART_SIZE": 5 * MiB}


@pytest.fixture(params=["local", "s3"])
def media_config(request: pytest.FixtureRequest, service_config: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    if request.param == "local":
        return {**base_config(service_config), "MEDIA_STORAGE": "local", "MEDIA_STORAGE_DIR": str(tmp_path / "store")}
    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = request.getfixturevalue("s3_bucket")
    return {
        **base_config(service_config),
        "MEDIA_STORAGE": "s3",
        "MEDIA_S3_ENDPOINT": endpoint,
        "MEDIA_S3_BUCKET": bucket,
        "MEDIA_S3_ACCESS_KEY": "media-test",
        "MEDIA_S3_SECRET_KEY": "media-test-secret",
    }


@pytest.fixture
def local_config(service_config: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    return {**base_config(service_config), "MEDIA_STORAGE": "local", "MEDIA_STORAGE_DIR": str(tmp_path / "store")}


def start(container_factory: Any, config: dict[str, Any]) -> Iterator[Any]:
    container_factory(MediaService, config).start()
    with ClusterRpcClient(uri=config["AMQP_URI"], timeout=30) as client:
        yield client.media


@pytest.fixture
def media(container_factory: Any, media_config: dict[str, Any]) -> Iterator[Any]:
    yield from start(container_factory, media_config)


@pytest.fixture
def local_media(container_factory: Any, local_config: dict[str, Any]) -> Iterator[Any]:
    yield from start(container_factory, local_config)


@pytest.fixture
def tap(service_config: dict[str, Any]) -> Iterator[EventTap]:
    with EventTap(service_config["AMQP_URI"], "media") as events:
        yield events


def remote_error(call: Any, *args: Any) -> RemoteError:
    with pytest.raises(RemoteError) as caught:
        call(*args)
    return caught.value


def put_bytes(request: dict[str, Any], data: bytes) -> int:
    """PUT with urllib, sending the headers the grant names (Content-Type above all)."""
    sent = urllib.request.Request(request["url"], data=data, method="PUT", headers=request["headers"])
    try:
        with urllib.request.urlopen(sent, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def upload(media: Any, filename: str, content_type: str, data: bytes, *, actor: dict[str, Any] = OFFICER,
           sha256: str | None = None, **extra: Any) -> tuple[dict[str, Any], dict[str, Any]]:  # fmt: skip
    """Request, PUT (in parts when the grant says so) and complete; returns (grant, asset)."""
    request = {"actor": actor, "filename": filename, "content_type": content_type, "size": len(data), **extra}
    if sha256:
        request["sha256"] = sha256
    grant = media.request_upload(request)
    if grant["upload"]:
        assert put_bytes(grant["upload"], data) == 200
    else:
        for part in grant["parts"]:
            assert put_bytes(part["request"], data[part["offset"] : part["offset"] + part["size"]]) == 200
    return grant, media.complete_upload({"actor": actor, "asset_id": grant["asset_id"]})


def download(media: Any, viewer: dict[str, Any], asset_id: str, rendition: str = "original") -> requests.Response:
    link = media.download_url({"viewer": viewer, "asset_id": asset_id, "rendition": rendition})
    response = requests.get(link["url"], timeout=30)
    assert response.status_code == 200, response.text
    return response


def test_photo_upload_is_verified_cleaned_and_downloadable(media: Any, tap: EventTap) -> None:
    photo = samples.jpeg_with_gps(1600, 1200)
    digest = hashlib.sha256(photo).hexdigest()
    metadata = {"title": "Họp báo", "caption": {"vi": "Họp báo quý II", "en": "Q2 press conference"},
                "creator": "Nguyễn Văn A", "digital_source_type": "digitalCapture", "tags": ["hop-bao"]}  # fmt: skip
    grant, asset = upload(media, "Họp báo.jpg", "image/jpeg", photo, sha256=digest, metadata=metadata)
    assert grant["upload"]["method"] == "PUT" and grant["max_size"] == len(photo)
    assert asset["status"] == "ready", asset.get("rejection")
    assert (asset["content_type"], asset["original_sha256"], asset["width"]) == ("image/jpeg", digest, 1600)
    assert asset["sha256"] != digest  # stored cleaned
    assert {r["name"] for r in asset["renditions"]} == {"thumbnail", "preview"}
    event = tap.wait_for("asset_ready", lambda e: e["payload"]["asset_id"] == asset["id"])
    payload = event["payload"]
    assert (payload["sha256"], payload["size"], payload["access"]) == (asset["sha256"], asset["size"], "draft")
    assert sorted(payload["renditions"]) == ["preview", "thumbnail"] and payload["owner_unit_code"] == "so-yte"

    original = download(media, OFFICER, asset["id"])
    assert hashlib.sha256(original.content).hexdigest() == asset["sha256"]
    assert "filename*=UTF-8''H%E1%BB%8Dp%20b%C3%A1o.jpg" in original.headers["Content-Disposition"]
    with Image.open(io.BytesIO(original.content)) as stored:
        assert stored.size == (1600, 1200) and not stored.getexif().get_ifd(0x8825) and "xmp" not in stored.info
    assert b"Canon" not in original.content and b"Exif" not in original.content
    with Image.open(io.BytesIO(download(media, OFFICER, asset["id"], "thumbnail").content)) as thumb:
        assert max(thumb.size) == 320


def test_large_video_goes_in_parts(media: Any, tap: EventTap) -> None:
    video = samples.mp4(12 * MiB + 4321)
    grant, asset = upload(media, "phong-su.mp4", "video/mp4", video, sha256=hashlib.sha256(video).hexdigest())
    assert grant["upload"] is None and [p["part_number"] for p in grant["parts"]] == [1, 2, 3]
    assert asset["status"] == "ready", asset.get("rejection")
    assert (asset["size"], asset["sha256"]) == (len(video), hashlib.sha256(video).hexdigest())
    tap.wait_for("asset_ready", lambda e: e["payload"]["asset_id"] == asset["id"])
    assert len(download(media, EDITOR, asset["id"]).content) == len(video)


def test_identical_bytes_are_stored_once_as_separate_assets(local_media: Any, local_config: dict[str, Any]) -> None:
    document = samples.pdf()
    _, first = upload(local_media, "thong-cao.pdf", "application/pdf", document)
    _, second = upload(local_media, "ban-sao.pdf", "application/pdf", document)
    assert first["id"] != second["id"] and first["sha256"] == second["sha256"]
    blobs = [p for p in (Path(local_config["MEDIA_STORAGE_DIR"]) / "objects" / "blobs").rglob("*") if p.is_file()]
    assert len(blobs) == 1
    assert download(local_media, OFFICER, second["id"]).headers["Content-Disposition"].startswith("attachment")


def uploads_left(config: dict[str, Any]) -> list[Path]:
    root = Path(config["MEDIA_STORAGE_DIR"])
    return [p for sub in ("objects/uploads", "multipart", "tmp") for p in (root / sub).rglob("*") if p.is_file()]


def test_bad_requests_are_refused_by_field(local_media: Any) -> None:
    def refused(**changes: Any) -> RemoteError:
        request = {"actor": OFFICER, "filename": "a.jpg", "content_type": "image/jpeg", "size": 1000, **changes}
        return remote_error(local_media.request_upload, request)

    for changes, field in [
        ({"filename": "../../etc/passwd.jpg"}, "filename"),
        ({"filename": "anh\u202egpj.exe"}, "filename"),
        ({"filename": "a.svg", "content_type": "image/svg+xml"}, "content_type"),
        ({"filename": "a.png"}, "filename"),
        ({"size": 60 * MiB}, "size"),
        ({"sha256": "not-a-digest"}, "sha256"),
    ]:
        error = refused(**changes)
        assert error.exc_type == "InvalidInput" and field in error.value, (changes, error.value)
    assert refused(actor=JOURNALIST_ACTOR).exc_type == "Forbidden"
    assert refused(owner_unit_code="so-tttt").exc_type == "Forbidden"  # another unit's officer
    assert refused(actor={**OFFICER, "role": "editor"}, owner_unit_code="so-khong-co").exc_type in (
        "InvalidInput",
        "DirectoryError",
    )
    assert local_media.list_assets({"viewer": EDITOR})["items"] == []


@pytest.mark.parametrize(
    ("filename", "declared", "data", "code"),
    [
        ("anh.jpg", "image/jpeg", samples.png_with_text(), "type_mismatch"),
        ("bao-cao.docx", DOCX, samples.pdf(), "type_mismatch"),
        ("bang.xlsx", XLSX, samples.plain_zip(), "type_not_allowed"),
        ("bang.xlsx", XLSX, samples.docx(), "type_mismatch"),
        ("anh.jpg", "image/jpeg", samples.jpeg_with_gps()[:2000], "corrupt"),
        ("tai-lieu.pdf", "application/pdf", b"MZ\x90\x00 not a pdf at all", "type_not_allowed"),
    ],
)  # fmt: skip
def test_spoofed_and_corrupt_files_are_rejected_and_removed(
    local_media: Any, local_config: dict[str, Any], tap: EventTap, filename: str, declared: str, data: bytes, code: str
) -> None:
    _, asset = upload(local_media, filename, declared, data)
    assert asset["status"] == "rejected" and asset["rejection"]["reason_code"] == code, asset["rejection"]
    event = tap.wait_for("asset_rejected", lambda e: e["payload"]["asset_id"] == asset["id"])
    assert event["payload"]["reason_code"] == code
    assert uploads_left(local_config) == []
    assert not list((Path(local_config["MEDIA_STORAGE_DIR"]) / "objects").rglob("blobs/**/*.*"))
    again = local_media.complete_upload({"actor": OFFICER, "asset_id": asset["id"]})
    assert again["revision"] == asset["revision"]  # completing twice changes nothing
    assert remote_error(local_media.download_url, {"viewer": OFFICER, "asset_id": asset["id"]}).exc_type == "Conflict"


def test_checksum_and_size_mismatches_are_rejected(local_media: Any, local_config: dict[str, Any]) -> None:
    document = samples.pdf()
    _, wrong_digest = upload(local_media, "a.pdf", "application/pdf", document, sha256="0" * 64)
    assert wrong_digest["rejection"]["reason_code"] == "checksum_mismatch"
    grant = local_media.request_upload(
        {"actor": OFFICER, "filename": "b.pdf", "content_type": "application/pdf", "size": len(document) + 10}
    )
    assert put_bytes(grant["upload"], document) == 200  # fewer bytes than declared
    short = local_media.complete_upload({"actor": OFFICER, "asset_id": grant["asset_id"]})
    assert short["rejection"]["reason_code"] == "size_mismatch"
    assert put_bytes(grant["upload"], document + b"x" * 11) == 413  # the URL takes no more than declared
    assert uploads_left(local_config) == []


def test_completing_before_any_upload_is_a_clear_error_and_can_be_retried(local_media: Any) -> None:
    document = samples.pdf()
    grant = local_media.request_upload(
        {"actor": OFFICER, "filename": "c.pdf", "content_type": "application/pdf", "size": len(document)}
    )
    early = remote_error(local_media.complete_upload, {"actor": OFFICER, "asset_id": grant["asset_id"]})
    assert early.exc_type == "Conflict" and "put the bytes" in early.value
    assert local_media.get_asset({"viewer": OFFICER, "asset_id": grant["asset_id"]})["status"] == "awaiting_upload"
    intruder = {"kind": "user", "id": "x", "role": "unit_officer", "unit_code": "so-tttt"}
    assert remote_error(local_media.complete_upload, {"actor": intruder, "asset_id": grant["asset_id"]}).exc_type == (
        "Forbidden"
    )
    assert put_bytes(grant["upload"], document) == 200
    done = local_media.complete_upload({"actor": OFFICER, "asset_id": grant["asset_id"]})
    assert done["status"] == "ready"
    tampered = {**grant["upload"], "url": grant["upload"]["url"].replace(grant["asset_id"], "a-" + "0" * 20)}
    assert put_bytes(tampered, document) == 403


def test_access_states_metadata_and_the_download_audit(local_media: Any) -> None:
    _, asset = upload(local_media, "anh.png", "image/png", samples.png_with_text())
    aid = asset["id"]
    for viewer in (JOURNALIST, PUBLIC, OTHER_OFFICER):
        assert remote_error(local_media.get_asset, {"viewer": viewer, "asset_id": aid}).exc_type == "NotFound"
    changed = local_media.update_metadata(
        {"actor": OFFICER, "asset_id": aid, "expected_revision": asset["revision"],
         "metadata": {"title": "Ảnh AI", "digital_source_type": "trainedAlgorithmicMedia", "credit_line": "Sở Y tế"}}
    )  # fmt: skip
    assert changed["metadata"]["ai_generated"] is True
    stale = remote_error(
        local_media.set_access, {"actor": OFFICER, "asset_id": aid, "expected_revision": asset["revision"],
                                 "access": "public"}
    )  # fmt: skip
    assert stale.exc_type == "Conflict"
    internal = local_media.set_access(
        {"actor": OFFICER, "asset_id": aid, "expected_revision": changed["revision"], "access": "internal"}
    )
    assert local_media.get_asset({"viewer": OTHER_OFFICER, "asset_id": aid})["access"] == "internal"
    assert remote_error(local_media.download_url, {"viewer": JOURNALIST, "asset_id": aid}).exc_type == "NotFound"
    local_media.set_access({"actor": OFFICER, "asset_id": aid, "expected_revision": internal["revision"],
                            "access": "public"})  # fmt: skip
    download(local_media, JOURNALIST, aid, "preview")
    download(local_media, PUBLIC, aid)
    audit = local_media.list_downloads({"viewer": EDITOR, "asset_id": aid})["items"]
    assert [(d["viewer_id"], d["rendition"]) for d in audit] == [("anon", "original"), ("j-1", "preview")]
    assert remote_error(local_media.list_downloads, {"viewer": JOURNALIST, "asset_id": aid}).exc_type == "Forbidden"
    public_ids = [a["id"] for a in local_media.list_assets({"viewer": PUBLIC})["items"]]
    assert public_ids == [aid]
    assert local_media.list_assets({"viewer": PUBLIC, "tag": "nothing"})["items"] == []


def release_snapshot(release_id: str, asset_ids: list[str], embargoed_until: Any = None) -> dict[str, Any]:
    return {
        "release_id": release_id,
        "unit_code": "so-yte",
        "title": "Thông cáo",
        "status": "published",
        "version": 1,
        "media_asset_ids": asset_ids,
        "embargoed_until": embargoed_until.isoformat() if embargoed_until else None,
        "published_at": utcnow().isoformat(),
    }


def wait_until(check: Any, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
        except RemoteError:
            result = None
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.1)


def test_media_of_an_embargoed_release_stay_private_until_the_embargo_lifts(
    local_media: Any, tap: EventTap, local_config: dict[str, Any]
) -> None:
    _, asset = upload(local_media, "truoc-gio.jpg", "image/jpeg", samples.jpeg_with_gps())
    _, plain = upload(local_media, "cong-khai.pdf", "application/pdf", samples.pdf())
    aid = asset["id"]
    until = utcnow() + timedelta(hours=2)
    editor_actor = {"kind": "user", "id": "editor-1", "role": "editor"}
    with EventPublisher(local_config["AMQP_URI"], source="releases") as releases:
        releases.emit(
            "release_published",
            {"release": release_snapshot("r-embargoed", [aid], until), "actor": editor_actor},
        )
        releases.emit(
            "release_published", {"release": release_snapshot("r-open", [plain["id"]]), "actor": editor_actor}
        )
        released = tap.wait_for("asset_released", lambda e: e["payload"]["asset_id"] == plain["id"])
        assert released["payload"]["release_id"] == "r-open"
        held = wait_until(lambda: local_media.get_asset({"viewer": EDITOR, "asset_id": aid})["embargoes"])
        assert held and held[0]["release_id"] == "r-embargoed"
        assert local_media.get_asset({"viewer": EDITOR, "asset_id": aid})["access"] == "draft"
        assert remote_error(local_media.download_url, {"viewer": JOURNALIST, "asset_id": aid}).exc_type == "NotFound"
        assert aid not in [a["id"] for a in local_media.list_assets({"viewer": PUBLIC})["items"]]
        download(local_media, JOURNALIST, plain["id"])

        lift = releases.emit(
            "embargo_lifted",
            {"release_id": "r-embargoed", "version": 1, "embargoed_until": until.isoformat(), "media_asset_ids": [aid]},
        )
        releases.publish(lift)  # delivered twice: handled once
        event = tap.wait_for("asset_released", lambda e: e["payload"]["asset_id"] == aid)
        assert event["payload"] == {"asset_id": aid, "release_id": "r-embargoed", "access": "public"}
    assert wait_until(lambda: local_media.get_asset({"viewer": JOURNALIST, "asset_id": aid})["access"] == "public")
    download(local_media, JOURNALIST, aid)
    assert aid in [a["id"] for a in local_media.list_assets({"viewer": PUBLIC, "release_id": "r-embargoed"})["items"]]
    time.sleep(0.5)
    assert len([e for e in tap.events("asset_released") if e["payload"]["asset_id"] == aid]) == 1


def test_tampered_and_unsigned_object_urls_are_refused(local_media: Any) -> None:
    _, asset = upload(local_media, "anh.gif", "image/gif", samples.gif())
    link = local_media.download_url({"viewer": OFFICER, "asset_id": asset["id"]})
    assert requests.get(link["url"], timeout=10).status_code == 200
    assert requests.get(link["url"].replace("signature=", "signature=0"), timeout=10).status_code == 403
    assert requests.get(link["url"].split("?")[0], timeout=10).status_code == 403
    other = link["url"].replace("/blobs/", "/renditions/")
    assert requests.get(other, timeout=10).status_code == 403
