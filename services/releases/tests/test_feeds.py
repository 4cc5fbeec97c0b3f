"""Public feeds: Atom read back by feedparser, JSON Feed checked against its 1.1 structure."""

from __future__ import annotations

import calendar
import json
from datetime import datetime, timedelta
from typing import Any
from xml.etree import ElementTree

import feedparser
import pytest
from jsonschema import Draft202012Validator

from presscenter.releases import testing as f
from presscenter.releases.exports import atom_feed, feed_releases, json_feed
from presscenter.shared.rpc.errors import InvalidInput

BASE = f.BASE_URI
NOW = f.NOW
SELF_ATOM = f"{BASE}/feeds/releases.atom"
SELF_JSON = f"{BASE}/feeds/releases.json"
CORRECTED_TITLE = "Điều chỉnh giờ đóng cửa chợ Đồng Xuân dịp Tết"


def _releases() -> list[Any]:
    """Four public releases and five that must stay out of every feed."""
    hour = timedelta(hours=1)
    return [
        f.published("r-old", at=NOW - 5 * hour, text=f.content(title="Lịch tiếp công dân tháng 3")),
        f.published("r-plain", at=NOW - 3 * hour, text=f.content(title="Thông báo cắt điện khu vực Ba Đình")),
        f.published(
            "r-corrected",
            at=NOW - 4 * hour,
            text=f.content(title="Điều chỉnh giờ đóng cửa chợ Đồng Xuân"),
            corrections=[
                f.Correction(hour, f.content(title="Điều chỉnh giờ đóng cửa chợ Đồng Xuân (sửa)"), "Sửa giờ."),
                f.Correction(3 * hour + timedelta(minutes=50), f.content(title=CORRECTED_TITLE), "Thêm ngày."),
            ],
        ),
        f.published("r-embargo-over", at=NOW - 2 * hour, embargoed_until=NOW - hour),
        f.published("r-embargoed", at=NOW - hour, embargoed_until=NOW + hour),
        f.published(
            "r-withdrawn", at=NOW - 30 * timedelta(minutes=1), withdrawal=f.withdrawal(NOW - timedelta(minutes=5))
        ),
        f.unpublished("r-draft", "draft"),
        f.unpublished("r-submitted", "submitted"),
        f.unpublished("r-scheduled", "scheduled"),
    ]


EXPECTED_ORDER = ["r-corrected", "r-embargo-over", "r-plain", "r-old"]


def parse(document: bytes) -> Any:
    parsed = feedparser.parse(document)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def utc_seconds(moment: datetime) -> int:
    return calendar.timegm(moment.utctimetuple())


def test_feed_selection_excludes_embargoed_withdrawn_and_unpublished_newest_first() -> None:
    shown = feed_releases(_releases(), now=NOW)
    assert [r.id for r in shown] == EXPECTED_ORDER
    later = feed_releases(_releases(), now=NOW + timedelta(hours=1))
    assert [r.id for r in later][:2] == ["r-corrected", "r-embargoed"], "shown once its embargo is over"


