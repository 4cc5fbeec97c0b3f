"""Routing: category x place, keyword rules on folded Vietnamese text, the default, and places
given as unit codes or addresses; every decision carries its rule and reason."""

from __future__ import annotations

import pytest

from presscenter.feedback.domain.routing import RoutingError, load_rules, rules_from_data
from presscenter.shared.directory import seed_tree
from presscenter.shared.events.common import LocalizedText
from presscenter.shared.events.departments import DirectoryUnit
from presscenter.shared.rpc.errors import InvalidInput

RULES = load_rules()
TREE = seed_tree()


@pytest.mark.parametrize(
    ("category", "place", "title", "unit", "rule"),
    [
        ("health", None, "Bệnh viện quá tải", "so-yte", "topic-owner"),
        ("health", None, "Số ca SỐT XUẤT HUYẾT tăng", "cdc-hn", "keyword:epidemics"),
        ("health", "phuong-hoan-kiem", "Bệnh viện quá tải", "so-yte", "topic-owner"),
        ("education", None, "Tuyển sinh lớp 10 năm 2027", "so-gddt", "keyword:school-admissions"),
        ("traffic", None, "Cầu Thăng Long sửa chữa", "so-xd", "topic-owner"),
        ("traffic", None, "Ùn tắc kéo dài trên đường Láng", "csgt-ca-hn", "keyword:traffic-jams"),
        ("traffic", "csgt-ca-hn", "Phạt nguội", "csgt-ca-hn", "place-serves-topic"),
        (
            "traffic",
            "phuong-hoan-kiem",
            "Phố đi bộ cuối tuần",
            "phuong-hoan-kiem",
            "override:pedestrian-zone-hoan-kiem",
        ),
        ("urban-order", "phuong-ba-dinh", "Rác thải trên phố", "phuong-ba-dinh", "place-serves-topic"),
        ("urban-order", None, "Rác thải trên phố", "ubnd-hn", "default"),
        (
            "traffic",
            "phuong-cau-giay",
            "Lấn chiếm vỉa hè làm bãi giữ xe",
            "phuong-cau-giay",
            "keyword:pavement-encroachment",
        ),
        ("culture-sports", "phuong-ba-dinh", "Hoàng thành Thăng Long", "so-vhtt", "override:citadel-heritage"),
        ("culture-sports", "phuong-hoan-kiem", "Lễ hội phố cổ", "phuong-hoan-kiem", "place-serves-topic"),
        ("environment", "xa-soc-son", "Đê sông Cà Lồ", "so-nnmt", "override:dykes-in-communes"),
        ("environment", None, "Chỉ số bụi mịn PM2.5 tăng cao", "so-nnmt", "keyword:air-quality"),
        ("justice", "phuong-tay-ho", "Đăng ký khai sinh", "phuong-tay-ho", "place-serves-topic"),
        ("justice", None, "Lý lịch tư pháp", "so-tp", "topic-owner"),
        ("land", "xa-dong-anh", "Cấp sổ đỏ", "xa-dong-anh", "place-serves-topic"),
        ("land", None, "Cấp sổ đỏ", "so-nnmt", "topic-owner"),
        ("metro", None, "Tiến độ tuyến số 3", "bql-dsdt", "topic-owner"),
        ("traffic", None, "Tiến độ tuyến METRO số 3", "bql-dsdt", "keyword:metro"),
        ("security", None, "Vụ cháy chung cư mini", "ca-hn", "keyword:fire"),
        ("general", None, "Câu hỏi chung", "ubnd-hn", "topic-owner"),
        ("general", "phuong-long-bien", "Câu hỏi chung", "phuong-long-bien", "place-serves-topic"),
        ("inspection-complaints", None, "Đơn tố cáo", "thanh-tra-tp", "topic-owner"),
    ],
)
def test_routing_table(category: str, place: str | None, title: str, unit: str, rule: str) -> None:
    decision = RULES.route(TREE, category, place, title, "Nội dung câu hỏi.")
    assert (decision.unit_code, decision.rule) == (unit, rule), decision.reason
    assert decision.reason


