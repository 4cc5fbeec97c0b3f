"""One contract, two adapters: every test runs against the local directory (its signed URLs served
over HTTP) and against a real S3 endpoint (moto's S3 server) through the minio SDK."""

from __future__ import annotations

import hashlib
import os
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests

from presscenter.media.storage import IncompleteUpload, LocalStorage, ObjectNotFound, ObjectStorage
from presscenter.media.storage.keys import blob_key, check_key, store_content_addressed

MiB = 1024 * 1024
TEN_MINUTES = timedelta(minutes=10)


def put(request_url: str, data: bytes, content_type: str) -> requests.Response:
    # Content-Type must be sent: with a form content type S3 servers may store an empty object.
    return requests.put(request_url, data=data, headers={"Content-Type": content_type}, timeout=30)


def upload(storage: ObjectStorage, key: str, data: bytes, content_type: str = "image/jpeg") -> None:
    grant = storage.presign_put(key, content_type=content_type, max_size=len(data) + 10, expires=TEN_MINUTES)
    assert grant.method == "PUT" and grant.headers["Content-Type"] == content_type
    response = put(grant.url, data, grant.headers["Content-Type"])
    assert response.status_code == 200, response.text


def test_presigned_put_then_stat_stream_and_ranged_read(storage: ObjectStorage) -> None:
    data = os.urandom(300_000)
    upload(storage, "uploads/a-0000000000000000000a", data, "image/png")
    info = storage.stat("uploads/a-0000000000000000000a")
    assert (info.size, info.content_type) == (len(data), "image/png")
    assert storage.exists("uploads/a-0000000000000000000a")
    chunks = list(storage.read_chunks("uploads/a-0000000000000000000a", chunk_size=64 * 1024))
    assert b"".join(chunks) == data and max(len(c) for c in chunks) <= 64 * 1024
    assert b"".join(storage.read_chunks("uploads/a-0000000000000000000a", offset=10, length=100)) == data[10:110]
    assert b"".join(storage.read_chunks("uploads/a-0000000000000000000a", offset=len(data) - 5)) == data[-5:]


def test_presigned_get_streams_with_the_filename(storage: ObjectStorage) -> None:
    storage.put_bytes("blobs/x/doc", b"%PDF-1.4 tiny", content_type="application/pdf")
    grant = storage.presign_get(
        "blobs/x/doc", expires=TEN_MINUTES, filename="Thông cáo số 1.pdf", content_type="application/pdf"
    )
    assert grant.method == "GET"
    response = requests.get(grant.url, timeout=10)
    assert response.status_code == 200 and response.content == b"%PDF-1.4 tiny"
    assert response.headers["Content-Type"] == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert 'filename="Thong cao so 1.pdf"' in disposition
    assert "filename*=UTF-8''Th%C3%B4ng%20c%C3%A1o%20s%E1%BB%91%201.pdf" in disposition


def test_missing_objects(storage: ObjectStorage) -> None:
    with pytest.raises(ObjectNotFound):
        storage.stat("uploads/a-00000000000000000404")
    with pytest.raises(ObjectNotFound):
        b"".join(storage.read_chunks("uploads/a-00000000000000000404"))
    assert not storage.exists("uploads/a-00000000000000000404")
    storage.delete("uploads/a-00000000000000000404")  # idempotent


def test_put_copy_delete(storage: ObjectStorage, tmp_path: Path) -> None:
    source = tmp_path / "thumb.jpg"
    source.write_bytes(b"\xff\xd8\xff" + os.urandom(5000))
    info = storage.put_file("renditions/ab/x/thumbnail.jpg", source, content_type="image/jpeg")
    assert (info.size, info.content_type) == (5003, "image/jpeg")
    copied = storage.copy("renditions/ab/x/thumbnail.jpg", "renditions/ab/y/thumbnail.jpg")
    assert (copied.size, copied.content_type) == (5003, "image/jpeg")
    assert b"".join(storage.read_chunks("renditions/ab/y/thumbnail.jpg")) == source.read_bytes()
    storage.delete("renditions/ab/x/thumbnail.jpg")
    assert not storage.exists("renditions/ab/x/thumbnail.jpg")
    assert storage.exists("renditions/ab/y/thumbnail.jpg")
    with pytest.raises(ObjectNotFound):
        storage.copy("renditions/ab/x/thumbnail.jpg", "renditions/ab/z/thumbnail.jpg")


