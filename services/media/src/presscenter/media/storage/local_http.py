"""HTTP side of the local object store: the signed PUT and GET requests clients make.

Works on werkzeug requests and answers werkzeug responses, without nameko: the media service
routes `PUT|GET /media/objects/<key>` here (`presscenter.media.object_endpoint`). Bodies
stream in and out chunk by chunk. Errors answer S3-like codes: 403 for a bad or expired
signature, 413 over the size cap, 411 without Content-Length, 404 for a missing object.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from werkzeug.wrappers import Request, Response

from presscenter.media.storage.contract import IncompleteUpload, ObjectNotFound
from presscenter.media.storage.local import (
    DEFAULT_TYPE,
    DISPOSITION,
    MAX_SIZE,
    PART,
    RESPONSE_TYPE,
    UPLOAD,
    IncompleteBody,
    LocalStorage,
    TooLarge,
)
from presscenter.media.storage.url_signing import ExpiredUrl, UrlRefused


def _error(status: int, code: str, detail: str) -> Response:
    return Response(json.dumps({"error": code, "detail": detail}), status=status, mimetype="application/json")


def _signed_params(storage: LocalStorage, request: Request, key: str) -> dict[str, str] | Response:
    try:
        return storage.signer.verify(request.method, key, request.args.to_dict(), storage.clock())
    except ExpiredUrl as exc:
        return _error(403, "expired", str(exc))
    except UrlRefused as exc:
        return _error(403, "bad_signature", str(exc))


def handle_put(storage: LocalStorage, request: Request, key: str) -> Response:
    """A client's signed PUT of a whole object or of one part of a multipart upload."""
    params = _signed_params(storage, request, key)
    if isinstance(params, Response):
        return params
    if request.content_length is None:
        return _error(411, "length_required", "send a Content-Length")
    length, cap = request.content_length, int(params.get(MAX_SIZE, "0"))
    # The raw WSGI input, not werkzeug's `request.stream`: `receive` reads exactly Content-Length
    # bytes (the limit that stream guards), and its reads cost a fresh buffer and two more copies
    # per chunk: uploads to the service are ~17% faster without them (bench/media_throughput.py).
    body = request.input_stream
    try:
        if UPLOAD in params:
            storage.receive_part(key, params[UPLOAD], int(params[PART]), body, length, cap)
        else:
            storage.receive(key, body, length, request.mimetype or DEFAULT_TYPE, cap)
    except TooLarge as exc:
        return _error(413, "too_large", str(exc))
    except IncompleteBody as exc:
        return _error(400, "incomplete_body", str(exc))
    except IncompleteUpload as exc:
        return _error(404, "no_such_upload", str(exc))
    return Response("", status=200)


def handle_get(storage: LocalStorage, request: Request, key: str) -> Response:
    """A client's signed GET: the object streamed in chunks."""
    params = _signed_params(storage, request, key)
    if isinstance(params, Response):
        return params
    try:
        info = storage.stat(key)
        chunks: Iterator[bytes] = storage.read_chunks(key)
    except ObjectNotFound:
        return _error(404, "not_found", "no such object")
    response = Response(chunks, status=200, mimetype=None, direct_passthrough=True)
    response.headers["Content-Type"] = params.get(RESPONSE_TYPE) or info.content_type
    response.headers["Content-Length"] = str(info.size)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    if DISPOSITION in params:
        response.headers["Content-Disposition"] = params[DISPOSITION]
    return response