def test_keywords_are_matched_on_whole_syllables_and_the_most_matches_wins() -> None:
    # "metro" inside another word does not match; two epidemic phrases beat one food phrase
    assert RULES.route(TREE, "general", None, "Metropolitan", "").rule == "topic-owner"
    decision = RULES.route(TREE, "health", None, "Ngộ độc thực phẩm", "và sốt xuất huyết, tiêm chủng")
    assert decision.rule == "keyword:epidemics" and "'sot xuat huyet'" in decision.reason
    # a rule limited to some categories does not fire in others
    assert RULES.route(TREE, "tourism", None, "Ùn tắc ở phố cổ", "").rule == "topic-owner"


def test_a_place_keyword_rule_needs_a_place() -> None:
    decision = RULES.route(TREE, "urban-order", None, "Lấn chiếm vỉa hè", "")
    assert decision.rule == "default"


def test_inactive_units_are_skipped_and_new_units_are_routed_to() -> None:
    cdc = TREE.require("cdc-hn")
    tree = TREE.apply(upserts=[cdc.model_copy(update={"active": False})])
    assert RULES.route(tree, "health", None, "Sốt xuất huyết", "").unit_code == "so-yte"
    new_unit = DirectoryUnit(
        code="so-moi",
        name=LocalizedText(vi="Sở Giao thông mới"),
        kind="department",
        parent_code="ubnd-hn",
        topics=["traffic"],
    )
    tree = TREE.apply(upserts=[new_unit, TREE.require("so-xd").model_copy(update={"topics": ["construction"]})])
    assert RULES.route(tree, "traffic", None, "Cầu Thăng Long", "").unit_code == "so-moi"


@pytest.mark.parametrize(
    ("place", "unit"),
    [
        ("phuong-hoan-kiem", "phuong-hoan-kiem"),
        ("so-yte", "so-yte"),
        ("12 Hàng Bài, phường Hoàn Kiếm, Hà Nội", "phuong-hoan-kiem"),
        ("12 hang bai, PHUONG HOAN KIEM", "phuong-hoan-kiem"),
        ("Hoan Kiem Ward, Hanoi", "phuong-hoan-kiem"),
        ("số 5 phố Hai Bà Trưng, phường Cửa Nam", "phuong-cua-nam"),  # the full name beats the street
        ("phố Hai Bà Trưng, Cửa Nam", "phuong-cua-nam"),  # the rightmost name wins
        ("thôn 3, xã Sóc Sơn", "xa-soc-son"),
        ("Hà Nội", "ubnd-hn"),
        ("toàn thành phố", "ubnd-hn"),
    ],
)
def test_places_are_unit_codes_or_addresses(place: str, unit: str) -> None:
    match = RULES.resolve_place(place, TREE)
    assert match is not None and match.unit_code == unit, match


@pytest.mark.parametrize("place", ["so-khong-co", "phuong-atlantis", "123 Main Street, Springfield", "!!!"])
def test_unknown_places_are_refused_by_field(place: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        RULES.resolve_place(place, TREE)
    assert caught.value.field == "place"


def test_no_place_is_no_place() -> None:
    assert RULES.resolve_place(None, TREE) is None
    assert RULES.resolve_place("  ", TREE) is None


def test_unknown_categories_are_refused_naming_the_known_ones() -> None:
    with pytest.raises(InvalidInput) as caught:
        RULES.category("weather")
    assert caught.value.field == "category" and "health" in caught.value.detail
    with pytest.raises(InvalidInput):
        RULES.route(TREE, "weather", None, "x", "y")


def test_routing_data_that_contradicts_itself_is_refused() -> None:
    categories = {"categories": [{"code": "a", "name_vi": "A", "name_en": "A", "topics": []}]}
    with pytest.raises(RoutingError, match="unknown categories"):
        rules_from_data(
            categories, {"keywords": [{"id": "k", "phrases": ["x"], "unit_code": "u", "categories": ["b"]}]}
        )
    with pytest.raises(RoutingError, match="empty phrase"):
        rules_from_data(categories, {"keywords": [{"id": "k", "phrases": ["!!"], "unit_code": "u"}]})
    with pytest.raises(RoutingError, match="twice"):
        rules_from_data({"categories": categories["categories"] * 2}, {})
    with pytest.raises(RoutingError):
        rules_from_data({"categories": [{"code": "a"}]}, {})
