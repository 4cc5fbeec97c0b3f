"""The portal client against a real local HTTP receiver that verifies signatures as the portal would.

`PortalReceiver` (also used by test_portal_deliveries.py) is a stand-in for the portal: an
`http.server` on 127.0.0.1 that checks every POST with `presscenter.shared.signing.verify`,
answers 401 to a bad signature, 409 (echoing the key) to an Idempotency-Key it already stored,
and otherwise plays a script of replies (status, headers, delay) before answering 200.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from email.utils import formatdate
from typing import Any

import pytest

from presscenter.releases.portal.client import IDEMPOTENCY_HEADER, PortalClient, parse_retry_after
from presscenter.releases.testing.portal_receiver import SECRET, PortalReceiver, Reply
from presscenter.shared.signing import SIGNATURE_HEADER, sign
from presscenter.shared.testing.embedded_mongo import free_port

DOCUMENT: dict[str, Any] = {
    "uri": "urn:presscenter:release:r-1",
    "version": "1",
    "pubstatus": "usable",
    "headlines": [{"value": "Hà Nội thông tin về giao thông"}],
}


@pytest.fixture
def receiver() -> Iterator[PortalReceiver]:
    with PortalReceiver() as server:
        yield server


def raw_post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, {}
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


# --- signatures on the receiving side ----------------------------------------------------------


def test_a_signed_push_is_verified_and_stored(receiver: PortalReceiver) -> None:
    result = PortalClient(receiver.url, [SECRET], timeout=5).push(DOCUMENT, idempotency_key="r-1/v1/published")
    assert result.delivered and result.status == 200 and not result.already_delivered
    assert result.duration_s > 0
    [post] = receiver.posts
    assert post.signature_error is None
    assert post.headers["content-type"] == "application/json"
    assert post.headers["idempotency-key"] == "r-1/v1/published"
    assert post.headers[SIGNATURE_HEADER.lower()].startswith("v1=")
    assert receiver.stored == {"r-1/v1/published": DOCUMENT}
    assert "Hà Nội".encode() in post.body  # UTF-8 JSON, not \\u escapes


def test_a_tampered_body_fails_verification_at_the_receiver(receiver: PortalReceiver) -> None:
    body = PortalClient.encode(DOCUMENT)
    headers = {"Content-Type": "application/json", IDEMPOTENCY_HEADER: "k-1", **sign(body, SECRET)}
    tampered = body.replace(b"usable", b"canceled")
    status, answer = raw_post(receiver.url, tampered, headers)
    assert status == 401 and "does not match" in answer["error"]
    assert receiver.posts[0].signature_error is not None
    assert receiver.posts[0].signature_error.startswith("BadSignature")
    assert receiver.stored == {}
    # the untouched body with the same headers is accepted: only the tampering was refused
    assert raw_post(receiver.url, body, headers)[0] == 200
    assert receiver.stored == {"k-1": DOCUMENT}


def test_a_replayed_request_is_refused_at_the_receiver(receiver: PortalReceiver) -> None:
    body = PortalClient.encode(DOCUMENT)
    headers = {IDEMPOTENCY_HEADER: "k-2", **sign(body, SECRET)}
    assert raw_post(receiver.url, body, headers)[0] == 200
    status, answer = raw_post(receiver.url, body, headers)
    assert status == 401 and "already used" in answer["error"]


def test_wrong_secret_is_refused_and_classified_permanent(receiver: PortalReceiver) -> None:
    result = PortalClient(receiver.url, ["not-the-secret"], timeout=5).push(DOCUMENT, idempotency_key="k-3")
    assert result.outcome == "permanent" and result.status == 401
    assert result.error is not None and "does not match" in result.error
    assert receiver.stored == {}


def test_rotation_the_receiver_accepts_old_and_new_secrets() -> None:
    with PortalReceiver(secrets=["new-secret", "old-secret"]) as server:
        assert PortalClient(server.url, ["old-secret"], timeout=5).push(DOCUMENT, idempotency_key="a").delivered
        assert PortalClient(server.url, ["new-secret", "old-secret"], 5).push(DOCUMENT, idempotency_key="b").delivered
        assert sorted(server.stored) == ["a", "b"]


# --- how the client classifies answers ---------------------------------------------------------


def test_409_for_the_same_key_counts_as_delivered(receiver: PortalReceiver) -> None:
    client = PortalClient(receiver.url, [SECRET], timeout=5)
    assert client.push(DOCUMENT, idempotency_key="dup").delivered
    again = client.push(DOCUMENT, idempotency_key="dup")
    assert again.outcome == "delivered" and again.status == 409 and again.already_delivered
    assert receiver.statuses == [200, 409] and len(receiver.stored) == 1


def test_409_without_our_key_is_a_permanent_conflict() -> None:
    with PortalReceiver(script=[Reply(409, body=b'{"error":"version conflict"}')]) as server:
        result = PortalClient(server.url, [SECRET], timeout=5).push(DOCUMENT, idempotency_key="k")
    assert result.outcome == "permanent" and not result.already_delivered
    assert result.error == 'HTTP 409: {"error":"version conflict"}'


def test_409_echoing_the_key_in_its_json_body_counts_as_delivered() -> None:
    with PortalReceiver(script=[Reply(409, body=b'{"idempotency_key":"k"}')]) as server:
        result = PortalClient(server.url, [SECRET], timeout=5).push(DOCUMENT, idempotency_key="k")
    assert result.delivered and result.already_delivered


@pytest.mark.parametrize(
    ("reply", "outcome"),
    [
        (Reply(201), "delivered"),
        (Reply(204), "delivered"),
        (Reply(400), "permanent"),
        (Reply(403), "permanent"),
        (Reply(404), "permanent"),
        (Reply(422), "permanent"),
        (Reply(302, {"Location": "http://127.0.0.1:1/elsewhere"}), "permanent"),
        (Reply(408), "retryable"),
        (Reply(429), "retryable"),
        (Reply(500), "retryable"),
        (Reply(502), "retryable"),
        (Reply(503), "retryable"),
    ],
)
def test_status_classification(reply: Reply, outcome: str) -> None:
    with PortalReceiver(script=[reply]) as server:
        result = PortalClient(server.url, [SECRET], timeout=5).push(DOCUMENT, idempotency_key="k")
        assert (result.outcome, result.status) == (outcome, reply.status)
        assert len(server.posts) == 1  # a redirect is not followed


def test_retry_after_in_seconds_and_as_a_date() -> None:
    now = time.time()
    script = [Reply(429, {"Retry-After": "7"}), Reply(503, {"Retry-After": formatdate(now + 120, usegmt=True)})]
    with PortalReceiver(script=script) as server:
        client = PortalClient(server.url, [SECRET], timeout=5, clock=lambda: now)
        assert client.push(DOCUMENT, idempotency_key="k").retry_after_s == 7
        by_date = client.push(DOCUMENT, idempotency_key="k").retry_after_s
    assert by_date is not None and 119 <= by_date <= 120
    assert parse_retry_after("soon", now) is None and parse_retry_after(None, now) is None
    assert parse_retry_after(formatdate(now - 60, usegmt=True), now) == 0


def test_a_timeout_is_retryable_without_status() -> None:
    with PortalReceiver(script=[Reply(200, delay_s=1.0)]) as server:
        result = PortalClient(server.url, [SECRET], timeout=0.2).push(DOCUMENT, idempotency_key="k")
    assert result.outcome == "retryable" and result.status is None
    assert result.error is not None and "timed out" in result.error.lower()
    assert result.duration_s < 1.0


def test_a_refused_connection_is_retryable() -> None:
    result = PortalClient(f"http://127.0.0.1:{free_port()}/ninjs", [SECRET], timeout=2).push(
        DOCUMENT, idempotency_key="k"
    )
    assert result.outcome == "retryable" and result.status is None
    assert result.error is not None and "refused" in result.error.lower()


def test_client_configuration_is_checked() -> None:
    with pytest.raises(ValueError):
        PortalClient("ftp://portal.example/ninjs", [SECRET])
    with pytest.raises(ValueError):
        PortalClient("https://portal.example/ninjs", SECRET)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        PortalClient("https://portal.example/ninjs", [])
    with pytest.raises(ValueError):
        PortalClient("https://portal.example/ninjs", [SECRET]).push(DOCUMENT, idempotency_key="")
