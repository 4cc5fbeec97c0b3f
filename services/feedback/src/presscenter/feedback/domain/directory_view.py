"""Reading the unit directory: search by name, filters, tree-order pages, one unit in its chain.

Pure functions over a `UnitTree`. Names match folded (diacritics-insensitive, "ha noi" finds
"Hà Nội"), word by word, each query word the start of a word of the unit's Vietnamese or English
name or of its code, so typing "hoan ki" already finds "Phường Hoàn Kiếm". Pages follow the tree
order (root first, level by level, siblings by code); a cursor names the last unit shown, so a
page continues after it even if units were added meanwhile.
"""

from __future__ import annotations

import base64
import binascii
import json

from presscenter.shared.directory import UnitTree
from presscenter.shared.events.departments import DirectoryUnit
from presscenter.shared.rpc.errors import InvalidInput, NotFound
from presscenter.shared.rpc.feedback import GetUnit, UnitDetail, UnitPage, UnitsQuery, UnitView
from presscenter.shared.text import tokens


def unit_view(tree: UnitTree, unit: DirectoryUnit) -> UnitView:
    return UnitView(
        code=unit.code,
        name=unit.name,
        kind=unit.kind,
        parent_code=unit.parent_code,
        topics=tuple(unit.topics),
        contacts=tuple(unit.contacts),
        calendar=unit.calendar,
        active=unit.active,
        depth=tree.depth(unit.code),
        child_count=len(tree.children(unit.code)),
    )


def searchable_words(unit: DirectoryUnit) -> frozenset[str]:
    """The folded words a unit is found by: its names' and its code's."""
    return frozenset(tokens(f"{unit.name.vi} {unit.name.en or ''} {unit.code}"))


def matches(words: frozenset[str], query_words: list[str]) -> bool:
    """Every query word starts one of `words`."""
    return all(any(word.startswith(wanted) for word in words) for wanted in query_words)


def encode_cursor(code: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": code}).encode()).decode()


def decode_cursor(cursor: str) -> str:
    try:
        after = json.loads(base64.urlsafe_b64decode(cursor.encode()))["after"]
    except (ValueError, TypeError, KeyError, binascii.Error):
        after = None
    if not isinstance(after, str):
        raise InvalidInput("not a cursor this service gave out; start again without it", "cursor")
    return after


def find_units(tree: UnitTree, query: UnitsQuery, revision: str) -> UnitPage:
    """The units `query` selects, one page of them in tree order."""
    parent = tree.require(query.parent, "parent") if query.parent is not None else None
    candidates = tree.children(parent.code) if parent is not None else list(tree)
    wanted = tokens(query.q) if query.q is not None else []
    if query.q is not None and not wanted:
        raise InvalidInput("give at least one letter or digit to search for", "q")
    selected = [
        unit
        for unit in candidates
        if (query.include_inactive or unit.active)
        and (query.kind is None or unit.kind == query.kind)
        and (not wanted or matches(searchable_words(unit), wanted))
    ]
    if query.cursor:
        after = decode_cursor(query.cursor)
        order = {unit.code: index for index, unit in enumerate(tree)}
        if after not in order:
            raise InvalidInput("the unit this cursor continues after left the directory; start again", "cursor")
        selected = [unit for unit in selected if order[unit.code] > order[after]]
    page = selected[: query.limit]
    next_cursor = encode_cursor(page[-1].code) if len(selected) > query.limit else None
    return UnitPage(items=[unit_view(tree, unit) for unit in page], next_cursor=next_cursor, revision=revision)


def unit_detail(tree: UnitTree, request: GetUnit, revision: str) -> UnitDetail:
    """One unit with its ancestors (nearest first) and its children; `NotFound` for an unknown code."""
    unit = tree.get(request.code)
    if unit is None:
        raise NotFound(f"no unit {request.code!r} in the directory", "code")
    return UnitDetail(
        unit=unit_view(tree, unit),
        ancestors=[unit_view(tree, above) for above in tree.ancestors(unit.code)],
        children=[unit_view(tree, below) for below in tree.children(unit.code)],
        revision=revision,
    )
