"""Flow 4 of the product brief, end to end over HTTP: a unit's officer asks for an upload → PUTs a
photo carrying GPS, camera and XMP metadata straight to the presigned URL (MinIO on the compose
stack; media's local store through the gateway's blob pass-through on the local suite) → completes
it → the asset is ready and the stored image, read back, has lost its metadata → attached to a
release published under embargo it stays hidden from a journalist who is not entitled (entitled
ones may fetch it) → once the embargo lifts, that journalist can download it.
"""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta
from typing import Any

import pytest
from e2e_press import Press, eventually, ok, problem, random_letters
from PIL import Image

from presscenter.media import testing as samples
from presscenter.shared.events.envelope import utcnow

pytestmark = pytest.mark.anyio

GPS_IFD = 0x8825
EMBARGO_SECONDS = 15.0
PHOTO = samples.jpeg_with_gps(320, 240)


def metadata_left(image_bytes: bytes) -> dict[str, Any]:
    """What identifying metadata an image still carries."""
    with Image.open(io.BytesIO(image_bytes)) as image:
        exif = image.getexif()
        return {"exif": dict(exif), "gps": dict(exif.get_ifd(GPS_IFD)), "xmp": "xmp" in image.info}


async def test_an_upload_is_cleaned_and_stays_private_under_embargo_until_it_lifts(press: Press) -> None:
    assert metadata_left(PHOTO)["gps"] and metadata_left(PHOTO)["xmp"]  # what the camera wrote
    digest = hashlib.sha256(PHOTO).hexdigest()
    upload = {"filename": "hop-bao.jpg", "content_type": "image/jpeg", "size": len(PHOTO), "sha256": digest,
              "metadata": {"title": f"Họp báo {random_letters(6)}", "creator": "Sở Y tế"}}  # fmt: skip
    grant = await press.post("officer", "/v1/media/uploads", 201, json=upload)
    put = await press.http.put(grant["upload"]["url"], content=PHOTO, headers=grant["upload"]["headers"])
    assert put.status_code == 200, put.text
    asset = await press.post("officer", f"/v1/media/assets/{grant['asset_id']}/complete")
    asset_path = f"/v1/media/assets/{asset['id']}"
    assert (asset["status"], asset["access"], asset["content_type"]) == ("ready", "draft", "image/jpeg")
    assert (asset["width"], asset["height"], asset["original_sha256"]) == (320, 240, digest)

    link = await press.post("officer", f"{asset_path}/download-url")
    stored = await press.http.get(link["url"])
    assert stored.status_code == 200 and hashlib.sha256(stored.content).hexdigest() == asset["sha256"]
    assert metadata_left(stored.content) == {"exif": {}, "gps": {}, "xmp": False}
    with Image.open(io.BytesIO(stored.content)) as image:
        assert image.size == (320, 240)

    content = {"title": f"Hình ảnh buổi họp báo {random_letters(6)}", "body": "Ảnh kèm theo.",
               "media_asset_ids": [asset["id"]]}  # fmt: skip
    release = await press.post("officer", "/v1/releases", 201, json={"unit_code": "so-yte", "content": content})
    until = utcnow() + timedelta(seconds=EMBARGO_SECONDS)
    release = await press.release_step("officer", release, "embargo", until=until.isoformat())
    release = await press.release_step("officer", release, "submit")
    release = await press.release_step("editor", release, "approve")
    release = await press.release_step("editor", release, "publish")
    assert release["status"] == "published"

    async def held() -> dict[str, Any] | None:
        seen = await press.get("editor", asset_path)
        return seen if [hold["release_id"] for hold in seen["embargoes"]] == [release["id"]] else None

    asset = await eventually(held, "the embargo hold on the release's photo")
    access = {"access": "public"}
    asset = ok(await press.http.put(f"{asset_path}/access", json=access, headers=press.if_match("officer", asset)))
    assert asset["access"] == "public"  # the owner's choice; the embargo still holds it back

    assert problem(await press.http.get(asset_path, headers=press.as_("journalist")), 404)
    assert problem(await press.http.post(f"{asset_path}/download-url", headers=press.as_("journalist")), 404)
    assert problem(await press.http.get(f"/v1/releases/{release['id']}", headers=press.as_("journalist")), 404)
    entitled = await press.post("entitled", f"{asset_path}/download-url")
    assert (await press.http.get(entitled["url"])).status_code == 200
    remaining = (until - utcnow()).total_seconds()
    assert remaining > 0, f"the embargo ended {-remaining:.1f} s before the checks under it were done: too slow"

    async def downloadable() -> dict[str, Any] | None:
        response = await press.http.post(f"{asset_path}/download-url", headers=press.as_("journalist"))
        return response.json() if response.status_code == 200 else None

    journalist_link = await eventually(downloadable, "the photo for the press once the embargo lifted", 30 + remaining)
    assert utcnow() >= until, "served before the embargo ended"
    body = await press.http.get(journalist_link["url"])
    assert body.status_code == 200 and hashlib.sha256(body.content).hexdigest() == asset["sha256"]
    assert (await press.get("journalist", f"/v1/releases/{release['id']}"))["status"] == "published"
