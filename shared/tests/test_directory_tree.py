"""UnitTree: validation of codes, parents, cycles and roots; navigation; atomic updates; levels as data."""

from __future__ import annotations

import json
import unicodedata

import pytest

from presscenter.shared.directory.tree import DirectoryError, UnitTree
from presscenter.shared.events.departments import DirectoryUnit
from presscenter.shared.rpc.errors import InvalidInput


def unit(
    code: str,
    parent: str | None = None,
    kind: str = "department",
    topics: tuple[str, ...] = (),
    active: bool = True,
    vi: str | None = None,
) -> DirectoryUnit:
    return DirectoryUnit(
        code=code,
        name={"vi": vi or f"Đơn vị {code}", "en": f"Unit {code}"},
        kind=kind,
        parent_code=parent,
        topics=list(topics),
        calendar="vn-gov",
        active=active,
    )


def codes(units: list[DirectoryUnit]) -> list[str]:
    return [u.code for u in units]


@pytest.fixture
def four_levels() -> UnitTree:
    """city → department → agency → team, plus a ward and a second department."""
    return UnitTree.build(
        [
            unit("team-a", "agency-a", kind="team", topics=("vaccination",)),
            unit("agency-a", "so-yte", kind="agency", topics=("disease-control",)),
            unit("so-yte", "city", topics=("health",)),
            unit("so-xd", "city", topics=("traffic", "construction")),
            unit("phuong-a", "city", kind="ward", topics=("traffic",)),
            unit("city", None, kind="city_office", topics=("general",)),
        ]
    )


# -- navigation ---------------------------------------------------------------------------------


def test_four_level_tree_navigation(four_levels: UnitTree) -> None:
    tree = four_levels
    assert tree.root.code == "city"
    assert len(tree) == 6
    assert "team-a" in tree and "nowhere" not in tree
    assert tree.get("agency-a") == tree.require("agency-a")
    assert tree.require("agency-a").kind == "agency"
    assert tree.get("nowhere") is None
    assert tree.parent("team-a") == tree.require("agency-a")
    assert tree.parent("city") is None
    assert codes(tree.ancestors("team-a")) == ["agency-a", "so-yte", "city"]
    assert codes(tree.ancestors("phuong-a")) == ["city"]
    assert tree.ancestors("city") == []
    assert codes(tree.children("city")) == ["phuong-a", "so-xd", "so-yte"]
    assert tree.children("team-a") == []
    assert codes(tree.descendants("city")) == ["phuong-a", "so-xd", "so-yte", "agency-a", "team-a"]
    assert codes(tree.descendants("so-yte")) == ["agency-a", "team-a"]
    assert [tree.depth(c) for c in ("city", "so-yte", "agency-a", "team-a")] == [0, 1, 2, 3]
    assert tree.is_within("team-a", "so-yte") and tree.is_within("so-yte", "so-yte")
    assert not tree.is_within("so-xd", "so-yte") and not tree.is_within("city", "team-a")


def test_unknown_code_is_refused_by_navigation(four_levels: UnitTree) -> None:
    for call in (four_levels.parent, four_levels.ancestors, four_levels.children, four_levels.descendants):
        with pytest.raises(DirectoryError, match="unknown unit 'ghost'"):
            call("ghost")
    with pytest.raises(DirectoryError) as caught:
        four_levels.require("ghost", field="place")
    assert caught.value.field == "place" and caught.value.problem == "unknown_unit" and caught.value.codes == ["ghost"]


def test_units_serving_matches_topic_in_tree_order_and_skips_inactive() -> None:
    tree = UnitTree.build(
        [
            unit("city", kind="city_office"),
            unit("so-xd", "city", topics=("traffic",)),
            unit("phuong-b", "city", kind="ward", topics=("traffic",), active=False),
            unit("phuong-a", "city", kind="ward", topics=("traffic", "sanitation")),
            unit("csgt", "so-xd", kind="agency", topics=("traffic-safety",)),
        ]
    )
    assert codes(tree.units_serving("traffic")) == ["phuong-a", "so-xd"]
    assert codes(tree.units_serving("traffic", include_inactive=True)) == ["phuong-a", "phuong-b", "so-xd"]
    assert tree.units_serving("traffic-safety")[0].code == "csgt"
    assert tree.units_serving("health") == []


def test_to_list_puts_parents_first_and_rebuilds_the_same_tree(four_levels: UnitTree) -> None:
    listed = four_levels.to_list()
    position = {u.code: i for i, u in enumerate(listed)}
    assert all(u.parent_code is None or position[u.parent_code] < position[u.code] for u in listed)
    assert UnitTree.build(listed).to_list() == listed
    assert list(four_levels) == listed


