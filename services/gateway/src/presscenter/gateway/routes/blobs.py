"""`/v1/media/blobs/...`: the gateway's pass-through to the media service's local object store.

With the local-directory store (the embedded default), media signs upload and download URLs
that its own HTTP server serves at `/media/objects/<key>`. Clients reach only the gateway, so
media's `MEDIA_PUBLIC_URL` is set to `<gateway>/v1/media/blobs` and this route streams each PUT
body to, and each GET body from, `MEDIA_HTTP_URL` chunk by chunk, never holding a whole file.
The signed query goes through untouched: media verifies it (the signature is the credential,
as with a presigned S3 URL, so no bearer token is needed). With S3/MinIO the URLs point at the
object store and this route is not used. The request body limit (MAX_BODY_BYTES) does not apply
here: the signed URL carries its own size cap, which media enforces.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import quote

import httpx
from fastapi import APIRouter, FastAPI, Request
from starlette.background import BackgroundTask
from starlette.requests import ClientDisconnect
from starlette.responses import Response, StreamingResponse

from presscenter.gateway.problems import ApiProblem, problem_responses
from presscenter.gateway.settings import GatewaySettings

BLOB_ROUTE = "/v1/media/blobs"
# Only the object routes of media's HTTP server, and only well-formed keys (no `..`, no empty segment).
_OBJECT_PATH = re.compile(r"^media/objects/[a-z0-9][a-z0-9_.-]*(?:/[a-z0-9][a-z0-9_.-]*){0,15}$")
_RESPONSE_HEADERS = (
    "content-type",
    "content-length",
    "content-disposition",
    "cache-control",
    "x-content-type-options",
    "etag",
    "last-modified",
)
_MAX_ERROR_BODY = 4096
_RETRY_AFTER = "5"


@asynccontextmanager
async def blob_client(app: FastAPI) -> AsyncIterator[None]:
    """One HTTP client to media's server for the app's lifetime (its connections are reused)."""
    settings: GatewaySettings = app.state.settings
    timeout = httpx.Timeout(settings.media_http_timeout, connect=min(5.0, settings.media_http_timeout))
    async with httpx.AsyncClient(base_url=settings.media_http_url.rstrip("/"), timeout=timeout) as client:
        app.state.media_blobs = client
        yield


router = APIRouter(prefix=BLOB_ROUTE, tags=["media"], lifespan=blob_client)


def upstream_path(path: str) -> str:
    if not _OBJECT_PATH.fullmatch(path):
        raise ApiProblem(404, "not-found", "no such blob: use the URL the media API handed out, unchanged")
    return "/" + quote(path, safe="/")


def upstream_url(request: Request, path: str) -> httpx.URL:
    query = request.scope.get("query_string", b"").decode("latin-1")
    return httpx.URL(upstream_path(path) + (f"?{query}" if query else ""))


def client_of(request: Request) -> httpx.AsyncClient:
    client: httpx.AsyncClient = request.app.state.media_blobs
    return client


async def refused(upstream: httpx.Response) -> ApiProblem:
    """Media's own refusal (`{"error", "detail"}`: bad or expired signature, too large, ...) as a problem."""
    body = b""
    async for chunk in upstream.aiter_raw():
        body += chunk
        if len(body) > _MAX_ERROR_BODY:
            break
    await upstream.aclose()
    try:
        answer = json.loads(body)
        code, detail = str(answer["error"]), str(answer["detail"])
    except (ValueError, KeyError, TypeError):
        code, detail = "blob-refused", f"the object store answered {upstream.status_code}"
    if upstream.status_code >= 500:
        return ApiProblem(502, "upstream-error", "the media object store failed to handle the request")
    return ApiProblem(upstream.status_code, code.replace("_", "-"), detail)


async def exchange(request: Request, upstream: httpx.Request) -> httpx.Response:
    """Send to media, streaming; 503 when it cannot be reached, 504 when it stops answering."""
    try:
        return await client_of(request).send(upstream, stream=True)
    except (httpx.ConnectError, httpx.RemoteProtocolError):
        raise ApiProblem(
            503, "service-unavailable", "the media object store is unreachable", headers={"Retry-After": _RETRY_AFTER}
        ) from None
    except httpx.TimeoutException:
        raise ApiProblem(504, "upstream-timeout", "the media object store did not answer in time") from None


BLOB_ERRORS = problem_responses(400, 403, 404, 411, 413, 502, 503, 504)


@router.put(
    "/{path:path}",
    summary="Put the bytes of an upload (the presigned URL of `POST /v1/media/uploads`)",
    responses={200: {"description": "Stored."}, **BLOB_ERRORS},
)
async def put_blob(path: str, request: Request) -> Response:
    """Send the headers the upload grant lists and exactly `size` bytes with a Content-Length."""
    target = upstream_url(request, path)
    length = request.headers.get("content-length")
    if length is None or not length.isdigit():
        raise ApiProblem(411, "length-required", "send a Content-Length: the URL accepts exactly the declared bytes")
    headers = {
        "Content-Length": length,
        "Content-Type": request.headers.get("content-type", "application/octet-stream"),
    }
    outgoing = client_of(request).build_request("PUT", target, headers=headers, content=request.stream())
    try:
        upstream = await exchange(request, outgoing)
    except ClientDisconnect:
        return Response(status_code=400)  # nobody is left to read the answer
    if upstream.status_code >= 300:
        raise await refused(upstream)
    await upstream.aclose()
    return Response(status_code=upstream.status_code)


@router.get(
    "/{path:path}",
    summary="Get the bytes of an asset (the URL of `POST /v1/media/assets/{id}/download-url`)",
    responses={200: {"description": "The bytes.", "content": {"application/octet-stream": {}}}, **BLOB_ERRORS},
)
async def get_blob(path: str, request: Request) -> Response:
    upstream = await exchange(request, client_of(request).build_request("GET", upstream_url(request, path)))
    if upstream.status_code >= 300:
        raise await refused(upstream)
    headers = {name: upstream.headers[name] for name in _RESPONSE_HEADERS if name in upstream.headers}
    return StreamingResponse(
        upstream.aiter_raw(),
        status_code=upstream.status_code,
        headers=headers,
        background=BackgroundTask(upstream.aclose),
    )