def test_content_addressing_stores_identical_bytes_once(storage: ObjectStorage) -> None:
    data = b"the same photo" * 1000
    digest = hashlib.sha256(data).hexdigest()
    storage.put_bytes("uploads/a-00000000000000000001", data, content_type="image/jpeg")
    storage.put_bytes("uploads/a-00000000000000000002", data, content_type="image/jpeg")
    first, copied = store_content_addressed(storage, "uploads/a-00000000000000000001", digest)
    assert copied and first.key == blob_key(digest) and first.size == len(data)
    second, copied_again = store_content_addressed(storage, "uploads/a-00000000000000000002", digest)
    assert not copied_again and second.key == first.key


def test_multipart_upload_of_12_mb_in_parts_sent_out_of_order(storage: ObjectStorage) -> None:
    data = os.urandom(12 * MiB + 12345)
    grant = storage.start_multipart(
        "uploads/a-0000000000000000000b", content_type="video/mp4", size=len(data), part_size=5 * MiB,
        expires=TEN_MINUTES,
    )  # fmt: skip
    assert [p.number for p in grant.parts] == [1, 2, 3] and grant.part_size == 5 * MiB
    assert [(p.offset, p.size) for p in grant.parts] == [(0, 5 * MiB), (5 * MiB, 5 * MiB), (10 * MiB, 2 * MiB + 12345)]
    for part in reversed(grant.parts):
        body = data[part.offset : part.offset + part.size]
        response = put(part.request.url, body, part.request.headers["Content-Type"])
        assert response.status_code == 200, response.text
    assert not storage.exists("uploads/a-0000000000000000000b")
    info = storage.complete_multipart("uploads/a-0000000000000000000b", grant.upload_id)
    assert (info.size, info.content_type) == (len(data), "video/mp4")
    digest = hashlib.sha256()
    for chunk in storage.read_chunks("uploads/a-0000000000000000000b"):
        digest.update(chunk)
    assert digest.hexdigest() == hashlib.sha256(data).hexdigest()
    with pytest.raises(IncompleteUpload):  # a completed upload cannot be completed again
        storage.complete_multipart("uploads/a-0000000000000000000b", grant.upload_id)


def test_multipart_without_parts_or_with_a_gap_is_incomplete_and_abort_drops_it(storage: ObjectStorage) -> None:
    key = "uploads/a-0000000000000000000c"
    grant = storage.start_multipart(
        key, content_type="video/mp4", size=11 * MiB, part_size=5 * MiB, expires=TEN_MINUTES
    )
    with pytest.raises(IncompleteUpload, match="no part"):
        storage.complete_multipart(key, grant.upload_id)
    first, _, last = grant.parts
    put(first.request.url, b"a" * first.size, "application/octet-stream").raise_for_status()
    put(last.request.url, b"c" * last.size, "application/octet-stream").raise_for_status()
    with pytest.raises(IncompleteUpload, match=r"\[2\]"):
        storage.complete_multipart(key, grant.upload_id)
    storage.abort_multipart(key, grant.upload_id)
    storage.abort_multipart(key, grant.upload_id)  # idempotent
    with pytest.raises(IncompleteUpload):
        storage.complete_multipart(key, grant.upload_id)
    assert not storage.exists(key)


def test_storage_answers_its_health_check(storage: ObjectStorage) -> None:
    storage.check()


def test_keys_refuse_anything_path_like() -> None:
    for bad in ("../etc/passwd", "uploads/../x", "/abs", "a//b", "Uploads/x", "a/.hidden", "", "a/b/"):
        with pytest.raises(ValueError):
            check_key(bad)
    assert check_key("blobs/sha256/ab/abc") == "blobs/sha256/ab/abc"


# --- what only the local adapter can show here -------------------------------------------------
# moto does not verify presigned signatures or expiry, and S3 cannot cap a presigned PUT; real
# S3/MinIO check signatures and expiry themselves (the compose suite in deploy/ runs on MinIO).


def test_local_refuses_expired_urls(local_storage: LocalStorage) -> None:
    key = "uploads/a-0000000000000000000d"
    put_grant = local_storage.presign_put(key, content_type="image/png", max_size=10, expires=timedelta(seconds=1))
    get_grant = local_storage.presign_get(key, expires=timedelta(seconds=1))
    assert put(put_grant.url, b"12345", "image/png").status_code == 200  # within its second
    assert requests.get(get_grant.url, timeout=10).content == b"12345"
    local_storage.clock = lambda: time.time() + 2  # two seconds later
    late_put = put(put_grant.url, b"67890", "image/png")
    assert late_put.status_code == 403 and late_put.json()["error"] == "expired"
    late_get = requests.get(get_grant.url, timeout=10)
    assert late_get.status_code == 403 and late_get.json()["error"] == "expired"
    assert b"".join(local_storage.read_chunks(key)) == b"12345"