def test_names_are_stored_in_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "Phường Hoàn Kiếm")
    tree = UnitTree.build([unit("city", kind="city_office"), unit("phuong-hk", "city", kind="ward", vi=decomposed)])
    assert tree.require("phuong-hk").name.vi == unicodedata.normalize("NFC", "Phường Hoàn Kiếm")


# -- refused trees ------------------------------------------------------------------------------


def test_error_is_an_rpc_invalid_input_with_json_safe_args() -> None:
    with pytest.raises(InvalidInput) as caught:
        UnitTree.build([unit("city"), unit("city")])
    err = caught.value
    assert isinstance(err, DirectoryError) and err.status == 422
    json.dumps(err.args)  # nameko sends the args over the wire
    assert err.extra["problem"] == "duplicate"


def test_duplicate_codes_are_named() -> None:
    with pytest.raises(DirectoryError) as caught:
        UnitTree.build(
            [unit("city"), unit("so-yte", "city"), unit("so-yte", "city"), unit("so-xd", "city"), unit("so-xd", "city")]
        )
    assert caught.value.problem == "duplicate"
    assert caught.value.codes == ["so-xd", "so-yte"]
    assert str(caught.value) == "units: duplicate unit codes: so-xd, so-yte"


def test_dangling_parent_names_unit_and_missing_parent() -> None:
    with pytest.raises(DirectoryError) as caught:
        UnitTree.build([unit("city"), unit("phuong-a", "quan-cu", kind="ward")])
    assert caught.value.problem == "dangling_parent"
    assert "unit 'phuong-a' names parent 'quan-cu', which is not in the directory" in caught.value.detail
    assert caught.value.codes == ["phuong-a"] and caught.value.extra["missing"] == ["quan-cu"]


def test_cycle_is_reported_as_its_path() -> None:
    with pytest.raises(DirectoryError) as caught:
        UnitTree.build([unit("city"), unit("b", "a"), unit("a", "b"), unit("c", "a")])
    assert caught.value.problem == "cycle"
    assert caught.value.detail == "parent links form a cycle: a → b → a"
    assert caught.value.codes == ["a", "b"]


def test_longer_cycle_and_self_parent_are_both_reported() -> None:
    with pytest.raises(DirectoryError) as caught:
        UnitTree.build([unit("city"), unit("z", "x"), unit("y", "z"), unit("x", "y"), unit("self", "self")])
    assert "x → y → z → x" in caught.value.detail
    assert "self → self" in caught.value.detail
    assert caught.value.codes == ["self", "x", "y", "z"]


def test_more_than_one_root_names_the_roots() -> None:
    with pytest.raises(DirectoryError) as caught:
        UnitTree.build([unit("city", kind="city_office"), unit("so-yte", None), unit("phuong-a", "city")])
    assert caught.value.problem == "multiple_roots"
    assert caught.value.codes == ["city", "so-yte"]
    assert "more than one root unit" in caught.value.detail and "city, so-yte" in caught.value.detail


def test_no_root_is_refused() -> None:
    with pytest.raises(DirectoryError) as caught:
        UnitTree.build([])
    assert caught.value.problem == "no_root"
    with pytest.raises(DirectoryError, match="cycle: a → b → a"):
        UnitTree.build([unit("a", "b"), unit("b", "a")])  # every unit has a parent: the cycle is the cause


# -- updates --------------------------------------------------------------------------------------


def test_apply_adds_replaces_and_removes_returning_a_new_tree(four_levels: UnitTree) -> None:
    before = four_levels.to_list()
    after = four_levels.apply(
        upserts=[
            unit("phuong-b", "city", kind="ward", topics=("traffic",)),
            unit("so-xd", "city", topics=("construction",)),
        ],
        removals=["team-a"],
    )
    assert four_levels.to_list() == before
    assert "phuong-b" in after and "team-a" not in after and "team-a" in four_levels
    assert codes(after.units_serving("traffic")) == ["phuong-a", "phuong-b"]
    assert codes(four_levels.units_serving("traffic")) == ["phuong-a", "so-xd"]
    assert after.children("agency-a") == []


def test_apply_moves_a_unit_and_its_subtree(four_levels: UnitTree) -> None:
    moved = four_levels.apply(upserts=[unit("agency-a", "so-xd", kind="agency")])
    assert codes(moved.ancestors("team-a")) == ["agency-a", "so-xd", "city"]
    assert codes(four_levels.ancestors("team-a")) == ["agency-a", "so-yte", "city"]


