"""`/v1/feeds/releases.atom` and `/v1/feeds/releases.json`: the public feeds of published releases.

Public: no credentials are read. The releases service renders the feeds (published, not
withdrawn, not under embargo); the gateway adds HTTP caching: `Cache-Control: public`, a strong
ETag over the body, and 304 for a matching `If-None-Match`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query
from fastapi.responses import Response

from presscenter.gateway.dependencies import RpcDep
from presscenter.gateway.problems import problem_responses
from presscenter.gateway.routes.revisions import validated

FEED_MAX_AGE = 60  # seconds a client or shared cache may reuse a feed
CACHE_CONTROL = f"public, max-age={FEED_MAX_AGE}"
ATOM_EXAMPLE = """<?xml version='1.0' encoding='utf-8'?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="vi">
  <id>http://127.0.0.1:8000/v1/feeds/releases.atom</id>
  <title>Trung tâm Báo chí Thủ đô — Thông cáo báo chí</title>
  <updated>2026-03-02T08:00:00Z</updated>
  <link rel="self" href="http://127.0.0.1:8000/v1/feeds/releases.atom"/>
  <entry>
    <id>http://127.0.0.1:8000/v1/releases/r-5f0c2a9e1b7d4c3a</id>
    <title>Hà Nội tăng cường phòng chống sốt xuất huyết</title>
    <updated>2026-03-02T08:00:00Z</updated>
    <published>2026-03-02T08:00:00Z</published>
    <author><name>Sở Y tế</name></author>
    <summary>Sở Y tế Hà Nội khuyến cáo người dân diệt bọ gậy, loăng quăng mỗi tuần.</summary>
  </entry>
</feed>
"""
JSON_FEED_EXAMPLE = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "Trung tâm Báo chí Thủ đô — Thông cáo báo chí",
    "home_page_url": "http://127.0.0.1:8000",
    "feed_url": "http://127.0.0.1:8000/v1/feeds/releases.json",
    "language": "vi",
    "items": [
        {
            "id": "http://127.0.0.1:8000/v1/releases/r-5f0c2a9e1b7d4c3a",
            "url": "http://127.0.0.1:8000/v1/releases/r-5f0c2a9e1b7d4c3a",
            "title": "Hà Nội tăng cường phòng chống sốt xuất huyết",
            "summary": "Sở Y tế Hà Nội khuyến cáo người dân diệt bọ gậy, loăng quăng mỗi tuần.",
            "date_published": "2026-03-02T08:00:00Z",
        }
    ],
}
FEED_HEADERS = {
    "ETag": {"description": "Strong validator of the body.", "schema": {"type": "string"}},
    "Cache-Control": {"schema": {"type": "string", "example": CACHE_CONTROL}},
}
Limit = Annotated[int, Query(ge=1, le=500, description="Most recent entries.")]
IfNoneMatch = Annotated[str | None, Header(alias="If-None-Match", max_length=200, include_in_schema=False)]

router = APIRouter(prefix="/v1/feeds", tags=["feeds"])


async def feed_response(
    rpc: RpcDep, format_: Literal["atom", "json"], limit: int, if_none_match: str | None
) -> Response:
    feed = await rpc.call("releases", "feed", {"format": format_, "limit": limit})
    return validated(str(feed["body"]).encode("utf-8"), str(feed["content_type"]), CACHE_CONTROL, if_none_match)


@router.get(
    "/releases.atom",
    summary="Atom 1.0 feed of published releases",
    response_class=Response,
    responses={
        200: {
            "description": "`application/atom+xml`.",
            "content": {"application/atom+xml": {"schema": {"type": "string"}, "example": ATOM_EXAMPLE}},
            "headers": FEED_HEADERS,
        },
        304: {"description": "`If-None-Match` names the current body."},
        **problem_responses(422, 503, 504),
    },
)
async def atom_feed(rpc: RpcDep, limit: Limit = 50, if_none_match: IfNoneMatch = None) -> Response:
    return await feed_response(rpc, "atom", limit, if_none_match)


@router.get(
    "/releases.json",
    summary="JSON Feed 1.1 of published releases",
    response_class=Response,
    responses={
        200: {
            "description": "`application/feed+json`.",
            "content": {"application/feed+json": {"schema": {"type": "object"}, "example": JSON_FEED_EXAMPLE}},
            "headers": FEED_HEADERS,
        },
        304: {"description": "`If-None-Match` names the current body."},
        **problem_responses(422, 503, 504),
    },
)
async def json_feed(rpc: RpcDep, limit: Limit = 50, if_none_match: IfNoneMatch = None) -> Response:
    return await feed_response(rpc, "json", limit, if_none_match)
