"""ninjs export: every kind of published release validates against the official IPTC ninjs 3.1 schema."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from presscenter.releases import testing as f
from presscenter.releases.exports import NINJS_SCHEMA_URI, to_ninjs
from presscenter.releases.exports.markdown import markdown_to_html
from presscenter.shared.rpc.errors import InvalidInput

SCHEMA_PATH = Path(__file__).parent / "data" / "ninjs" / "ninjs-schema_3.1.json"


BASE = f.BASE_URI
RELEASE_URI = f"{BASE}/releases/rel-1"


def _validator() -> Draft202012Validator:
    """Draft 2020-12 with format checking; nothing is fetched (an external $ref would fail loudly)."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == NINJS_SCHEMA_URI
    Draft202012Validator.check_schema(schema)
    registry: Registry = Registry().with_resource(schema["$id"], Resource.from_contents(schema))
    return Draft202012Validator(schema, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)


VALIDATOR = _validator()


def assert_valid(item: dict[str, Any]) -> None:
    errors = sorted(VALIDATOR.iter_errors(item), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)
    json.dumps(item, ensure_ascii=False)  # plain JSON types only


def rfc(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def test_validator_really_checks_formats_and_unknown_fields() -> None:
    assert {"date-time", "uri"} <= set(VALIDATOR.format_checker.checkers)
    good = {"uri": RELEASE_URI, "versionCreated": "2026-03-02T08:00:00Z"}
    assert VALIDATOR.is_valid(good)
    assert not VALIDATOR.is_valid(good | {"versionCreated": "2 March 2026"})
    assert not VALIDATOR.is_valid(good | {"uri": "not a uri"})
    assert not VALIDATOR.is_valid(good | {"version": 1})
    assert not VALIDATOR.is_valid(good | {"pubStatus": "embargoed"})
    assert not VALIDATOR.is_valid(good | {"body_html": "<p>x</p>"})


def test_first_publication() -> None:
    item = to_ninjs(f.published(), base_uri=BASE + "/", unit_names=f.UNIT_NAMES)
    assert_valid(item)
    assert item["uri"] == RELEASE_URI
    assert item["version"] == "1"
    assert item["pubStatus"] == "usable"
    assert item["firstCreated"] == item["versionCreated"] == rfc(f.NOW)
    assert item["standard"] == {"name": "ninjs", "version": "3.1", "schema": NINJS_SCHEMA_URI}
    assert item["type"] == "text"
    assert item["language"] == "vi"
    assert item["headlines"] == [{"role": "main", "value": f.TITLE}]
    assert item["descriptions"] == [{"role": "summary", "contentType": "text/plain", "value": f.LEAD}]
    markdown, rendered = item["bodies"]
    assert markdown == {"role": "main", "contentType": "text/markdown", "value": f.BODY}
    assert rendered["contentType"] == "text/html"
    assert "<strong>06:00 ngày 5/3</strong>" in rendered["value"]
    assert '<a href="https://hanoi.gov.vn/ban-do?id=5&amp;lang=vi">bản đồ</a>' in rendered["value"]
    assert item["subjects"] == [
        {"name": "giao-thong", "literal": "giao-thong"},
        {"name": "le-hoi", "literal": "le-hoi"},
    ]
    assert item["places"] == [
        {"name": "Quận Hoàn Kiếm", "uri": "urn:presscenter:unit:q-hoan-kiem", "literal": "q-hoan-kiem"}
    ]
    assert item["by"] == "Sở Giao thông vận tải Hà Nội"
    (source,) = item["infoSources"]
    assert source["uri"] == "urn:presscenter:unit:so-gtvt" and source["literal"] == "so-gtvt"
    assert source["contactInfo"] == [
        {"type": "phone", "name": "Nguyễn Văn An", "value": "+84 24 3825 1234"},
        {"type": "email", "name": "Nguyễn Văn An", "value": "an.nv@hanoi.gov.vn"},
    ]
    assert item["altIds"] == [{"role": "presscenter-release-id", "value": "rel-1"}]
    for absent in ("edNote", "embargoedUntil", "associations", "renditions"):
        assert absent not in item


def test_every_version_of_a_corrected_release() -> None:
    second = f.content(title="Phân luồng giao thông phục vụ Lễ hội Hoa Đào (sửa giờ)")
    third = f.content(title="Phân luồng giao thông phục vụ Lễ hội Hoa Đào (sửa tuyến buýt)")
    release = f.published(
        corrections=[
            f.Correction(timedelta(hours=1), second, "Sửa giờ bắt đầu: 06:00 thay vì 05:00."),
            f.Correction(timedelta(hours=3), third, "Sửa lộ trình xe buýt số 09."),
        ]
    )
    items = {n: to_ninjs(release, n, base_uri=BASE) for n in (1, 2, 3)}
    for item in items.values():
        assert_valid(item)
        assert item["uri"] == RELEASE_URI
        assert item["firstCreated"] == rfc(f.NOW)
        assert item["pubStatus"] == "usable"
    assert [items[n]["version"] for n in (1, 2, 3)] == ["1", "2", "3"]
    assert [items[n]["versionCreated"] for n in (1, 2, 3)] == [
        rfc(f.NOW),
        rfc(f.NOW + timedelta(hours=1)),
        rfc(f.NOW + timedelta(hours=3)),
    ]
    assert items[1]["headlines"][0]["value"] == f.TITLE
    assert items[3]["headlines"][0]["value"] == third.title
    assert "edNote" not in items[1]
    assert items[2]["edNote"] == "Correction 1 (version 2): Sửa giờ bắt đầu: 06:00 thay vì 05:00."
    assert items[3]["edNote"] == "Correction 2 (version 3): Sửa lộ trình xe buýt số 09."
    assert to_ninjs(release, base_uri=BASE) == items[3]


def test_withdrawn_release_is_canceled_in_every_version_with_a_notice() -> None:
    gone = f.withdrawal(f.NOW + timedelta(days=1), "superseded", superseded_by="rel-9", note="Xem thông báo mới.")
    release = f.published(
        corrections=[f.Correction(timedelta(hours=1), f.content(lead="Sửa."), "Sửa phần mở đầu.")], withdrawal=gone
    )
    for version in (1, 2):
        item = to_ninjs(release, version, base_uri=BASE)
        assert_valid(item)
        assert item["pubStatus"] == "canceled"
        assert item["edNote"].endswith(
            f"Withdrawn on {rfc(f.NOW + timedelta(days=1))}: superseded by another release. "
            f"Superseded by {BASE}/releases/rel-9. Xem thông báo mới."
        )
        assert {"name": "superseded-by", "rel": "supersededBy", "uri": f"{BASE}/releases/rel-9"} in item["associations"]
        assert item["headlines"], "the original stays readable"
    assert to_ninjs(release, 2, base_uri=BASE)["edNote"].startswith("Correction 1 (version 2): Sửa phần mở đầu.\n")


def test_embargoed_release_is_usable_with_embargoed_until() -> None:
    embargo = f.NOW + timedelta(hours=6)
    item = to_ninjs(f.published(embargoed_until=embargo), base_uri=BASE)
    assert_valid(item)
    assert item["pubStatus"] == "usable"
    assert item["embargoedUntil"] == rfc(embargo)


def test_english_text_is_an_associated_ninjs_object_in_english() -> None:
    text = f.content(
        title_en="Traffic diversions for the Peach Blossom Festival",
        lead_en="Hanoi's transport department diverts traffic around Hoan Kiem Lake from 5 March.",
        body_en="From **06:00 on 5 March**.",
    )
    item = to_ninjs(f.published(text=text, corrections=[]), base_uri=BASE)
    assert_valid(item)
    assert item["language"] == "vi"
    (english,) = item["associations"]
    assert english["name"] == "translation-en" and english["rel"] == "translation"
    assert english["uri"] == f"{RELEASE_URI}/en"
    assert english["language"] == "en"
    assert english["version"] == item["version"] and english["versionCreated"] == item["versionCreated"]
    assert english["headlines"] == [{"role": "main", "value": "Traffic diversions for the Peach Blossom Festival"}]
    assert english["descriptions"][0]["value"].startswith("Hanoi's transport department")
    assert english["bodies"][1]["value"] == "<p>From <strong>06:00 on 5 March</strong>.</p>"
    only_title = to_ninjs(f.published(text=f.content(title_en="Traffic diversions")), base_uri=BASE)
    assert_valid(only_title)
    assert set(only_title["associations"][0]) == {
        "name",
        "rel",
        "uri",
        "type",
        "version",
        "versionCreated",
        "pubStatus",
        "language",
        "headlines",
    }


def test_english_first_release_has_no_translation() -> None:
    text = f.content(language="en", title="Traffic diversions", title_en="Traffic diversions")
    item = to_ninjs(f.published(text=text), base_uri=BASE)
    assert_valid(item)
    assert item["language"] == "en"
    assert "associations" not in item


def test_media_assets_are_associations_by_id() -> None:
    text = f.content(media_asset_ids=("a1b2c3", "ảnh 2/3"))
    item = to_ninjs(f.published(text=text), base_uri=BASE)
    assert_valid(item)
    assert item["associations"] == [
        {"name": "media-1", "rel": "attachment", "uri": "urn:presscenter:asset:a1b2c3"},
        {"name": "media-2", "rel": "attachment", "uri": "urn:presscenter:asset:%E1%BA%A3nh%202%2F3"},
    ]


def test_department_intake_id_is_an_alternative_id() -> None:
    intake = f.Intake(source="so-gtvt-cms", external_id="TB-2026-0042", event_id="0f6e2a56-2f3b-4a0e-9d4d-1c1a3c3b9e01")
    item = to_ninjs(f.published(intake=intake), base_uri=BASE)
    assert_valid(item)
    assert {"role": "so-gtvt-cms-external-id", "value": "TB-2026-0042"} in item["altIds"]


def test_unit_codes_stand_in_for_missing_names() -> None:
    item = to_ninjs(f.published(), base_uri=BASE)
    assert_valid(item)
    assert item["by"] == "so-gtvt"
    assert item["places"][0]["name"] == "q-hoan-kiem"


def test_naive_datetimes_are_taken_as_utc() -> None:
    naive = f.NOW.replace(tzinfo=None)
    item = to_ninjs(f.published(at=naive, embargoed_until=naive + timedelta(hours=1)), base_uri=BASE)
    assert_valid(item)
    assert item["versionCreated"] == "2026-03-02T08:00:00Z"
    assert item["embargoedUntil"] == "2026-03-02T09:00:00Z"


def test_published_release_without_version_history_exports_its_current_version() -> None:
    release = f.published().model_copy(update={"versions": (), "version": 2, "version_created_at": f.NOW})
    item = to_ninjs(release, base_uri=BASE)
    assert_valid(item)
    assert item["version"] == "2"
    with pytest.raises(InvalidInput):
        to_ninjs(release, 1, base_uri=BASE)


@pytest.mark.parametrize("status", ["draft", "submitted", "approved", "rejected", "scheduled"])
def test_unpublished_release_is_refused(status: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        to_ninjs(f.unpublished(status=status), base_uri=BASE)
    assert refused.value.field == "version"
    assert "has not been published" in refused.value.detail


@pytest.mark.parametrize("version", [0, 2, -1])
def test_unknown_version_is_refused(version: int) -> None:
    with pytest.raises(InvalidInput) as refused:
        to_ninjs(f.published(), version, base_uri=BASE)
    assert refused.value.field == "version"
    assert f"no published version {version} (published: 1)" in refused.value.detail


def test_body_html_escapes_raw_html_and_unsafe_links() -> None:
    body = 'Xin chào <script>alert("x")</script> & [bấm](javascript:alert) và `<b>`'
    item = to_ninjs(f.published(text=f.content(body=body)), base_uri=BASE)
    assert_valid(item)
    rendered = item["bodies"][1]["value"]
    assert "<script" not in rendered and "<a " not in rendered
    assert rendered == (
        "<p>Xin chào &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; [bấm](javascript:alert) và "
        "<code>&lt;b&gt;</code></p>"
    )


def test_markdown_blocks() -> None:
    source = "# Tiêu đề\n\nDòng một\ndòng hai\n\n1. một\n2. _hai_ so_gtvt\n\n> trích **dẫn**\n\n```\n<raw> *x*\n```"
    assert markdown_to_html(source) == (
        "<h1>Tiêu đề</h1>\n<p>Dòng một\ndòng hai</p>\n<ol><li>một</li><li><em>hai</em> so_gtvt</li></ol>\n"
        "<blockquote>\n<p>trích <strong>dẫn</strong></p>\n</blockquote>\n<pre><code>&lt;raw&gt; *x*</code></pre>"
    )
