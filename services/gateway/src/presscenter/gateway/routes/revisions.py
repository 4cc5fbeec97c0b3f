"""ETags, and optimistic concurrency over HTTP: a release's ETag is `"<revision>"`; a change names the revision
the client read, as `If-Match` (the ETag) or as `expected_revision` in the body.

No revision -> 428; both, disagreeing -> 400; a stale one reaches the releases service, which
refuses it as a conflict (409 with `current_revision`).
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from fastapi.responses import JSONResponse, Response

from presscenter.gateway.problems import ApiProblem

# `"7"`, and `W/"7"` (a proxy that compresses may weaken the ETag it passed on).
_ETAG = re.compile(r'^(?:W/)?"(\d{1,9})"$')
IF_MATCH_EXAMPLE = '"3"'


def etag(revision: int) -> str:
    return f'"{revision}"'


def etag_matches(if_none_match: str | None, tag: str) -> bool:
    """Whether `If-None-Match` (ETags, weak or strong, comma-separated, or `*`) names `tag` (weak comparison)."""
    if if_none_match is None:
        return False
    candidates = {part.strip().removeprefix("W/") for part in if_none_match.split(",")}
    return "*" in candidates or tag.removeprefix("W/") in candidates


def revisioned(document: dict[str, Any], status: int = 200, **headers: str) -> JSONResponse:
    """A document that has a `revision` (release, question, claim, asset), its ETag beside it."""
    return JSONResponse(document, status_code=status, headers={"ETag": etag(int(document["revision"])), **headers})


def revisioned_read(
    document: dict[str, Any], if_none_match: str | None, *, body: bytes | None = None, **headers: str
) -> Response:
    """A read of such a document: 304 when `If-None-Match` names its revision. `body`: the document
    as JSON already (`RpcClient.call_json`), answered as it is."""
    tag = etag(int(document["revision"]))
    if etag_matches(if_none_match, tag):
        return Response(status_code=304, headers={"ETag": tag, **headers})
    if body is not None:
        return Response(body, headers={"ETag": tag, **headers}, media_type=JSONResponse.media_type)
    return revisioned(document, **headers)


def validated(content: bytes, media_type: str, cache_control: str, if_none_match: str | None) -> Response:
    """A cacheable body with a strong ETag over its bytes (304 when `If-None-Match` names it)."""
    headers = {"ETag": f'"{hashlib.sha256(content).hexdigest()[:32]}"', "Cache-Control": cache_control}
    if etag_matches(if_none_match, headers["ETag"]):
        return Response(status_code=304, headers=headers)
    return Response(content, media_type=media_type, headers=headers)


def public_json(body: Any, max_age: int, if_none_match: str | None) -> Response:
    """A public JSON document, cacheable for `max_age` seconds, validated by its body."""
    content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return validated(content, "application/json", f"public, max-age={max_age}", if_none_match)


def revision_from_if_match(value: str | None) -> int | None:
    """The revision `If-Match` names; None when absent."""
    if value is None:
        return None
    value = value.strip()
    if value == "*":
        raise ApiProblem(
            428,
            "precondition-required",
            'If-Match: * names no revision: send the ETag you read, e.g. If-Match: "3"',
            field="If-Match",
        )
    match = _ETAG.fullmatch(value)
    if match is None:
        raise ApiProblem(
            400,
            "invalid-precondition",
            'If-Match must be one ETag as GET returned it, e.g. "3"',
            field="If-Match",
        )
    return int(match[1])


def named_revision(if_match: str | None, body_revision: int | None) -> int | None:
    """The revision `If-Match` or the body's `expected_revision` names (400 when they disagree); None
    when neither does."""
    header = revision_from_if_match(if_match)
    if header is not None and body_revision is not None and header != body_revision:
        raise ApiProblem(
            400,
            "invalid-precondition",
            f"If-Match names revision {header} but expected_revision is {body_revision}",
            field="expected_revision",
        )
    return header if header is not None else body_revision


def expected_revision(if_match: str | None, body_revision: int | None, read_from: str = "GET /v1/releases/{id}") -> int:
    """The revision a change expects, from `If-Match` or the body's `expected_revision`; 428 naming
    `read_from` (where the ETag comes from) when there is none."""
    revision = named_revision(if_match, body_revision)
    if revision is None:
        raise ApiProblem(
            428,
            "precondition-required",
            'a change must name the revision it was made from: If-Match: "<revision>" (the ETag of '
            f"{read_from}) or expected_revision in the body",
            field="If-Match",
        )
    return revision