def test_removing_a_unit_with_children_is_refused_and_nothing_changes(four_levels: UnitTree) -> None:
    before = four_levels.to_list()
    with pytest.raises(DirectoryError) as caught:
        four_levels.apply(upserts=[unit("phuong-b", "city", kind="ward")], removals=["so-yte"])
    err = caught.value
    assert err.problem == "has_children" and err.codes == ["so-yte"] and err.extra["children"] == ["agency-a"]
    assert "cannot remove 'so-yte': agency-a still under it" in err.detail
    assert four_levels.to_list() == before and "phuong-b" not in four_levels


def test_removal_allowed_when_children_reparented_or_removed_together(four_levels: UnitTree) -> None:
    reparented = four_levels.apply(upserts=[unit("agency-a", "city", kind="agency")], removals=["so-yte"])
    assert codes(reparented.ancestors("team-a")) == ["agency-a", "city"]
    pruned = four_levels.apply(removals=["so-yte", "agency-a", "team-a"])
    assert codes(pruned.descendants("city")) == ["phuong-a", "so-xd"]


@pytest.mark.parametrize(
    ("upserts", "removals", "problem", "named"),
    [
        ([unit("so-yte", "team-a")], [], "cycle", "agency-a → so-yte → team-a → agency-a"),
        ([unit("phuong-z", "ghost", kind="ward")], [], "dangling_parent", "'phuong-z' names parent 'ghost'"),
        ([unit("second-root", None)], [], "multiple_roots", "city, second-root"),
        ([], ["ghost"], "unknown_unit", "ghost"),
        ([unit("x", "city"), unit("x", "so-xd")], [], "duplicate", "x"),
        ([unit("phuong-a", "so-xd", kind="ward")], ["phuong-a"], "conflict", "phuong-a"),
        ([unit("phuong-b", "team-a", kind="ward")], ["team-a"], "has_children", "cannot remove 'team-a'"),
        ([], ["city"], "has_children", "cannot remove 'city'"),
    ],
)
def test_bad_updates_are_refused_atomically(
    four_levels: UnitTree, upserts: list[DirectoryUnit], removals: list[str], problem: str, named: str
) -> None:
    before = four_levels.to_list()
    # every bad update also carries a valid change: none of it may land
    with pytest.raises(DirectoryError) as caught:
        four_levels.apply(upserts=[unit("phuong-ok", "city", kind="ward"), *upserts], removals=removals)
    assert caught.value.problem == problem
    assert named in caught.value.detail
    assert four_levels.to_list() == before and "phuong-ok" not in four_levels


def test_root_can_be_replaced_in_one_update(four_levels: UnitTree) -> None:
    kids = four_levels.children("city")
    new = four_levels.apply(
        upserts=[
            unit("city-2", None, kind="city_office"),
            *(kid.model_copy(update={"parent_code": "city-2"}) for kid in kids),
        ],
        removals=["city"],
    )
    assert new.root.code == "city-2"
    assert codes(new.ancestors("team-a")) == ["agency-a", "so-yte", "city-2"]


def test_a_level_is_gained_and_lost() -> None:
    wards = [unit(f"phuong-{c}", "city", kind="ward", topics=("sanitation",)) for c in "abc"]
    flat = UnitTree.build([unit("city", kind="city_office"), *wards])
    assert {flat.depth(w.code) for w in wards} == {1}

    # gain a level in the middle: an area office between the city and two wards
    regrouped = flat.apply(
        upserts=[
            unit("khu-vuc-1", "city", kind="area_office"),
            unit("phuong-a", "khu-vuc-1", kind="ward", topics=("sanitation",)),
            unit("phuong-b", "khu-vuc-1", kind="ward", topics=("sanitation",)),
        ]
    )
    assert codes(regrouped.ancestors("phuong-a")) == ["khu-vuc-1", "city"]
    assert codes(regrouped.ancestors("phuong-c")) == ["city"]
    assert regrouped.depth("phuong-b") == 2

    # gain a level on top: the city office now reports to a new root
    topped = regrouped.apply(
        upserts=[unit("quoc-gia", None, kind="national"), unit("city", "quoc-gia", kind="city_office")]
    )
    assert topped.root.code == "quoc-gia"
    assert codes(topped.ancestors("phuong-a")) == ["khu-vuc-1", "city", "quoc-gia"]

    # lose the middle level again: the area office goes, its wards return to the city
    flattened = topped.apply(
        upserts=[unit("phuong-a", "city", kind="ward"), unit("phuong-b", "city", kind="ward")],
        removals=["khu-vuc-1"],
    )
    assert codes(flattened.ancestors("phuong-a")) == ["city", "quoc-gia"]
    assert "khu-vuc-1" not in flattened
    assert max(flattened.depth(u.code) for u in flattened) == 2
