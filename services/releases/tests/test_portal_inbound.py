"""Portal payloads (forwarded by the gateway) → `department_release_submitted` payloads, or a named refusal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from presscenter.releases.portal.inbound import (
    CITY_OFFICE_UNIT,
    PortalDirective,
    PortalRelease,
    parse_inbound,
    to_department_submission,
)
from presscenter.shared.events.catalog import build_event, parse_event
from presscenter.shared.events.departments import DepartmentReleaseSubmitted
from presscenter.shared.rpc.errors import InvalidInput

RELEASE: dict[str, Any] = {
    "kind": "release",
    "guid": "vn-gov-2025-000123",
    "uri": "https://portal.gov.vn/items/000123",
    "headline": "  Thông báo lịch nghỉ lễ Quốc khánh  ",
    "description": "Tóm tắt cho báo chí.",
    "body_text": "Toàn văn thông báo.",
    "language": "vi-VN",
    "subjects": [{"name": "Lao động", "uri": "http://cv.iptc.org/newscodes/mediatopic/09000000"}, "lịch nghỉ"],
    "unit_code": "so-ldtbxh",
    "pubstatus": "usable",  # other ninjs fields are ignored
    "versioncreated": "2025-08-20T08:00:00+07:00",
}
DIRECTIVE: dict[str, Any] = {
    "kind": "directive",
    "guid": "cd-15-ttg",
    "title": "Chỉ thị về phòng chống bão",
    "body": "Các đơn vị triển khai ngay.",
    "target_unit_codes": ["so-xd", "ubnd-hoan-kiem", "so-xd"],
    "deadline": "2025-09-01T17:00:00+07:00",
}


def refused(data: dict[str, Any]) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        to_department_submission(data)
    return info.value


def test_a_portal_release_becomes_a_submission_of_its_unit() -> None:
    submission = to_department_submission(RELEASE)
    assert isinstance(submission, DepartmentReleaseSubmitted)
    assert submission.external_id == "vn-gov-2025-000123"
    assert submission.unit_code == "so-ldtbxh"
    assert submission.title == "Thông báo lịch nghỉ lễ Quốc khánh"
    assert submission.lead == "Tóm tắt cho báo chí."
    assert submission.body == "Toàn văn thông báo."
    assert submission.language == "vi"
    assert submission.categories == ["Lao động", "lịch nghỉ"]
    assert submission.embargoed_until is None and submission.places == []


def test_the_submission_is_a_valid_event_payload() -> None:
    envelope = build_event(
        "department_release_submitted", to_department_submission(RELEASE).model_dump(mode="json"), source="portal"
    )
    parsed = parse_event(envelope.model_dump(mode="json"))
    assert parsed.payload.external_id == "vn-gov-2025-000123"


def test_without_a_unit_the_city_office_submits_and_the_uri_can_be_the_id() -> None:
    data = {k: v for k, v in RELEASE.items() if k not in ("unit_code", "guid")}
    data["uri"] = "urn:gov.vn:item:123"
    submission = to_department_submission(data)
    assert submission.unit_code == CITY_OFFICE_UNIT == "ubnd-hn"
    assert submission.external_id == "urn:gov.vn:item:123"


def test_subjects_use_literal_then_name_and_are_deduplicated() -> None:
    data = {**RELEASE, "subjects": [{"literal": "giao-thong", "name": "Giao thông"}, {"name": "Y tế"}, "Y tế", {}]}
    assert to_department_submission(data).categories == ["giao-thong", "Y tế"]


def test_an_embargo_is_carried() -> None:
    until = datetime(2030, 1, 1, 9, 0, tzinfo=timezone(timedelta(hours=7)))
    submission = to_department_submission({**RELEASE, "embargoed": until.isoformat()})
    assert submission.embargoed_until == until
    assert submission.embargoed_until.astimezone(UTC).hour == 2


def test_a_directive_becomes_a_city_office_submission_categorised_directive() -> None:
    item = parse_inbound(DIRECTIVE)
    assert isinstance(item, PortalDirective)
    submission = to_department_submission(item)
    assert submission.unit_code == "ubnd-hn"
    assert submission.external_id == "cd-15-ttg"
    assert submission.categories == ["directive"]
    assert submission.places == ["so-xd", "ubnd-hoan-kiem"]
    assert submission.title == "Chỉ thị về phòng chống bão"
    assert submission.body == "Các đơn vị triển khai ngay.\n\n**Hạn thực hiện:** 2025-09-01T17:00:00+07:00"


def test_a_directive_without_deadline_keeps_its_body_and_english_labels_in_english() -> None:
    assert to_department_submission({**DIRECTIVE, "deadline": None}).body == "Các đơn vị triển khai ngay."
    english = to_department_submission({**DIRECTIVE, "language": "en"})
    assert english.language == "en" and english.body.endswith("**Deadline:** 2025-09-01T17:00:00+07:00")


def test_parse_returns_typed_payloads() -> None:
    assert isinstance(parse_inbound(RELEASE), PortalRelease)
    assert parse_inbound(RELEASE).language == "vi"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "obituary"}, "kind"),
        ({"kind": None}, "kind"),
        ({"guid": None, "uri": None}, "guid"),
        ({"guid": None, "uri": "https://portal.gov.vn/" + "x" * 200}, "uri"),
        ({"guid": "g" * 129}, "guid"),
        ({"guid": "   "}, "guid"),
        ({"headline": "   "}, "headline"),
        ({"headline": "h" * 501}, "headline"),
        ({"body_text": ""}, "body_text"),
        ({"body_text": "b" * 200_001}, "body_text"),
        ({"description": "d" * 5_001}, "description"),
        ({"language": "fr"}, "language"),
        ({"unit_code": "Sở Y tế"}, "unit_code"),
        ({"subjects": "Y tế"}, "subjects"),
        ({"subjects": [5]}, "subjects.0"),
        ({"subjects": [{"name": "n" * 101}]}, "subjects.0.name"),
        ({"subjects": ["s"] * 51}, "subjects"),
        ({"embargoed": "2030-01-01T09:00:00"}, "embargoed"),
        ({"embargoed": "soon"}, "embargoed"),
    ],
)
def test_bad_releases_are_refused_naming_the_field(change: dict[str, Any], field: str) -> None:
    assert refused({**RELEASE, **change}).field == field


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"guid": None}, "guid"),
        ({"title": ""}, "title"),
        ({"body": None}, "body"),
        ({"body": "b" * 190_001}, "body"),
        ({"target_unit_codes": []}, "target_unit_codes"),
        ({"target_unit_codes": ["so-xd", "BAD CODE"]}, "target_unit_codes.1"),
        ({"deadline": "2025-09-01"}, "deadline"),
    ],
)
def test_bad_directives_are_refused_naming_the_field(change: dict[str, Any], field: str) -> None:
    error = refused({**DIRECTIVE, **change})
    assert error.field == field and error.detail


def test_a_missing_field_is_named_and_non_objects_are_refused() -> None:
    data = {k: v for k, v in RELEASE.items() if k != "headline"}
    error = refused(data)
    assert (error.field, error.detail) == ("headline", "Field required")
    with pytest.raises(InvalidInput):
        parse_inbound(["not", "an", "object"])  # type: ignore[arg-type]
