"""Upload abuse through the gateway, on the running platform (the embedded store: media's signed URLs
go through the gateway's `/v1/media/blobs/` pass-through, as under `make run`).

Each abuse is refused with a clear 4xx, and nothing half-stored is left behind: a refused upload
never becomes a ready asset, and a spoofed or bomb file is rejected with its reason and its bytes
removed (a download link is refused afterwards).
"""

from __future__ import annotations

import struct
import zlib
from typing import Any

import httpx

from presscenter.media import testing as samples

from .conftest import Cast

UPLOADS = "/v1/media/uploads"


def png_bomb(width: int = 30_000, height: int = 30_000) -> bytes:
    """A valid PNG whose header claims 900 megapixels (one-bit grey) in a few hundred bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(64)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def grant(http: httpx.Client, cast: Cast, data: bytes, **fields: Any) -> httpx.Response:
    body = {"filename": "anh-hop-bao.jpg", "content_type": "image/jpeg", "size": len(data), **fields}
    return http.post(UPLOADS, json=body, headers=cast.headers("officer"))


def put(http: httpx.Client, upload: dict[str, Any], data: bytes, url: str | None = None) -> httpx.Response:
    return http.put(url or upload["url"], content=data, headers=upload["headers"])


def complete(http: httpx.Client, cast: Cast, asset_id: str) -> httpx.Response:
    return http.post(f"/v1/media/assets/{asset_id}/complete", headers=cast.headers("officer"))


def assert_problem(response: httpx.Response, *statuses: int) -> dict[str, Any]:
    assert response.status_code in statuses, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body = response.json()
    assert body["detail"], body
    return body  # type: ignore[no-any-return]


def test_abusive_uploads_are_refused_and_leave_nothing_usable(http: httpx.Client, cast: Cast, figures: Any) -> None:
    photo = samples.jpeg_with_gps(64, 48)
    refused = 0

    # Declared before any byte moves: too large, a path or control characters in the name, a bad hash.
    for fields in (
        {"size": 50 * 1024**4},
        {"filename": "../../etc/passwd.jpg"},
        {"filename": "bao\x00cao.jpg"},
        {"filename": "a/b.jpg"},
        {"sha256": "not-a-digest"},
        {"content_type": "application/x-msdownload", "filename": "setup.exe"},
    ):
        assert_problem(grant(http, cast, photo, **fields), 400, 413, 415, 422)
        refused += 1

    # Completing an upload whose bytes never came.
    never = grant(http, cast, photo)
    assert never.status_code == 201, never.text
    assert_problem(complete(http, cast, never.json()["asset_id"]), 409, 422)
    refused += 1

    # The signed URL is the only way in: a bent signature, no signature, a body over the signed size.
    ticket = grant(http, cast, photo).json()
    upload = ticket["upload"]
    assert_problem(put(http, upload, photo, url=upload["url"].replace("signature=", "signature=0")), 403)
    assert_problem(put(http, upload, photo, url=upload["url"].split("?")[0]), 403)
    assert_problem(put(http, upload, photo + b"\x00" * 64), 413)
    refused += 3
    assert_problem(complete(http, cast, ticket["asset_id"]), 409, 422)  # nothing was kept of those PUTs
    assert put(http, upload, photo).status_code == 200  # the genuine upload still works
    assert complete(http, cast, ticket["asset_id"]).json()["status"] == "ready"

    # A type that is not what its bytes say, and a decompression bomb: rejected with the reason.
    for data, declared, reason in (
        (samples.png_with_text(), "image/jpeg", "type_mismatch"),
        (png_bomb(), "image/png", "too_large"),  # too many pixels: refused before decoding
    ):
        spoof = grant(
            http, cast, data, content_type=declared, filename="anh.png" if declared == "image/png" else "anh.jpg"
        )
        assert spoof.status_code == 201, spoof.text
        assert put(http, spoof.json()["upload"], data).status_code == 200
        body = assert_problem(complete(http, cast, spoof.json()["asset_id"]), 422)
        assert reason in str(body), body
        link = http.post(f"/v1/media/assets/{spoof.json()['asset_id']}/download-url", headers=cast.headers("officer"))
        assert link.status_code in (404, 409, 422), link.text
        refused += 1

    figures.bad_inputs(refused, refused)