def test_local_refuses_tampered_urls(local_storage: LocalStorage) -> None:
    grant = local_storage.presign_put(
        "uploads/a-0000000000000000000e", content_type="image/png", max_size=10, expires=TEN_MINUTES
    )
    bigger = put(grant.url.replace("max=10", "max=1000000"), b"x" * 100, "image/png")
    assert bigger.status_code == 403 and bigger.json()["error"] == "bad_signature"
    parts = urlsplit(grant.url)
    other_key = urlunsplit(parts._replace(path=parts.path.replace("0000e", "0000f")))
    assert put(other_key, b"x", "image/png").status_code == 403
    get_with_put_signature = requests.get(grant.url, timeout=10)
    assert get_with_put_signature.status_code == 403
    unsigned = requests.put(grant.url.split("?")[0], data=b"x", timeout=10)
    assert unsigned.status_code == 403
    assert not local_storage.exists("uploads/a-0000000000000000000e")
    assert not local_storage.exists("uploads/a-0000000000000000000f")


def test_local_refuses_bodies_over_the_signed_cap_and_keeps_nothing(local_storage: LocalStorage) -> None:
    grant = local_storage.presign_put(
        "uploads/a-00000000000000000010", content_type="image/png", max_size=1000, expires=TEN_MINUTES
    )
    response = put(grant.url, b"x" * 1001, "image/png")
    assert response.status_code == 413 and response.json()["error"] == "too_large"
    assert not local_storage.exists("uploads/a-00000000000000000010")
    assert list((local_storage.root / "tmp").iterdir()) == []
    assert put(grant.url, b"x" * 1000, "image/png").status_code == 200


def test_s3_presigned_urls_name_the_public_endpoint_over_https_with_their_expiry(
    s3_endpoint: str, s3_bucket: str
) -> None:
    """Behind an Ingress clients reach the object store at another host, over TLS: the URL (whose
    SigV4 signature covers host, path and expiry) must name that host and scheme. No request is made
    to the public host; real S3/MinIO verify signature and expiry themselves (moto does not)."""
    from urllib.parse import parse_qs

    from presscenter.media.storage import S3Storage

    storage = S3Storage.connect(
        s3_endpoint,
        access_key="media-test",
        secret_key="media-test-secret",
        bucket=s3_bucket,
        public_endpoint="presscenter.example.org",
        public_secure=True,
    )
    grant = storage.presign_put("uploads/a-00000000000000000011", content_type="image/png", max_size=10,
                                expires=timedelta(seconds=90))  # fmt: skip
    parts = urlsplit(grant.url)
    query = parse_qs(parts.query)
    assert (parts.scheme, parts.netloc) == ("https", "presscenter.example.org")
    assert parts.path == f"/{s3_bucket}/uploads/a-00000000000000000011"
    assert query["X-Amz-Expires"] == ["90"] and "host" in query["X-Amz-SignedHeaders"][0].split(";")
    assert len(query["X-Amz-Signature"][0]) == 64
    internal = S3Storage.connect(s3_endpoint, access_key="media-test", secret_key="media-test-secret", bucket=s3_bucket)
    assert urlsplit(internal.presign_get("uploads/x", expires=TEN_MINUTES).url).scheme == "http"


def test_local_keeps_nothing_of_a_body_shorter_than_its_content_length(local_storage: LocalStorage) -> None:
    """A client that declares 1,000 bytes, sends 400 and closes its side: 400 incomplete_body (if it
    can still read), no object, no temporary file left behind."""
    import socket

    key = "uploads/a-00000000000000000012"
    grant = local_storage.presign_put(key, content_type="image/png", max_size=1000, expires=TEN_MINUTES)
    parts = urlsplit(grant.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as conn:
        head = (
            f"PUT {parts.path}?{parts.query} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: image/png\r\n"
            "Content-Length: 1000\r\nConnection: close\r\n\r\n"
        )
        conn.sendall(head.encode() + b"x" * 400)
        conn.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := conn.recv(4096):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 400") and b"incomplete_body" in answer
    assert not local_storage.exists(key)
    assert list((local_storage.root / "tmp").iterdir()) == []
