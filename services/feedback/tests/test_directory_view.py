"""Reading the unit directory: search, filters and pages on the shipped Hanoi tree, one unit in its
chain, and the `units`/`unit` methods of the app on the embedded datastore (a directory update is
seen at once)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import mongoengine
import pytest
from pymongo import MongoClient

from presscenter.feedback.app import FeedbackApp
from presscenter.feedback.domain.directory_view import find_units, unit_detail
from presscenter.feedback.repository import QuestionRepository
from presscenter.feedback.rulebook import load_rulebook
from presscenter.feedback.settings import FeedbackSettings
from presscenter.shared.directory import seed_revision, seed_tree
from presscenter.shared.directory.store import UnitDirectory
from presscenter.shared.events.common import Actor
from presscenter.shared.events.departments import DirectoryUnit, DirectoryUpdated
from presscenter.shared.plumbing.mongo import connect
from presscenter.shared.rpc import feedback as rpc
from presscenter.shared.rpc.errors import InvalidInput, NotFound
from presscenter.shared.testing.clock import FakeClock

TREE = seed_tree()


def codes(**query: object) -> list[str]:
    return [unit.code for unit in find_units(TREE, rpc.UnitsQuery(**query), "r1").items]  # type: ignore[arg-type]


def test_names_match_without_diacritics_and_by_the_start_of_words() -> None:
    assert codes(q="hoan kiem") == ["phuong-hoan-kiem"]
    assert codes(q="HOÀN KI") == ["phuong-hoan-kiem"]
    assert codes(q="hoan") == ["phuong-hoan-kiem", "phuong-hoang-mai"]  # tree order, siblings by code
    assert codes(q="Department of Health") == ["so-yte"]  # the English name
    assert codes(q="csgt") == ["csgt-ca-hn"]  # the code
    assert codes(q="police") == ["ca-hn", "csgt-ca-hn"]  # level by level
    assert codes(q="khong co dau") == []


def test_filters_by_parent_and_kind_and_pages_in_tree_order() -> None:
    assert codes(parent="ca-hn") == ["csgt-ca-hn"]
    assert codes(kind="commune", q="son") == ["xa-huong-son", "xa-soc-son"]
    assert codes(parent="ubnd-hn", kind="sector") == ["bql-dsdt", "bql-kcn-cx", "ca-hn", "thanh-tra-tp"]
    every = codes(limit=200)
    assert every[0] == "ubnd-hn" and len(every) == len(TREE)
    seen: list[str] = []
    cursor = None
    while True:
        page = find_units(TREE, rpc.UnitsQuery(kind="ward", limit=7, cursor=cursor), "r1")
        seen += [unit.code for unit in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == codes(kind="ward", limit=200) and len(seen) == 18


def test_bad_queries_name_the_field() -> None:
    cases = [({"parent": "so-khong-co"}, "parent"), ({"q": " - "}, "q"), ({"cursor": "not-a-cursor"}, "cursor")]
    for query, field in cases:
        with pytest.raises(InvalidInput) as caught:
            find_units(TREE, rpc.UnitsQuery(**query), "r1")  # type: ignore[arg-type]
        assert caught.value.field == field


def test_one_unit_with_its_chain_and_children() -> None:
    detail = unit_detail(TREE, rpc.GetUnit(code="csgt-ca-hn"), "r1")
    assert (detail.unit.name.vi, detail.unit.depth, detail.unit.child_count) == (
        "Phòng Cảnh sát giao thông - Công an Thành phố Hà Nội",
        2,
        0,
    )
    assert [unit.code for unit in detail.ancestors] == ["ca-hn", "ubnd-hn"] and detail.children == []
    police = unit_detail(TREE, rpc.GetUnit(code="ca-hn"), "r1")
    assert [unit.code for unit in police.children] == ["csgt-ca-hn"] and police.unit.child_count == 1
    with pytest.raises(NotFound) as caught:
        unit_detail(TREE, rpc.GetUnit(code="so-khong-co"), "r1")
    assert caught.value.field == "code"


# --- through the app, on the embedded datastore ------------------------------------------------------


@pytest.fixture
def app(mongo_uri: str, mongo_db_name: str) -> Iterator[FeedbackApp]:
    connect(FeedbackSettings(mongo_uri=mongo_uri, mongo_db=mongo_db_name))
    try:
        directory = UnitDirectory(MongoClient(mongo_uri)[mongo_db_name])
        clock = FakeClock(datetime(2026, 11, 27, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")))
        yield FeedbackApp(QuestionRepository(), directory, load_rulebook(FeedbackSettings()), clock)
    finally:
        mongoengine.disconnect("feedback")


def test_the_app_serves_the_directory_it_routes_by(app: FeedbackApp) -> None:
    page = app.units(rpc.UnitsQuery(q="ba dinh"))
    assert [unit.code for unit in page.items] == ["phuong-ba-dinh"] and page.revision == seed_revision()
    new_ward = DirectoryUnit.model_validate(
        {"code": "phuong-ba-dinh-2", "name": {"vi": "Phường Ba Đình Mới"}, "kind": "ward", "parent_code": "ubnd-hn"}
    )
    app.directory.apply(DirectoryUpdated(upserts=[new_ward], revision="2026-11-27.1"))
    page = app.units(rpc.UnitsQuery(q="ba dinh"))
    assert [unit.code for unit in page.items] == ["phuong-ba-dinh", "phuong-ba-dinh-2"]
    assert page.revision == "2026-11-27.1"
    detail = app.unit(rpc.GetUnit(code="phuong-ba-dinh-2"))
    assert [unit.code for unit in detail.ancestors] == ["ubnd-hn"] and detail.revision == "2026-11-27.1"


def test_the_public_reads_only_request_records_answered_for_the_public(app: FeedbackApp) -> None:
    journalist = Actor(kind="user", id="j-1", role="journalist")
    officer = Actor(kind="user", id="o-1", role="unit_officer", unit_code="csgt-ca-hn")
    asked = {"actor": journalist, "body": "Xin số liệu.", "category": "traffic", "place": "csgt-ca-hn"}
    shown = app.ask(rpc.Ask(title="Phạt nguội", **asked))
    private = app.ask(rpc.Ask(title="Riêng", **asked))
    app.answer(rpc.AnswerQuestion(actor=officer, question_id=shown.id, text="1.200 trường hợp.", public=True))
    app.answer(rpc.AnswerQuestion(actor=officer, question_id=private.id, text="Không công khai."))
    public = rpc.Viewer(id="anonymous", role="public")
    records = app.georeport_requests(rpc.GeoReportRequestsQuery(viewer=public)).requests
    assert [(record.service_request_id, record.status) for record in records] == [(shown.id, "closed")]
    mine = app.georeport_requests(rpc.GeoReportRequestsQuery(viewer=rpc.Viewer(id="j-1", role="journalist")))
    assert {record.service_request_id for record in mine.requests} == {shown.id, private.id}
