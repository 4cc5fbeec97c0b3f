"""The shipped Hanoi seed: a valid tree with the promised units, names and contacts."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections import Counter
from importlib import resources
from pathlib import Path

import pytest

from presscenter.shared.directory import load_seed, seed_revision, seed_tree
from presscenter.shared.directory.seed import SEED_FILE

TOPIC = re.compile(r"^[a-z][a-z0-9-]*$")
HANOI_PHONE = re.compile(r"^024 \d{4} \d{4}$")
CITY = "ubnd-hn"


def test_seed_is_a_valid_tree_rooted_at_the_city_office() -> None:
    tree = seed_tree()
    assert tree.root.code == CITY
    assert tree.root.kind == "city_office"
    assert tree.root.name.vi == "Văn phòng UBND Thành phố Hà Nội"
    assert len(tree) == len(load_seed())
    assert seed_revision()


def test_seed_meets_the_counts() -> None:
    kinds = Counter(unit.kind for unit in load_seed())
    assert kinds["city_office"] == 1
    assert kinds["department"] + kinds["sector"] >= 15
    assert kinds["ward"] + kinds["commune"] >= 20
    assert kinds["ward"] > 0 and kinds["commune"] > 0


def test_seed_holds_the_restructured_departments() -> None:
    tree = seed_tree()
    expected = {
        "so-yte": "Sở Y tế",
        "so-gddt": "Sở Giáo dục và Đào tạo",
        "so-xd": "Sở Xây dựng",
        "so-tc": "Sở Tài chính",
        "so-nv": "Sở Nội vụ",
        "so-tp": "Sở Tư pháp",
        "so-ct": "Sở Công Thương",
        "so-nnmt": "Sở Nông nghiệp và Môi trường",
        "so-vhtt": "Sở Văn hóa và Thể thao",
        "so-dl": "Sở Du lịch",
        "so-khcn": "Sở Khoa học và Công nghệ",
        "so-qhkt": "Sở Quy hoạch - Kiến trúc",
        "so-dttg": "Sở Dân tộc và Tôn giáo",
        "so-ngv": "Sở Ngoại vụ",
        "thanh-tra-tp": "Thanh tra Thành phố",
        "ca-hn": "Công an Thành phố Hà Nội",
        "bql-kcn-cx": "Ban Quản lý các Khu công nghiệp và chế xuất",
    }
    for code, name in expected.items():
        unit = tree.require(code)
        assert unit.name.vi.startswith(name), code
        assert unit.parent_code == CITY
    # merged away in 2025: transport went to construction, labour to home affairs
    assert "so-gtvt" not in tree and "so-ldtbxh" not in tree
    assert "traffic" in tree.require("so-xd").topics and "labour" in tree.require("so-nv").topics


def test_wards_and_communes_sit_under_the_city_office() -> None:
    locals_ = [u for u in load_seed() if u.kind in ("ward", "commune")]
    for unit in locals_:
        assert unit.parent_code == CITY, unit.code
        prefix = ("phuong-", "Phường ") if unit.kind == "ward" else ("xa-", "Xã ")
        assert unit.code.startswith(prefix[0]) and unit.name.vi.startswith(prefix[1]), unit.code
    names = {u.name.vi for u in locals_}
    assert {"Phường Hoàn Kiếm", "Phường Cửa Nam", "Phường Ba Đình", "Xã Sóc Sơn", "Xã Bát Tràng"} <= names


def test_every_unit_is_named_in_both_languages_in_nfc() -> None:
    for unit in load_seed():
        assert unit.name.vi.strip() and unit.name.en and unit.name.en.strip(), unit.code
        for text in (unit.name.vi, unit.name.en, *(c.name for c in unit.contacts)):
            assert unicodedata.is_normalized("NFC", text), (unit.code, text)
    raw = resources.files("presscenter.shared.directory").joinpath(SEED_FILE).read_text(encoding="utf-8")
    assert unicodedata.is_normalized("NFC", raw)


def test_topics_contacts_and_calendar_are_well_formed() -> None:
    for unit in load_seed():
        assert unit.topics, unit.code
        assert all(TOPIC.match(topic) for topic in unit.topics), (unit.code, unit.topics)
        assert len(set(unit.topics)) == len(unit.topics), unit.code
        assert unit.calendar == "vn-gov" and unit.active
        assert unit.contacts, unit.code
        for contact in unit.contacts:
            assert contact.phone and HANOI_PHONE.match(contact.phone), (unit.code, contact.phone)
            assert contact.email and contact.email.endswith("@hanoi.gov.vn"), (unit.code, contact.email)


@pytest.mark.parametrize(
    ("topic", "unit_code"),
    [
        ("health", "so-yte"),
        ("education", "so-gddt"),
        ("construction", "so-xd"),
        ("traffic", "so-xd"),
        ("environment", "so-nnmt"),
        ("culture", "so-vhtt"),
        ("tourism", "so-dl"),
        ("finance", "so-tc"),
        ("security", "ca-hn"),
        ("land", "so-nnmt"),
    ],
)
def test_common_categories_have_a_serving_department(topic: str, unit_code: str) -> None:
    assert unit_code in [u.code for u in seed_tree().units_serving(topic)]


def test_escalation_chains_in_the_seed() -> None:
    tree = seed_tree()
    assert [u.code for u in tree.ancestors("phuong-hoan-kiem")] == [CITY]
    assert [u.code for u in tree.ancestors("cdc-hn")] == ["so-yte", CITY]
    assert tree.ancestors(CITY) == []


def test_load_seed_returns_a_fresh_list() -> None:
    first = load_seed()
    first.clear()
    assert load_seed()


def test_seed_file_is_declared_as_package_data() -> None:
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["presscenter.shared.directory"]
    assert any(Path(SEED_FILE).match(pattern) for pattern in patterns)
