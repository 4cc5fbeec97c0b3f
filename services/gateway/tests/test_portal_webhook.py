"""`POST /v1/webhooks/portal`: two real gateway replicas (uvicorn) sharing their datastore (nx-27017),
in front of the real releases service (`nameko run` subprocess) on the real broker. Requests are
signed with `presscenter.shared.signing.sign`, as the releases service signs its own pushes.
"""

from __future__ import annotations

import io
import json
import logging
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from pymongo import MongoClient

from presscenter.gateway.settings import GatewaySettings
from presscenter.gateway.testing.accounts import ADMIN, SignedIn, sign_in
from presscenter.gateway.testing.live_gateway import live_gateway
from presscenter.gateway.testing.nameko_services import releases_service
from presscenter.gateway.testing.stack import (
    GATEWAY_TEST_SETTINGS,
    auth_settings_for_tests,
    service_config,
)
from presscenter.shared import signing
from presscenter.shared.testing.vhosts import amqp_url, fresh_vhost

CURRENT, PREVIOUS = "portal-secret-2026-current-0123456789", "portal-secret-2025-previous-987654321"
RELEASES_CONFIG = service_config("releases")
MAX_BYTES = 16_384
TOLERANCE = 300
PROBLEM = "application/problem+json"
URL = "/v1/webhooks/portal"


@dataclass
class Portal:
    a: httpx.Client  # replica A
    b: httpx.Client  # replica B
    cast: dict[str, SignedIn]
    gateway_db: Any  # pymongo database of the gateways' datastore
    log: io.StringIO  # every record the gateways logged


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory, embedded_mongo: Any) -> Iterator[Portal]:
    workdir = tmp_path_factory.mktemp("portal-webhook")
    suffix = uuid.uuid4().hex[:10]
    log = io.StringIO()
    handler = logging.StreamHandler(log)
    root = logging.getLogger("presscenter")
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        with fresh_vhost("gateway-portal") as vhost, MongoClient(embedded_mongo.uri) as mongo:
            url = amqp_url(vhost)
            settings = GatewaySettings(
                amqp_uri=url,
                **GATEWAY_TEST_SETTINGS,
                portal_webhook_secrets=[CURRENT, PREVIOUS],
                portal_webhook_tolerance_seconds=TOLERANCE,
                portal_webhook_max_bytes=MAX_BYTES,
            )
            auth = auth_settings_for_tests(embedded_mongo.uri, f"gw_{suffix}")
            with (
                releases_service(RELEASES_CONFIG, url, embedded_mongo.uri, f"rel_{suffix}", workdir / "releases.log"),
                live_gateway(settings, auth, access_log=False) as a,
                live_gateway(settings, auth, access_log=False) as b,
                httpx.Client(base_url=a.url, timeout=10) as http_a,
                httpx.Client(base_url=b.url, timeout=10) as http_b,
            ):
                yield Portal(http_a, http_b, sign_in(http_a, ADMIN), mongo[f"gw_{suffix}"], log)
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


def release_payload(**extra: Any) -> dict[str, Any]:
    return {
        "kind": "release",
        "guid": f"portal-{uuid.uuid4().hex[:12]}",
        "headline": "Chỉ đạo của Chính phủ về phòng chống bão số 3",
        "description": "Các địa phương chủ động ứng phó.",
        "body_text": "Yêu cầu các sở, ngành và địa phương **trực ban 24/24**.",
        "language": "vi-VN",
        "subjects": [{"name": "Thiên tai"}, "weather"],
        **extra,
    }


def signed(payload: Any, secret: str = CURRENT, now: float | None = None) -> tuple[bytes, dict[str, str]]:
    body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
    headers = signing.sign(body, secret, now=time.time() if now is None else now)
    return body, {**headers, "Content-Type": "application/json"}


def problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["type"] == f"urn:presscenter:problem:{slug}", body
    return body  # type: ignore[no-any-return]


def test_a_signed_release_is_taken_in_once_and_a_replay_is_refused_on_every_replica(portal: Portal) -> None:
    payload = release_payload()
    body, headers = signed(payload)
    accepted = portal.a.post(URL, content=body, headers=headers)
    assert accepted.status_code == 202, accepted.text
    release_id = accepted.json()["release_id"]
    assert accepted.json()["status"] == "submitted" and accepted.headers["location"] == f"/v1/releases/{release_id}"

    release = portal.a.get(accepted.headers["location"], headers=portal.cast["editor"].headers).json()
    assert release["intake"] == {
        "source": "portal",
        "external_id": payload["guid"],
        "event_id": release["intake"]["event_id"],
    }
    assert release["content"]["title"] == payload["headline"] and release["content"]["categories"] == [
        "Thiên tai",
        "weather",
    ]

    for replica in (portal.a, portal.b):  # the same request again, to either replica
        detail = problem(replica.post(URL, content=body, headers=headers), 401, "replayed-request")["detail"]
        assert "already used" in detail
    again = portal.b.post(URL, content=signed(payload)[0], headers=signed(payload)[1])  # re-signed: a new nonce
    assert again.status_code == 202 and again.json()["release_id"] == release_id  # same guid, same release

    # the nonce is kept (TTL index) past the end of the tolerance window
    document = portal.gateway_db["webhook_nonces"].find_one({"_id": f"portal:{headers[signing.NONCE_HEADER]}"})
    assert document is not None
    kept_until = document["expire_at"].timestamp()
    assert kept_until >= int(headers[signing.TIMESTAMP_HEADER]) + TOLERANCE
    indexes = portal.gateway_db["webhook_nonces"].list_indexes()
    ttl = [i for i in indexes if list(i["key"]) == ["expire_at"]]
    assert ttl and ttl[0]["expireAfterSeconds"] == 0


