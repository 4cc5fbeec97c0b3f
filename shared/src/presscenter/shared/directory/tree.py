"""The unit directory as a validated, immutable tree.

A `UnitTree` is built only through `UnitTree.build` (or `apply`, which builds a new one), so every
tree in memory has unique codes, existing parents, no cycles and exactly one root. Depth is data:
nothing here assumes how many levels lie between the root and a ward or commune.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

from presscenter.shared.events.common import Contact, LocalizedText
from presscenter.shared.events.departments import DirectoryUnit
from presscenter.shared.rpc.errors import InvalidInput
from presscenter.shared.text import normalize


class DirectoryError(InvalidInput):
    """The directory, or an update to it, is not a valid tree. `problem` names the kind, `codes` the units."""

    title = "Invalid unit directory"

    def __init__(self, detail: str, field: str | None = "units", **extra: Any):
        super().__init__(detail, field, **extra)

    @property
    def problem(self) -> str:
        """duplicate, dangling_parent, cycle, multiple_roots, no_root, unknown_unit, has_children, conflict."""
        return str(self.extra.get("problem", ""))

    @property
    def codes(self) -> list[str]:
        """The unit codes the problem is about."""
        return list(self.extra.get("codes", []))


def _nfc_unit(unit: DirectoryUnit) -> DirectoryUnit:
    """`unit` with its names and contact names in NFC (the same object when they already are)."""
    name = LocalizedText(vi=normalize(unit.name.vi), en=normalize(unit.name.en) if unit.name.en else unit.name.en)
    contacts = [
        c if normalize(c.name) == c.name else Contact(**{**c.model_dump(), "name": normalize(c.name)})
        for c in unit.contacts
    ]
    if name == unit.name and contacts == unit.contacts:
        return unit
    return unit.model_copy(update={"name": name, "contacts": contacts})


def _find_cycles(parents: dict[str, str | None]) -> list[list[str]]:
    """Every cycle of parent links, each as a path child → parent → ... → back to its first code."""
    done: set[str] = set()
    cycles: list[list[str]] = []
    for start in sorted(parents):
        path: list[str] = []
        on_path: dict[str, int] = {}
        node: str | None = start
        while node is not None and node not in done and node not in on_path:
            on_path[node] = len(path)
            path.append(node)
            node = parents[node]
        if node is not None and node in on_path:
            loop = path[on_path[node] :]
            first = loop.index(min(loop))
            loop = loop[first:] + loop[:first]
            cycles.append([*loop, loop[0]])
        done.update(path)
    return cycles


class UnitTree:
    """An immutable, validated tree of directory units. Build it with `UnitTree.build`."""

    __slots__ = ("_children", "_depth", "_order", "_root", "_units")

    def __init__(self, units: dict[str, DirectoryUnit], root: str) -> None:
        """Internal: `units` must already be validated; use `build`."""
        self._units = units
        self._root = root
        children: dict[str, list[str]] = {code: [] for code in units}
        for unit in units.values():
            if unit.parent_code is not None:
                children[unit.parent_code].append(unit.code)
        self._children = {code: tuple(sorted(kids)) for code, kids in children.items()}
        order: list[str] = []
        depth: dict[str, int] = {root: 0}
        queue = deque([root])
        while queue:
            code = queue.popleft()
            order.append(code)
            for kid in self._children[code]:
                depth[kid] = depth[code] + 1
                queue.append(kid)
        self._order = tuple(order)
        self._depth = depth

    @classmethod
    def build(cls, units: Iterable[DirectoryUnit]) -> UnitTree:
        """Validate `units` as one tree; raise `DirectoryError` naming what is wrong."""
        by_code: dict[str, DirectoryUnit] = {}
        duplicates: set[str] = set()
        for unit in units:
            if unit.code in by_code:
                duplicates.add(unit.code)
            by_code[unit.code] = _nfc_unit(unit)
        if duplicates:
            codes = sorted(duplicates)
            raise DirectoryError(f"duplicate unit codes: {', '.join(codes)}", problem="duplicate", codes=codes)

        dangling = sorted(
            (u.code, u.parent_code)
            for u in by_code.values()
            if u.parent_code is not None and u.parent_code not in by_code
        )
        if dangling:
            detail = "; ".join(
                f"unit '{code}' names parent '{parent}', which is not in the directory" for code, parent in dangling
            )
            raise DirectoryError(
                detail,
                problem="dangling_parent",
                codes=[code for code, _ in dangling],
                missing=sorted({parent for _, parent in dangling}),
            )

        cycles = _find_cycles({code: unit.parent_code for code, unit in by_code.items()})
        if cycles:
            detail = "; ".join(" → ".join(loop) for loop in cycles)
            raise DirectoryError(
                f"parent links form a cycle: {detail}",
                problem="cycle",
                codes=sorted({code for loop in cycles for code in loop}),
            )

        roots = sorted(code for code, unit in by_code.items() if unit.parent_code is None)
        if not roots:
            raise DirectoryError("the directory has no root unit", problem="no_root", codes=[])
        if len(roots) > 1:
            raise DirectoryError(
                f"more than one root unit (units without a parent): {', '.join(roots)}",
                problem="multiple_roots",
                codes=roots,
            )
        return cls(by_code, roots[0])

    # -- lookup ---------------------------------------------------------------------------------

    def __contains__(self, code: object) -> bool:
        return code in self._units

    def __len__(self) -> int:
        return len(self._units)

    def __iter__(self) -> Iterator[DirectoryUnit]:
        """Units root first, then level by level, siblings by code."""
        return (self._units[code] for code in self._order)

    def get(self, code: str) -> DirectoryUnit | None:
        """The unit with `code`, or None."""
        return self._units.get(code)

    def require(self, code: str, field: str | None = "unit_code") -> DirectoryUnit:
        """The unit with `code`; an unknown code raises `DirectoryError` (problem unknown_unit) on `field`."""
        unit = self._units.get(code)
        if unit is None:
            raise DirectoryError(f"unknown unit '{code}'", field, problem="unknown_unit", codes=[code])
        return unit

    @property
    def root(self) -> DirectoryUnit:
        return self._units[self._root]

    def parent(self, code: str) -> DirectoryUnit | None:
        """The parent of `code`; None for the root."""
        parent_code = self.require(code).parent_code
        return None if parent_code is None else self._units[parent_code]

    def ancestors(self, code: str) -> list[DirectoryUnit]:
        """The units above `code`, nearest first, ending with the root: the escalation chain."""
        chain: list[DirectoryUnit] = []
        parent = self.parent(code)
        while parent is not None:
            chain.append(parent)
            parent = None if parent.parent_code is None else self._units[parent.parent_code]
        return chain

    def children(self, code: str) -> list[DirectoryUnit]:
        """The units directly under `code`, by code."""
        self.require(code)
        return [self._units[kid] for kid in self._children[code]]

    def descendants(self, code: str) -> list[DirectoryUnit]:
        """Every unit below `code`, level by level (nearest first), siblings by code."""
        self.require(code)
        found: list[DirectoryUnit] = []
        queue = deque(self._children[code])
        while queue:
            kid = queue.popleft()
            found.append(self._units[kid])
            queue.extend(self._children[kid])
        return found

    def depth(self, code: str) -> int:
        """Levels between `code` and the root (the root is 0)."""
        self.require(code)
        return self._depth[code]

    def is_within(self, code: str, ancestor: str) -> bool:
        """True when `code` is `ancestor` or lies below it (a supervising unit sees its subtree)."""
        self.require(ancestor, "ancestor")
        return code == ancestor or any(unit.code == ancestor for unit in self.ancestors(code))

    def units_serving(self, topic: str, *, include_inactive: bool = False) -> list[DirectoryUnit]:
        """Units whose topics include `topic` (exact code), in tree order; inactive ones only if asked."""
        return [unit for unit in self if topic in unit.topics and (include_inactive or unit.active)]

    # -- change ---------------------------------------------------------------------------------

    def apply(self, upserts: Iterable[DirectoryUnit] = (), removals: Iterable[str] = ()) -> UnitTree:
        """A NEW tree with `upserts` added or replaced and `removals` gone; this tree never changes.

        A removed unit's children must be re-parented (or removed) in the same update. Any problem
        raises `DirectoryError` and nothing is applied.
        """
        upsert_list = list(upserts)
        removal_set = set(removals)
        seen: set[str] = set()
        twice: set[str] = set()
        for unit in upsert_list:
            (twice if unit.code in seen else seen).add(unit.code)
        repeated = sorted(twice)
        if repeated:
            raise DirectoryError(
                f"units upserted twice in one update: {', '.join(repeated)}",
                "upserts",
                problem="duplicate",
                codes=repeated,
            )
        both = sorted(removal_set & seen)
        if both:
            raise DirectoryError(
                f"units both upserted and removed in one update: {', '.join(both)}",
                "removals",
                problem="conflict",
                codes=both,
            )
        unknown = sorted(removal_set - self._units.keys())
        if unknown:
            raise DirectoryError(
                f"cannot remove unknown units: {', '.join(unknown)}", "removals", problem="unknown_unit", codes=unknown
            )

        units = {code: unit for code, unit in self._units.items() if code not in removal_set}
        units.update((unit.code, unit) for unit in upsert_list)
        stranded: dict[str, list[str]] = {}
        for unit in units.values():
            if unit.parent_code in removal_set:
                stranded.setdefault(unit.parent_code, []).append(unit.code)
        if stranded:
            detail = "; ".join(
                f"cannot remove '{parent}': {', '.join(sorted(kids))} still under it"
                for parent, kids in sorted(stranded.items())
            )
            raise DirectoryError(
                f"{detail} (re-parent or remove them in the same update)",
                "removals",
                problem="has_children",
                codes=sorted(stranded),
                children=sorted(kid for kids in stranded.values() for kid in kids),
            )
        return UnitTree.build(units.values())

    def to_list(self) -> list[DirectoryUnit]:
        """All units, parents before children: `UnitTree.build(tree.to_list())` gives the same tree."""
        return list(self)
