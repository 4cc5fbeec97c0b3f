"""Which unit answers a question: categories, the place, keyword rules and a default, with a reason.

The rules are data (`data/categories.json`, `data/routing_rules.json`); units and their topics
come from the unit directory, so a unit added by a `directory_updated` event is routed to as
soon as it serves a topic. The decision order (the first that gives an active unit wins):

1. `override:<id>`: an explicit category x place entry (place = a unit code, `kind:<kind>` or `*`);
2. `place-serves-topic`: the place's own unit serves one of the category's topics;
3. `keyword:<id>`: keyword phrases found in the folded title and body (most phrases wins, then file
   order); a rule whose unit is `@place` sends the question to the place's unit;
4. `topic-owner`: for the category's topics in order, the shallowest non-local unit serving it;
5. `default`: the city office.

A place is a unit code of the directory, or an address: its folded text is matched against the
names of local units (wards, communes), with and without their kind word ("phường Hoàn Kiếm",
"Hoàn Kiếm"); a full name beats a bare one, and among equals the rightmost in the address wins
(Vietnamese addresses run street → ward → city, and streets are often named like wards). An
address naming only the city ("Hà Nội") means the city office. Anything else is refused.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from presscenter.shared.directory import UnitTree
from presscenter.shared.events.common import Priority
from presscenter.shared.events.departments import DirectoryUnit
from presscenter.shared.rpc.errors import InvalidInput
from presscenter.shared.text import tokens

CATEGORIES_FILE = "categories.json"
RULES_FILE = "routing_rules.json"
PLACE_UNIT = "@place"
_UNIT_CODE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


class RoutingError(ValueError):
    """The routing data is not valid."""


def folded(text: str) -> str:
    """Folded syllables joined by single spaces: the form phrases and names are matched in."""
    return " ".join(tokens(text))


def _contains(haystack: str, phrase: str) -> int:
    """The rightmost token-aligned position of `phrase` in `haystack` (both folded), or -1."""
    return f" {haystack} ".rfind(f" {phrase} ")


@dataclass(frozen=True)
class Category:
    code: str
    name_vi: str
    name_en: str
    group: str
    topics: tuple[str, ...]
    hours: Mapping[Priority, float] | None = None


@dataclass(frozen=True)
class Override:
    id: str
    category: str
    place: str  # a unit code, "kind:<kind>" or "*"
    unit_code: str
    note: str = ""

    def applies(self, category: str, place: DirectoryUnit | None) -> bool:
        if category != self.category:
            return False
        if self.place == "*":
            return True
        if place is None:
            return False
        if self.place.startswith("kind:"):
            return place.kind == self.place.removeprefix("kind:")
        return place.code == self.place


@dataclass(frozen=True)
class KeywordRule:
    id: str
    phrases: tuple[str, ...]  # folded
    unit_code: str  # a unit code or PLACE_UNIT
    categories: frozenset[str] = frozenset()  # empty: every category

    def matches(self, category: str, text: str) -> list[str]:
        if self.categories and category not in self.categories:
            return []
        return [phrase for phrase in self.phrases if _contains(text, phrase) >= 0]


@dataclass(frozen=True)
class PlaceMatch:
    unit_code: str
    how: str


@dataclass(frozen=True)
class Decision:
    """Where a question goes and why: `rule` names the rule, `reason` says it in words."""

    unit_code: str
    rule: str
    reason: str


@dataclass(frozen=True)
class RoutingRules:
    categories: Mapping[str, Category]
    overrides: tuple[Override, ...] = ()
    keywords: tuple[KeywordRule, ...] = ()
    default_unit: str = "ubnd-hn"
    local_kinds: frozenset[str] = frozenset({"ward", "commune"})
    place_prefixes: tuple[str, ...] = ("phuong", "xa", "thi tran")
    city_aliases: tuple[str, ...] = ("ha noi",)
    _prefix_words: tuple[tuple[str, ...], ...] = field(default=(), repr=False)

    # -- categories -----------------------------------------------------------------------------

    def category(self, code: str, field_name: str = "category") -> Category:
        """The category `code`; `InvalidInput` naming the known ones otherwise."""
        found = self.categories.get(code)
        if found is None:
            known = ", ".join(sorted(self.categories))
            raise InvalidInput(f"unknown category {code!r}; known categories: {known}", field_name)
        return found

    def category_hours(self) -> dict[str, Mapping[Priority, float]]:
        return {code: cat.hours for code, cat in self.categories.items() if cat.hours}

    # -- places ---------------------------------------------------------------------------------

    def resolve_place(self, place: str | None, tree: UnitTree, field_name: str = "place") -> PlaceMatch | None:
        """The unit a place names (None without a place); `InvalidInput` when it names none."""
        if place is None or not place.strip():
            return None
        text = place.strip()
        if _UNIT_CODE.match(text):
            unit = tree.get(text)
            if unit is not None:
                return PlaceMatch(unit.code, f"place is the unit code {unit.code}")
            if "-" in text or "." in text or "_" in text:
                raise InvalidInput(f"unknown unit {text!r}: not in the unit directory", field_name)
        address = folded(text)
        if not address:
            raise InvalidInput("the place has no letters or digits", field_name)
        best: tuple[int, int, int, str, str] | None = None  # (full?, position, length, code, name)
        for unit in tree:
            if unit.kind not in self.local_kinds or not unit.active:
                continue
            for name, full in self._names(unit):
                position = _contains(address, name)
                if position < 0:
                    continue
                key = (int(full), position, len(name), unit.code, name)
                if best is None or key[:3] > best[:3]:
                    best = key
        if best is not None:
            full, _, _, code, name = best
            how = f"the address names {'the unit' if full else 'the place'} '{name}'"
            return PlaceMatch(code, how)
        for alias in self.city_aliases:
            if _contains(address, alias) >= 0:
                return PlaceMatch(tree.root.code, f"the address names the whole city ('{alias}')")
        raise InvalidInput(
            f"no ward, commune or unit of the directory matches the place {text!r}; give a unit code "
            "(e.g. phuong-hoan-kiem) or an address with the ward or commune name",
            field_name,
        )

    def _names(self, unit: DirectoryUnit) -> list[tuple[str, bool]]:
        """(folded name, is it the full name) pairs a local unit is recognised by."""
        names: list[tuple[str, bool]] = []
        for raw in (unit.name.vi, unit.name.en or ""):
            full = folded(raw)
            if not full:
                continue
            names.append((full, True))
            words = full.split()
            for prefix in self._prefixes():
                size = len(prefix)
                if tuple(words[:size]) == prefix and len(words) > size:
                    names.append((" ".join(words[size:]), False))
                if tuple(words[-size:]) == prefix and len(words) > size:
                    names.append((" ".join(words[:-size]), False))
        return names

    def _prefixes(self) -> tuple[tuple[str, ...], ...]:
        return self._prefix_words or tuple(tuple(p.split()) for p in self.place_prefixes)

    # -- routing --------------------------------------------------------------------------------

    def route(self, tree: UnitTree, category: str, place_unit: str | None, title: str, body: str) -> Decision:
        """The unit for a question and the reason (see the module docstring for the order)."""
        cat = self.category(category)
        place = tree.get(place_unit) if place_unit else None
        for override in self.overrides:
            if override.applies(category, place) and _active(tree, override.unit_code):
                why = override.note or f"category {category} at {place.code if place else 'any place'}"
                reason = f"{why.rstrip('.')} → {_label(tree, override.unit_code)}"
                return Decision(override.unit_code, f"override:{override.id}", reason)
        if place is not None and place.code != tree.root.code and place.active:
            served = [topic for topic in cat.topics if topic in place.topics]
            if served:
                return Decision(
                    place.code,
                    "place-serves-topic",
                    f"the place {_label(tree, place.code)} handles '{served[0]}' itself (category {category})",
                )
        text = folded(f"{title}\n{body}")
        best: tuple[int, int, KeywordRule, list[str]] | None = None
        for order, rule in enumerate(self.keywords):
            found = rule.matches(category, text)
            target = place.code if rule.unit_code == PLACE_UNIT and place is not None else rule.unit_code
            if not found or target == PLACE_UNIT or not _active(tree, target):
                continue
            if best is None or (len(found), -order) > (best[0], best[1]):
                best = (len(found), -order, rule, found)
        if best is not None:
            _, _, rule, found = best
            target = place.code if rule.unit_code == PLACE_UNIT and place is not None else rule.unit_code
            phrases = ", ".join(f"'{p}'" for p in found)
            return Decision(target, f"keyword:{rule.id}", f"the text mentions {phrases} → {_label(tree, target)}")
        for topic in cat.topics:
            owners = [u for u in tree.units_serving(topic) if u.kind not in self.local_kinds]
            if owners:
                owner = owners[0]
                return Decision(
                    owner.code,
                    "topic-owner",
                    f"category {category}: '{topic}' is handled by {_label(tree, owner.code)}",
                )
        default = self.default_unit if _active(tree, self.default_unit) else tree.root.code
        return Decision(default, "default", f"no rule matched category {category}: the city office answers")


def _active(tree: UnitTree, code: str) -> bool:
    unit = tree.get(code)
    return unit is not None and unit.active


def _label(tree: UnitTree, code: str) -> str:
    unit = tree.get(code)
    return f"{code} ({unit.name.vi})" if unit is not None else code


# --- loading -------------------------------------------------------------------------------------


def _read(name: str, path: str | None) -> Any:
    if path:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    return json.loads(resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8"))


def _categories(data: Iterable[Mapping[str, Any]]) -> dict[str, Category]:
    out: dict[str, Category] = {}
    for item in data:
        code = str(item["code"])
        if code in out:
            raise RoutingError(f"category {code!r} is listed twice")
        hours = item.get("hours")
        out[code] = Category(
            code=code,
            name_vi=str(item["name_vi"]),
            name_en=str(item["name_en"]),
            group=str(item.get("group", "general")),
            topics=tuple(item.get("topics", ())),
            hours={"normal": float(hours["normal"]), "urgent": float(hours["urgent"])} if hours else None,
        )
    return out


def rules_from_data(categories: Mapping[str, Any], rules: Mapping[str, Any]) -> RoutingRules:
    """Routing rules from the two JSON documents; `RoutingError` when they contradict themselves."""
    try:
        cats = _categories(categories["categories"])
        overrides = tuple(
            Override(str(o["id"]), str(o["category"]), str(o["place"]), str(o["unit_code"]), str(o.get("note", "")))
            for o in rules.get("overrides", [])
        )
        keywords = tuple(
            KeywordRule(
                id=str(k["id"]),
                phrases=tuple(folded(p) for p in k["phrases"]),
                unit_code=str(k["unit_code"]),
                categories=frozenset(k.get("categories", [])),
            )
            for k in rules.get("keywords", [])
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise RoutingError(f"invalid routing data: {type(exc).__name__}: {exc}") from None
    unknown = sorted(
        {o.category for o in overrides if o.category not in cats}
        | {c for k in keywords for c in k.categories if c not in cats}
    )
    if unknown:
        raise RoutingError(f"routing rules name unknown categories: {', '.join(unknown)}")
    empty = [k.id for k in keywords if not all(k.phrases)]
    if empty:
        raise RoutingError(f"keyword rules with an empty phrase: {', '.join(empty)}")
    prefixes = tuple(str(p) for p in rules.get("place_prefixes", ("phuong", "xa")))
    return RoutingRules(
        categories=cats,
        overrides=overrides,
        keywords=keywords,
        default_unit=str(rules.get("default_unit", "ubnd-hn")),
        local_kinds=frozenset(rules.get("local_kinds", ("ward", "commune"))),
        place_prefixes=prefixes,
        city_aliases=tuple(folded(a) for a in rules.get("city_aliases", ("ha noi",))),
        _prefix_words=tuple(tuple(folded(p).split()) for p in prefixes),
    )


def load_rules(categories_path: str | None = None, rules_path: str | None = None) -> RoutingRules:
    """The shipped categories and routing rules, or the JSON files at the given paths."""
    return rules_from_data(_read(CATEGORIES_FILE, categories_path), _read(RULES_FILE, rules_path))