def test_each_refusal_says_what_was_wrong(portal: Portal) -> None:
    body, headers = signed(release_payload())
    for name in (signing.TIMESTAMP_HEADER, signing.NONCE_HEADER, signing.SIGNATURE_HEADER):
        partial = {k: v for k, v in headers.items() if k != name}
        refused = problem(portal.a.post(URL, content=body, headers=partial), 401, "signature-header-missing")
        assert refused["detail"] == f"missing header {name}"
        assert refused["title"] == "Signature refused"
    malformed = {**headers, signing.SIGNATURE_HEADER: "sha1=abc"}
    problem(portal.a.post(URL, content=body, headers=malformed), 401, "signature-header-malformed")

    wrong_secret = signed(release_payload(), secret="not-the-portal-secret-000000000000")
    refused = problem(portal.a.post(URL, content=wrong_secret[0], headers=wrong_secret[1]), 401, "bad-signature")
    assert "www-authenticate" in {k.lower() for k in portal.a.post(URL, content=body).headers}
    tampered = body.replace(b"24/24", b"12/24")
    problem(portal.a.post(URL, content=tampered, headers=headers), 401, "bad-signature")
    assert refused["detail"] == "signature does not match the body with any active secret"

    stale = signed(release_payload(), now=time.time() - TOLERANCE - 30)
    detail = problem(portal.a.post(URL, content=stale[0], headers=stale[1]), 401, "stale-timestamp")["detail"]
    assert "too old" in detail
    future = signed(release_payload(), now=time.time() + TOLERANCE + 30)
    assert (
        "in the future"
        in problem(portal.a.post(URL, content=future[0], headers=future[1]), 401, "stale-timestamp")["detail"]
    )


def test_the_body_is_parsed_only_after_the_signature_passes_and_is_size_limited(portal: Portal) -> None:
    not_json = b"{not json"
    problem(portal.a.post(URL, content=not_json, headers=signed(b"{}")[1]), 401, "bad-signature")
    body, headers = signed(not_json)
    assert "not JSON" in problem(portal.a.post(URL, content=body, headers=headers), 400, "malformed-json")["detail"]

    body, headers = signed(release_payload(headline=""))  # signed, but not a release the service accepts
    invalid = problem(portal.a.post(URL, content=body, headers=headers), 422, "invalid-input")
    assert invalid["field"] == "headline"

    huge = signed(release_payload(body_text="x" * MAX_BYTES))
    too_large = problem(portal.a.post(URL, content=huge[0], headers=huge[1]), 413, "content-too-large")
    assert str(MAX_BYTES) in too_large["detail"]

    def chunks() -> Iterator[bytes]:  # streamed without a Content-Length: counted as it arrives
        yield huge[0][: MAX_BYTES // 2]
        yield huge[0][MAX_BYTES // 2 :]

    problem(portal.a.post(URL, content=chunks(), headers=huge[1]), 413, "content-too-large")


def test_a_previous_secret_is_accepted_during_rotation_and_secrets_are_never_logged(portal: Portal) -> None:
    body, headers = signed(release_payload(), secret=PREVIOUS)
    assert portal.b.post(URL, content=body, headers=headers).status_code == 202
    logged = portal.log.getvalue()
    assert "rotation in progress" in logged
    for secret in (CURRENT, PREVIOUS):
        assert secret not in logged
    assert headers[signing.SIGNATURE_HEADER].split("=", 1)[1] not in logged


@pytest.mark.anyio
async def test_without_a_configured_secret_the_webhook_is_unavailable(start_gateway: Any) -> None:
    _, http = await start_gateway()
    body, headers = signed(release_payload())
    response = await http.post(URL, content=body, headers=headers)
    assert problem(response, 503, "webhook-not-configured")["detail"].endswith("(PORTAL_WEBHOOK_SECRETS)")


def test_a_request_the_releases_service_could_not_take_may_be_sent_again(embedded_mongo: Any) -> None:
    """No releases service on this broker: 503, and the nonce is forgotten so the same request can be resent."""
    with fresh_vhost("gateway-portal-down") as vhost:
        settings = GatewaySettings(
            amqp_uri=amqp_url(vhost), rpc_timeout=2.0, rpc_connect_timeout=2.0, rate_limit_ip_per_second=0,
            rate_limit_token_per_second=0, portal_webhook_secrets=[CURRENT],
        )  # fmt: skip
        auth = auth_settings_for_tests(embedded_mongo.uri)
        with live_gateway(settings, auth, access_log=False) as gateway, httpx.Client(base_url=gateway.url) as http:
            body, headers = signed(release_payload())
            for _ in range(2):
                response = http.post(URL, content=body, headers=headers)
                assert problem(response, 503, "service-unavailable")["detail"].startswith("The releases service")
