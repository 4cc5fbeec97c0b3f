"""The media API end to end: a real gateway (uvicorn) in front of the real media service (`nameko run`
subprocess) with its local-directory store, on the real broker and the embedded datastore.

The bytes take the path a client's take under `make run`: media signs URLs under the gateway's
`/v1/media/blobs` (MEDIA_PUBLIC_URL), and the gateway streams them to and from media's own HTTP
server (MEDIA_HTTP_URL). The gateway's body limit is set far below the photo's size here, to show
that blob transfers are capped by the signed URL, not by MAX_BODY_BYTES.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from presscenter.gateway.routes import media_bodies as bodies
from presscenter.gateway.testing.accounts import ADMIN, PRESS_CAST, SignedIn, login
from presscenter.gateway.testing.stack import gateway_and_services, ok, problem
from presscenter.media import testing as samples
from presscenter.shared.rpc.media import Asset, DownloadLink, DownloadPage, UploadGrant

BODY_LIMIT = 4096
CAST = {**PRESS_CAST, "officer_gddt": {"username": "officer.sogddt", "role": "unit_officer", "unit_code": "so-gddt"}}
PHOTO = samples.jpeg_with_gps(320, 240)


@pytest.fixture(scope="module")
def gateway_url(tmp_path_factory: pytest.TempPathFactory, embedded_mongo: Any) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("media")
    with gateway_and_services(
        embedded_mongo.uri,
        workdir,
        {
            "media": {
                "MEDIA_STORAGE": "local",
                "MEDIA_STORAGE_DIR": str(workdir / "store"),
                "MEDIA_PUBLIC_URL": "{gateway_url}/v1/media/blobs",
            }
        },
        vhost_prefix="gateway-media",
        gateway={"rpc_timeout": 10.0, "max_body_bytes": BODY_LIMIT},
    ) as stack:
        yield stack.url


def request_upload(http: httpx.Client, who: SignedIn, data: bytes, **fields: Any) -> httpx.Response:
    body = {"filename": "hop-bao.jpg", "content_type": "image/jpeg", "size": len(data), **fields}
    return http.post("/v1/media/uploads", json=body, headers=who.headers)


def put_bytes(http: httpx.Client, grant: dict[str, Any], data: bytes) -> httpx.Response:
    upload = grant["upload"]
    return http.put(upload["url"], content=data, headers=upload["headers"])


def uploaded(http: httpx.Client, who: SignedIn, data: bytes, **fields: Any) -> tuple[dict[str, Any], httpx.Response]:
    """Request an upload, PUT the bytes through the gateway, complete: (grant, completion response)."""
    grant = ok(request_upload(http, who, data, **fields), 201)
    assert put_bytes(http, grant, data).status_code == 200
    return grant, http.post(f"/v1/media/assets/{grant['asset_id']}/complete", headers=who.headers)


def if_match(who: SignedIn, asset: dict[str, Any]) -> dict[str, str]:
    return {**who.headers, "If-Match": f'"{asset["revision"]}"'}


def test_a_photo_goes_up_through_the_gateway_and_comes_down_to_allowed_callers(
    http: httpx.Client, cast: dict[str, SignedIn], gateway_url: str
) -> None:
    officer, editor, journalist = cast["officer"], cast["editor"], cast["journalist"]
    assert len(PHOTO) > BODY_LIMIT
    digest = hashlib.sha256(PHOTO).hexdigest()
    requested = request_upload(http, officer, PHOTO, sha256=digest, metadata={"title": "Họp báo", "tags": ["y-te"]})
    grant = UploadGrant.model_validate(ok(requested, 201))
    assert requested.headers["location"] == f"/v1/media/assets/{grant.asset_id}"
    assert grant.upload is not None and grant.upload.url.startswith(f"{gateway_url}/v1/media/blobs/media/objects/")
    assert put_bytes(http, grant.model_dump(mode="json"), PHOTO).status_code == 200
    completed = http.post(f"/v1/media/assets/{grant.asset_id}/complete", headers=officer.headers)
    asset = Asset.model_validate(ok(completed))
    assert (asset.status, asset.access, asset.original_sha256) == ("ready", "draft", digest)
    assert completed.headers["etag"] == f'"{asset.revision}"'

    link = DownloadLink.model_validate(
        ok(http.post(f"/v1/media/assets/{asset.id}/download-url", headers=officer.headers))
    )
    body = http.get(link.url)
    assert body.status_code == 200 and body.headers["content-type"] == "image/jpeg"
    assert len(body.content) == asset.size == int(body.headers["content-length"])
    assert hashlib.sha256(body.content).hexdigest() == asset.sha256  # the cleaned photo, as stored
    assert 'filename="hop-bao.jpg"' in body.headers["content-disposition"]

    # a draft is hidden from the press, as if it did not exist
    assert problem(http.post(f"/v1/media/assets/{asset.id}/download-url", headers=journalist.headers), 404)
    assert problem(http.get(f"/v1/media/assets/{asset.id}", headers=journalist.headers), 404)
    assert problem(http.get(f"/v1/media/assets/{asset.id}"), 404)
    published = ok(
        http.put(
            f"/v1/media/assets/{asset.id}/access",
            json={"access": "public"},
            headers=if_match(officer, asset.model_dump()),
        )
    )
    assert published["access"] == "public"
    press_link = ok(
        http.post(
            f"/v1/media/assets/{asset.id}/download-url", json={"rendition": "thumbnail"}, headers=journalist.headers
        )
    )
    assert http.get(press_link["url"]).headers["content-type"] == "image/jpeg"
    listed = ok(http.get("/v1/media/assets?tag=y-te", headers=journalist.headers))["items"]
    assert asset.id in {a["id"] for a in listed}

    audit = DownloadPage.model_validate(ok(http.get(f"/v1/media/assets/{asset.id}/downloads", headers=editor.headers)))
    assert {(r.viewer_id, r.rendition) for r in audit.items} >= {
        (officer.account_id, "original"),
        (journalist.account_id, "thumbnail"),
    }
    assert ok(http.get(f"/v1/media/assets/{asset.id}/downloads", headers=officer.headers))["items"]
    assert problem(http.get(f"/v1/media/assets/{asset.id}/downloads", headers=journalist.headers), 403)
    other_unit = http.get(f"/v1/media/assets/{asset.id}/downloads", headers=cast["officer_gddt"].headers)
    assert problem(other_unit, 403)["type"] == "urn:presscenter:problem:forbidden"


def test_a_spoofed_type_is_rejected_with_its_reason(http: httpx.Client, cast: dict[str, SignedIn]) -> None:
    officer = cast["officer"]
    png = samples.png_with_text()
    grant, completed = uploaded(http, officer, png)  # declared image/jpeg, named .jpg
    rejected = problem(completed, 422)
    assert rejected["type"] == "urn:presscenter:problem:asset-rejected" and rejected["reason_code"] == "type_mismatch"
    assert rejected["asset_id"] == grant["asset_id"] and rejected["detail"].startswith("the uploaded file was refused")
    again = http.post(f"/v1/media/assets/{grant['asset_id']}/complete", headers=officer.headers)
    assert problem(again, 422)["reason_code"] == "type_mismatch"  # the same answer: nothing changes
    assert ok(http.get(f"/v1/media/assets/{grant['asset_id']}", headers=officer.headers))["status"] == "rejected"


def test_metadata_and_access_changes_name_the_revision(http: httpx.Client, cast: dict[str, SignedIn]) -> None:
    officer = cast["officer"]
    _, completed = uploaded(http, officer, PHOTO)
    asset = ok(completed)
    path = f"/v1/media/assets/{asset['id']}"
    new = {"metadata": {"title": "Ảnh mới", "digital_source_type": "digitalCapture"}}
    assert problem(http.put(f"{path}/metadata", json=new, headers=officer.headers), 428)["field"] == "If-Match"
    changed = http.put(f"{path}/metadata", json=new, headers=if_match(officer, asset))
    assert ok(changed)["metadata"]["title"] == "Ảnh mới" and changed.headers["etag"] == f'"{asset["revision"] + 1}"'
    stale = problem(http.put(f"{path}/access", json={"access": "public"}, headers=if_match(officer, asset)), 409)
    assert stale["current_revision"] == asset["revision"] + 1
    read = http.get(path, headers=officer.headers)
    assert http.get(path, headers={**officer.headers, "If-None-Match": read.headers["etag"]}).status_code == 304
    assert (
        problem(http.put(f"{path}/access", json={"access": "secret"}, headers=officer.headers), 422)["field"]
        == "body.access"
    )


def test_who_may_upload(http: httpx.Client, cast: dict[str, SignedIn]) -> None:
    assert problem(request_upload(http, cast["journalist"], PHOTO), 403)["status"] == 403
    anonymous = http.post("/v1/media/uploads", json={"filename": "a.jpg", "content_type": "image/jpeg", "size": 10})
    assert problem(anonymous, 401)["status"] == 401
    for_other_unit = request_upload(http, cast["officer"], PHOTO, owner_unit_code="so-gddt")
    assert problem(for_other_unit, 403)["type"] == "urn:presscenter:problem:forbidden"  # the service's unit rule
    forged = request_upload(http, cast["officer"], PHOTO, actor={"id": "x", "role": "editor"})
    assert problem(forged, 422)["field"] == "body.actor"
    assert problem(request_upload(http, cast["officer"], PHOTO, sha256="abc"), 422)["field"] == "body.sha256"

    admin = {"Authorization": f"Bearer {login(http, *ADMIN)}"}
    scoped = ok(
        http.post(
            "/v1/admin/api-tokens",
            json={"account_id": cast["editor"].account_id, "name": "cms", "scopes": ["releases:write"]},
            headers=admin,
        ),
        201,
    )
    token = SignedIn(cast["editor"].account_id, scoped["token"])
    assert problem(request_upload(http, token, PHOTO), 403)["type"] == "urn:presscenter:problem:missing-scope"
    assert ok(http.get("/v1/media/assets", headers=token.headers))["items"] is not None  # reading needs no scope


def test_blob_urls_are_checked_by_media_and_confined_to_its_objects(
    http: httpx.Client, cast: dict[str, SignedIn]
) -> None:
    grant = ok(request_upload(http, cast["officer"], PHOTO), 201)
    url = grant["upload"]["url"]
    tampered = http.put(url.replace("signature=", "signature=0"), content=PHOTO, headers=grant["upload"]["headers"])
    assert problem(tampered, 403)["type"] == "urn:presscenter:problem:bad-signature"
    too_big = http.put(url, content=PHOTO + b"\0" * 10, headers=grant["upload"]["headers"])
    assert problem(too_big, 413)["type"] == "urn:presscenter:problem:too-large"
    base = url.split("/v1/media/blobs/")[0]
    for outside in ("health/ready", "media/objects/../health/ready", "media/objects/%2e%2e/x"):
        assert problem(http.get(f"{base}/v1/media/blobs/{outside}"), 404)["status"] == 404
    early = http.post(f"/v1/media/assets/{grant['asset_id']}/complete", headers=cast["officer"].headers)
    assert problem(early, 409)["detail"].endswith("put the bytes, then complete the upload")
    assert put_bytes(http, grant, PHOTO).status_code == 200  # the refusals lost nothing: the upload still works


def test_openapi_documents_every_media_route_with_examples(http: httpx.Client) -> None:
    spec = ok(http.get("/openapi.json"))
    operations = {
        (method, path): operation
        for path, item in spec["paths"].items()
        if path.startswith("/v1/media/") and not path.startswith("/v1/media/blobs/")
        for method, operation in item.items()
    }
    assert len(operations) == 8
    for (method, path), operation in operations.items():
        success = next(code for code in operation["responses"] if code.startswith("2"))
        assert any("example" in entry for entry in operation["responses"][success]["content"].values()), (method, path)
        assert operation.get("summary") and operation.get("tags") == ["media"], (method, path)
    schemas = spec["components"]["schemas"]
    for model in (bodies.NewUpload, bodies.MetadataChange, bodies.AccessChange, bodies.DownloadRequest):
        assert all(model.model_validate(example) for example in schemas[model.__name__]["examples"])
    assert {"put", "get"} <= set(spec["paths"]["/v1/media/blobs/{path}"])
    assert "Rejection" in schemas and "AssetRejection" in schemas  # the releases body keeps its schema name
