"""Polling RSS and Atom feeds: a conditional GET (ETag / Last-Modified), then feedparser.

`fetch` does the HTTP side with a timeout (urllib, green under eventlet); `parse_feed` turns a
feed document into `FeedEntry`s with plain text (HTML removed) and aware publication times.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import feedparser

USER_AGENT = "presscenter-monitoring/0.1 (+feed polling)"
MAX_FEED_BYTES = 5_000_000
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class FeedEntry:
    url: str
    title: str
    text: str
    published_at: datetime
    source: str


@dataclass(frozen=True)
class FetchResult:
    status: int
    content: bytes = b""
    etag: str = ""
    modified: str = ""

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def feed_id(url: str) -> str:
    return "f-" + hashlib.sha256(url.encode()).hexdigest()[:16]


def source_name(url: str) -> str:
    """A feed's source as items name it: its host, without `www.`."""
    host = urlsplit(url).netloc.lower()
    return host.removeprefix("www.") or url


def plain_text(markup: str) -> str:
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", markup))).strip()


def fetch(url: str, etag: str = "", modified: str = "", timeout: float = 10.0) -> FetchResult:
    """GET the feed, sending what the last poll learned; a 304 answer means nothing new."""
    headers = {"User-Agent": USER_AGENT, "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9"}
    if etag:
        headers["If-None-Match"] = etag
    if modified:
        headers["If-Modified-Since"] = modified
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            content = response.read(MAX_FEED_BYTES + 1)
            if len(content) > MAX_FEED_BYTES:
                raise ValueError(f"feed larger than {MAX_FEED_BYTES} bytes")
            return FetchResult(
                response.status, content, response.headers.get("ETag", ""), response.headers.get("Last-Modified", "")
            )
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return FetchResult(304, etag=etag, modified=modified)
        raise


def _entry_time(entry: Any, fallback: datetime) -> datetime:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if parsed:
            return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    return fallback


def _entry_text(entry: Any) -> str:
    contents = entry.get("content") or []
    for content in contents:
        value = content.get("value") if isinstance(content, dict) else None
        if value:
            return plain_text(value)
    return plain_text(entry.get("summary") or entry.get("description") or "")


def parse_feed(content: bytes, url: str, now: datetime) -> list[FeedEntry]:
    """The entries of a feed document that have a link; undated ones are taken as published `now`."""
    parsed = feedparser.parse(content)
    source = source_name(url)
    entries = []
    for entry in parsed.entries:
        link = (entry.get("link") or "").strip()
        if not link.startswith(("http://", "https://")):
            continue
        entries.append(
            FeedEntry(
                url=link,
                title=plain_text(entry.get("title") or ""),
                text=_entry_text(entry),
                published_at=_entry_time(entry, now),
                source=source,
            )
        )
    return entries
