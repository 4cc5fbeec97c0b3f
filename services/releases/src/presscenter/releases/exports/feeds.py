"""The public feeds of releases: Atom 1.0 (RFC 4287) and JSON Feed 1.1.

A feed shows only releases that are published, not withdrawn and not under embargo at `now`,
each once, with its latest version, newest version first (by the time that version was
published), at most `limit` of them. An entry's id is the release's URI, stable across
corrections (RFC 4287: an entry keeps its id when it is updated; `updated` moves instead).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from presscenter.releases.domain.model import PublishedVersion, Release
from presscenter.releases.exports.markdown import markdown_to_html
from presscenter.releases.exports.timestamps import as_utc, rfc3339
from presscenter.releases.exports.uris import release_uri
from presscenter.releases.exports.versions import (
    embargo_of,
    first_published_at,
    published_version,
    published_versions,
)
from presscenter.shared.rpc.errors import InvalidInput

DEFAULT_FEED_LIMIT = 50
MAX_FEED_LIMIT = 500
ATOM_NS = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
FEED_LANGUAGE = "vi"
GENERATOR = "Capital Press Center"

# Characters XML 1.0 forbids (C0 controls other than tab/LF/CR, surrogates, U+FFFE/FFFF).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def feed_releases(releases: Iterable[Release], *, now: datetime, limit: int = DEFAULT_FEED_LIMIT) -> list[Release]:
    """The releases a public feed shows, newest version first, each once (its latest version)."""
    if not 1 <= limit <= MAX_FEED_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_FEED_LIMIT}", field="limit")
    latest: dict[str, Release] = {}
    for release in releases:
        if is_public(release, now) and (release.id not in latest or release.version > latest[release.id].version):
            latest[release.id] = release
    ordered = sorted(latest.values(), key=lambda r: (_updated(r), r.id), reverse=True)
    return ordered[:limit]


def is_public(release: Release, now: datetime) -> bool:
    """Published, not withdrawn, and its embargo (if any) over at `now`."""
    if release.status != "published" or release.withdrawal is not None:
        return False
    versions = published_versions(release)
    if not versions:
        return False
    embargo = embargo_of(release, versions[-1])
    return embargo is None or as_utc(embargo) <= as_utc(now)


def atom_feed(
    releases: Iterable[Release],
    *,
    base_uri: str,
    title: str,
    self_url: str,
    now: datetime,
    updated: datetime | None = None,
    limit: int = DEFAULT_FEED_LIMIT,
    unit_names: Mapping[str, str] | None = None,
) -> bytes:
    """An Atom 1.0 document, UTF-8. `updated` defaults to the newest entry's update (else `now`)."""
    shown = feed_releases(releases, now=now, limit=limit)
    feed = Element("feed", {"xmlns": ATOM_NS, XML_LANG: FEED_LANGUAGE})
    _text(feed, "id", self_url)
    _text(feed, "title", title)
    _text(feed, "updated", rfc3339(updated or (_updated(shown[0]) if shown else now)))
    SubElement(feed, "link", {"rel": "self", "type": "application/atom+xml", "href": _xml(self_url)})
    SubElement(feed, "link", {"rel": "alternate", "href": _xml(base_uri)})
    _text(feed, "generator", GENERATOR)
    for release in shown:
        feed.append(_atom_entry(release, base_uri, unit_names or {}))
    return tostring(feed, encoding="utf-8", xml_declaration=True)


def json_feed(
    releases: Iterable[Release],
    *,
    base_uri: str,
    title: str,
    self_url: str,
    now: datetime,
    limit: int = DEFAULT_FEED_LIMIT,
    unit_names: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """A JSON Feed 1.1 document; `_presscenter` on each item carries version and correction."""
    shown = feed_releases(releases, now=now, limit=limit)
    return {
        "version": JSON_FEED_VERSION,
        "title": title,
        "home_page_url": base_uri,
        "feed_url": self_url,
        "language": FEED_LANGUAGE,
        "items": [_json_item(release, base_uri, unit_names or {}) for release in shown],
    }


def _atom_entry(release: Release, base_uri: str, names: Mapping[str, str]) -> Element:
    latest = published_version(release)
    content = latest.content
    uri = release_uri(base_uri, release.id)
    entry = Element("entry", {XML_LANG: content.language})
    _text(entry, "id", uri)
    _text(entry, "title", content.title, type="text")
    _text(entry, "updated", rfc3339(latest.published_at))
    _text(entry, "published", rfc3339(first_published_at(release)))
    _text(SubElement(entry, "author"), "name", names.get(release.unit_code, release.unit_code))
    SubElement(entry, "link", {"rel": "alternate", "href": _xml(uri)})
    for category in content.categories:
        SubElement(entry, "category", {"term": _xml(category)})
    if content.lead:
        _text(entry, "summary", content.lead, type="text")
    _text(entry, "content", markdown_to_html(content.body), type="html")
    return entry


def _json_item(release: Release, base_uri: str, names: Mapping[str, str]) -> dict[str, Any]:
    latest = published_version(release)
    content = latest.content
    uri = release_uri(base_uri, release.id)
    item: dict[str, Any] = {
        "id": uri,
        "url": uri,
        "title": content.title,
        "content_text": content.body,
        "content_html": markdown_to_html(content.body),
        "date_published": rfc3339(first_published_at(release)),
        "date_modified": rfc3339(latest.published_at),
        "authors": [{"name": names.get(release.unit_code, release.unit_code)}],
        "language": content.language,
        "_presscenter": _extension(release, latest),
    }
    if content.lead:
        item["summary"] = content.lead
    if content.categories:
        item["tags"] = list(content.categories)
    return item


def _extension(release: Release, latest: PublishedVersion) -> dict[str, Any]:
    return {
        "release_id": release.id,
        "unit_code": release.unit_code,
        "version": latest.version,
        "corrected": latest.version > 1,
        "correction_sequence": latest.correction_sequence,
        "correction_note": latest.correction_note,
        "places": list(latest.content.places),
        "media_asset_ids": list(latest.content.media_asset_ids),
    }


def _updated(release: Release) -> datetime:
    return as_utc(published_version(release).published_at)


def _text(parent: Element, tag: str, text: str, **attributes: str) -> Element:
    element = SubElement(parent, tag, attributes)
    element.text = _xml(text)
    return element


def _xml(text: str) -> str:
    """`text` without the characters XML 1.0 cannot carry (a stray control character would break the feed)."""
    return _NOT_XML.sub("", text)
