"""`POST /v1/webhooks/portal`: the National Government Portal pushes a release or a directive.

The request is signed as the releases service signs its own pushes to the portal
(`presscenter.shared.signing`: `X-PressCenter-Timestamp`, `X-PressCenter-Nonce`,
`X-PressCenter-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<nonce>." + body)>`), with any
of PORTAL_WEBHOOK_SECRETS. Order: the body is read up to PORTAL_WEBHOOK_MAX_BYTES (413 beyond),
the signature and timestamp are checked on the raw bytes, the nonce is recorded in the gateway's
datastore (a replay is refused on every replica), and only then is the body parsed and handed to
the releases service (`portal_inbound`), which takes it in once per portal guid. Every refusal
is a 401 problem saying what was wrong; secrets and signatures are never logged.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from presscenter.gateway.auth.dependencies import datastore_guard, installed_service
from presscenter.gateway.dependencies import RpcDep, SettingsDep
from presscenter.gateway.problems import ApiProblem, problem_responses
from presscenter.gateway.routes.releases import rpc_request
from presscenter.gateway.rpc_errors import RpcTimeout, ServiceUnavailable
from presscenter.gateway.settings import GatewaySettings
from presscenter.gateway.webhook_nonces import WebhookNonceStore
from presscenter.shared import signing
from presscenter.shared.rpc.releases import PortalInbound

log = logging.getLogger(__name__)

SENDER = "portal"
CHALLENGE = (
    f'PressCenter-HMAC-SHA256 realm="national-portal", headers="{signing.TIMESTAMP_HEADER} '
    f'{signing.NONCE_HEADER} {signing.SIGNATURE_HEADER}"'
)
# refusal -> problem slug (the type a sender can branch on)
REFUSALS: dict[type[signing.SignatureError], str] = {
    signing.MissingHeader: "signature-header-missing",
    signing.MalformedHeader: "signature-header-malformed",
    signing.BadSignature: "bad-signature",
    signing.TimestampOutOfTolerance: "stale-timestamp",
    signing.ReplayedNonce: "replayed-request",
}


class PortalAccepted(BaseModel):
    release_id: str = Field(examples=["d-3f1c0e9a7d2b4b8e"])
    status: str = Field(examples=["submitted"], description="The release's status: editors review it as any other.")


router = APIRouter(prefix="/v1/webhooks", tags=["national portal"])


def refused(exc: signing.SignatureError) -> ApiProblem:
    slug = REFUSALS.get(type(exc), "bad-signature")
    log.info("portal webhook refused: %s", exc)  # the reason only, never a header value
    return ApiProblem(401, slug, str(exc), title="Signature refused", headers={"WWW-Authenticate": CHALLENGE})


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refused with 413 as soon as it passes `limit` bytes (declared or streamed)."""
    too_large = ApiProblem(413, "content-too-large", f"The portal payload is larger than {limit} bytes.")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def nonce_store(request: Request, settings: GatewaySettings) -> WebhookNonceStore:
    """The app's store over the identity datastore's database (made on first use)."""
    try:
        database = installed_service(request).datastore.db
    except RuntimeError:
        raise ApiProblem(503, "datastore-unavailable", "the gateway's datastore is not configured") from None
    store: WebhookNonceStore | None = getattr(request.app.state, "webhook_nonces", None)
    if store is None or store.db is not database:
        store = WebhookNonceStore(database, retention_s=settings.portal_webhook_tolerance_seconds)
        request.app.state.webhook_nonces = store
    return store


def secrets_of(settings: GatewaySettings) -> list[str]:
    secrets = [secret.get_secret_value() for secret in settings.portal_webhook_secrets]
    if not secrets:
        raise ApiProblem(
            503, "webhook-not-configured", "the portal webhook has no secret configured (PORTAL_WEBHOOK_SECRETS)"
        )
    return secrets


def parse_payload(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise ApiProblem(400, "malformed-json", f"the body is not JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise ApiProblem(422, "request-validation", "the portal payload must be a JSON object", field="body")
    return payload


@router.post(
    "/portal",
    status_code=202,
    response_model=PortalAccepted,
    summary="A signed release or directive from the national portal",
    responses={
        202: {
            "description": "Taken in as a submitted release (the same one again for a guid already received).",
            "headers": {"Location": {"schema": {"type": "string"}}},
        },
        **problem_responses(400, 401, 413, 422, 503, 504),
    },
)
async def portal_webhook(request: Request, rpc: RpcDep, settings: SettingsDep) -> JSONResponse:
    """Headers `X-PressCenter-Timestamp` (unix seconds, within PORTAL_WEBHOOK_TOLERANCE_SECONDS of
    now), `X-PressCenter-Nonce` (32 hex digits, once only) and `X-PressCenter-Signature`
    (`v1=<hex HMAC-SHA256 of "<timestamp>.<nonce>." + body>`). The body: a ninjs-like
    `{"kind": "release", "guid", "headline", "body_text", ...}` or a
    `{"kind": "directive", "guid", "title", "body", "target_unit_codes", ...}`."""
    secrets = secrets_of(settings)
    body = await read_body(request, settings.portal_webhook_max_bytes)
    now = time.time()
    windows: list[float] = []
    try:
        verified = signing.verify(
            body,
            request.headers.items(),
            secrets,
            now=now,
            tolerance_s=settings.portal_webhook_tolerance_seconds,
            seen_nonce=lambda _nonce, valid_until: windows.append(valid_until) is None,
        )
    except signing.SignatureError as exc:
        raise refused(exc) from None
    store = nonce_store(request, settings)
    with datastore_guard():
        if not await store.remember(SENDER, verified.nonce, windows[0], now):
            raise refused(signing.ReplayedNonce("this nonce was already used (replayed request)"))
    if verified.secret_index > 0:
        log.info("portal webhook signed with secret #%d (rotation in progress)", verified.secret_index + 1)

    request_body = rpc_request(PortalInbound, payload=parse_payload(body), received_at=datetime.fromtimestamp(now, UTC))
    try:
        release = await rpc.call("releases", "portal_inbound", request_body)
    except (ServiceUnavailable, RpcTimeout):
        with datastore_guard():  # not taken in (or not known to be): the portal may send the same request again
            await store.forget(SENDER, verified.nonce)
        raise
    accepted = PortalAccepted(release_id=release["id"], status=release["status"])
    return JSONResponse(
        accepted.model_dump(mode="json"), status_code=202, headers={"Location": f"/v1/releases/{release['id']}"}
    )