def test_atom_feed_read_by_feedparser() -> None:
    document = atom_feed(
        _releases(),
        base_uri=BASE,
        title="Thông cáo báo chí — Hà Nội",
        self_url=SELF_ATOM,
        now=NOW,
        unit_names=f.UNIT_NAMES,
    )
    assert document.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    assert CORRECTED_TITLE.encode("utf-8") in document, "Vietnamese stays as UTF-8 text, not character references"
    parsed = parse(document)
    feed = parsed.feed
    assert feed.title == "Thông cáo báo chí — Hà Nội"
    assert feed.id == SELF_ATOM
    assert {"rel": "self", "type": "application/atom+xml", "href": SELF_ATOM} in feed.links
    newest = NOW - timedelta(minutes=10)
    assert calendar.timegm(feed.updated_parsed) == utc_seconds(newest)

    entries = parsed.entries
    assert [e.id for e in entries] == [f"{BASE}/releases/{rid}" for rid in EXPECTED_ORDER]
    corrected = entries[0]
    assert corrected.title == CORRECTED_TITLE
    assert corrected.title_detail.language == "vi"
    assert corrected.link == f"{BASE}/releases/r-corrected"
    assert calendar.timegm(corrected.updated_parsed) == utc_seconds(newest)
    assert calendar.timegm(corrected.published_parsed) == utc_seconds(NOW - timedelta(hours=4))
    assert corrected.updated == "2026-03-02T07:50:00Z"
    assert corrected.author == "Sở Giao thông vận tải Hà Nội"
    assert [t.term for t in corrected.tags] == ["giao-thong", "le-hoi"]
    assert corrected.summary == f.LEAD
    (body,) = corrected.content
    assert body.type == "text/html"
    assert "<strong>06:00 ngày 5/3</strong>" in body.value
    assert [e.title for e in entries[1:]] == [
        f.TITLE,
        "Thông báo cắt điện khu vực Ba Đình",
        "Lịch tiếp công dân tháng 3",
    ]


def test_atom_structure_is_rfc4287() -> None:
    document = atom_feed(_releases(), base_uri=BASE, title="Thông cáo", self_url=SELF_ATOM, now=NOW)
    root = ElementTree.fromstring(document)
    atom = "{http://www.w3.org/2005/Atom}"
    assert root.tag == f"{atom}feed"
    for required in ("id", "title", "updated"):
        assert root.find(f"{atom}{required}") is not None
    for entry in root.findall(f"{atom}entry"):
        for required in ("id", "title", "updated", "published", "author", "link", "content"):
            assert entry.find(f"{atom}{required}") is not None, required
        assert entry.find(f"{atom}author/{atom}name").text == "so-gtvt"
        assert entry.find(f"{atom}content").get("type") == "html"


def test_atom_feed_updated_and_limit() -> None:
    chosen = NOW + timedelta(minutes=1)
    parsed = parse(
        atom_feed(_releases(), base_uri=BASE, title="T", self_url=SELF_ATOM, now=NOW, updated=chosen, limit=2)
    )
    assert calendar.timegm(parsed.feed.updated_parsed) == utc_seconds(chosen)
    assert [e.id.rsplit("/", 1)[1] for e in parsed.entries] == EXPECTED_ORDER[:2]


def test_empty_atom_feed_is_valid_and_dated_now() -> None:
    parsed = parse(atom_feed([f.unpublished()], base_uri=BASE, title="T", self_url=SELF_ATOM, now=NOW))
    assert parsed.entries == []
    assert calendar.timegm(parsed.feed.updated_parsed) == utc_seconds(NOW)


def test_control_characters_and_markup_cannot_break_the_xml() -> None:
    text = f.content(title="Tin\x0b khẩn </title><x>", lead="Tóm tắt\x00 & <b>", body="Nội dung\x1f <script>x</script>")
    document = atom_feed([f.published(text=text)], base_uri=BASE, title="T\x01", self_url=SELF_ATOM, now=NOW)
    ElementTree.fromstring(document)
    (entry,) = parse(document).entries
    assert entry.title == "Tin khẩn </title><x>"
    assert entry.summary == "Tóm tắt & <b>"
    assert "<script" not in entry.content[0].value


@pytest.mark.parametrize("limit", [0, -1, 501])
def test_limit_out_of_range_is_refused(limit: int) -> None:
    with pytest.raises(InvalidInput) as refused:
        atom_feed([], base_uri=BASE, title="T", self_url=SELF_ATOM, now=NOW, limit=limit)
    assert refused.value.field == "limit"
    with pytest.raises(InvalidInput):
        json_feed([], base_uri=BASE, title="T", self_url=SELF_JSON, now=NOW, limit=limit)


def test_a_release_listed_twice_appears_once_with_its_latest_version() -> None:
    corrected = next(r for r in _releases() if r.id == "r-corrected")
    first_only = corrected.model_copy(update={"versions": corrected.versions[:1], "version": 1})
    parsed = parse(atom_feed([first_only, corrected], base_uri=BASE, title="T", self_url=SELF_ATOM, now=NOW))
    assert [e.title for e in parsed.entries] == [CORRECTED_TITLE]


# JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/): the structure a reader relies on.
JSON_FEED_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["version", "title", "items"],
    "properties": {
        "version": {"const": "https://jsonfeed.org/version/1.1"},
        "title": {"type": "string", "minLength": 1},
        "home_page_url": {"type": "string", "format": "uri"},
        "feed_url": {"type": "string", "format": "uri"},
        "language": {"type": "string"},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id"],
                "anyOf": [{"required": ["content_text"]}, {"required": ["content_html"]}],
                "properties": {
                    "id": {"type": "string", "minLength": 1},
                    "url": {"type": "string", "format": "uri"},
                    "title": {"type": "string"},
                    "content_text": {"type": "string"},
                    "content_html": {"type": "string"},
                    "summary": {"type": "string"},
                    "date_published": {"type": "string", "format": "date-time"},
                    "date_modified": {"type": "string", "format": "date-time"},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "language": {"type": "string"},
                    "authors": {
                        "type": "array",
                        "items": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}},
                    },
                },
                "patternProperties": {"^_": {"type": "object"}},
                "additionalProperties": False,
            },
        },
    },
    "patternProperties": {"^_": {"type": "object"}},
    "additionalProperties": False,
}
JSON_FEED_VALIDATOR = Draft202012Validator(JSON_FEED_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)


def test_json_feed_structure_and_content() -> None:
    feed = json_feed(
        _releases(), base_uri=BASE, title="Thông cáo báo chí", self_url=SELF_JSON, now=NOW, unit_names=f.UNIT_NAMES
    )
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in JSON_FEED_VALIDATOR.iter_errors(feed)]
    assert not errors, errors
    assert not JSON_FEED_VALIDATOR.is_valid(feed | {"items": [{"id": "x", "date_published": "hôm qua"}]})
    assert json.loads(json.dumps(feed, ensure_ascii=False)) == feed
    assert feed["feed_url"] == SELF_JSON and feed["home_page_url"] == BASE
    items = feed["items"]
    assert [item["id"] for item in items] == [f"{BASE}/releases/{rid}" for rid in EXPECTED_ORDER]
    corrected = items[0]
    assert corrected["title"] == CORRECTED_TITLE
    assert corrected["url"] == corrected["id"]
    assert corrected["content_text"] == f.BODY
    assert corrected["summary"] == f.LEAD
    assert corrected["date_published"] == "2026-03-02T04:00:00Z"
    assert corrected["date_modified"] == "2026-03-02T07:50:00Z"
    assert corrected["tags"] == ["giao-thong", "le-hoi"]
    assert corrected["language"] == "vi"
    assert corrected["authors"] == [{"name": "Sở Giao thông vận tải Hà Nội"}]
    assert corrected["_presscenter"] == {
        "release_id": "r-corrected",
        "unit_code": "so-gtvt",
        "version": 3,
        "corrected": True,
        "correction_sequence": 2,
        "correction_note": "Thêm ngày.",
        "places": ["q-hoan-kiem"],
        "media_asset_ids": [],
    }
    plain = items[2]["_presscenter"]
    assert (plain["version"], plain["corrected"], plain["correction_note"]) == (1, False, None)


def test_json_feed_limit_and_exclusions() -> None:
    feed = json_feed(_releases(), base_uri=BASE, title="T", self_url=SELF_JSON, now=NOW, limit=3)
    assert [item["_presscenter"]["release_id"] for item in feed["items"]] == EXPECTED_ORDER[:3]
    everything = json_feed(_releases(), base_uri=BASE, title="T", self_url=SELF_JSON, now=NOW)
    ids = {item["_presscenter"]["release_id"] for item in everything["items"]}
    assert ids.isdisjoint({"r-embargoed", "r-withdrawn", "r-draft", "r-submitted", "r-scheduled"})
