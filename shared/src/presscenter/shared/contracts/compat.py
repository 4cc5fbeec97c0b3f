"""Breaking-change detection between two JSON Schemas of the same published contract version.

A published version is a promise both ways: messages valid before stay valid (producers such as
the departments' systems keep working) and consumers written against it still understand every
message. Breaking, reported field by field after resolving `$ref`:

- a field removed; a new required field; an optional field made required or a required one optional;
- a changed type, including a nullable field made non-nullable and the reverse;
- a removed enum value, a changed `const`, `format` or `pattern`;
- a tightened bound (`maxLength` lowered, `minimum` raised, ...) or extra properties forbidden.

Compatible: a new optional field, a loosened bound, and a new enum value: consumers must treat a
value they do not know like an unknown field (ignore the message or fall back to a default),
so adding one to a published version is allowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Schema = Mapping[str, Any]

# Bounds whose raising (lower bounds) or lowering (upper bounds) rejects messages valid before.
_LOWER_BOUNDS = ("minLength", "minimum", "exclusiveMinimum", "minItems", "minProperties")
_UPPER_BOUNDS = ("maxLength", "maximum", "exclusiveMaximum", "maxItems", "maxProperties")


def breaking_changes(old: Schema, new: Schema) -> list[str]:
    """Each incompatibility of `new` against the published `old`, as `path: what changed`."""
    problems: list[str] = []
    _Comparison(old, new, problems).compare(old, new, "", frozenset())
    return problems


def resolve(document: Schema, node: Schema) -> tuple[Schema, str | None]:
    """`node` with its local `$ref` chain followed (siblings of `$ref` kept); also the last ref."""
    ref = None
    seen: set[str] = set()
    while "$ref" in node:
        ref = node["$ref"]
        if ref in seen:
            raise ValueError(f"circular $ref {ref}")
        seen.add(ref)
        target = _pointer(document, ref)
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node, ref


def _pointer(document: Schema, ref: str) -> Schema:
    if not ref.startswith("#"):
        raise ValueError(f"only local $ref is supported, got {ref!r}")
    node: Any = document
    for part in filter(None, ref[1:].split("/")):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _variants(document: Schema, node: Schema) -> tuple[bool, list[tuple[Schema, str | None]]]:
    """(nullable, the non-null alternatives) of a node, each alternative resolved."""
    node, ref = resolve(document, node)
    for key in ("anyOf", "oneOf"):
        if key in node:
            nullable, out = False, []
            for option in node[key]:
                option_nullable, options = _variants(document, option)
                nullable |= option_nullable
                out.extend(options)
            return nullable, out
    types = node.get("type")
    if isinstance(types, list):
        rest = [t for t in types if t != "null"]
        node = {**node, "type": rest[0] if len(rest) == 1 else rest}
        return "null" in types, [(node, ref)] if rest else []
    if node.get("type") == "null" or node.get("const", 0) is None:
        return True, []
    return False, [(node, ref)]


def _kind(node: Schema) -> str:
    if isinstance(node.get("type"), list):
        return "|".join(sorted(node["type"]))
    if "type" in node:
        return str(node["type"])
    if "properties" in node:
        return "object"
    values = node["enum"] if "enum" in node else [node["const"]] if "const" in node else None
    if values:
        return "|".join(sorted({_json_type(v) for v in values}))
    return "any"


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    return {float: "number", str: "string", list: "array", dict: "object"}.get(type(value), "null")


def _describe(kinds: list[str], nullable: bool) -> str:
    return "|".join([*sorted(kinds), *(["null"] if nullable else [])]) or "nothing"


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path and not name.startswith("[") else f"{path}{name}"


class _Comparison:
    """Walks the published (`old`) and the regenerated (`new`) schema side by side."""

    def __init__(self, old_doc: Schema, new_doc: Schema, problems: list[str]):
        self.old_doc, self.new_doc, self.problems = old_doc, new_doc, problems

    def report(self, path: str, message: str) -> None:
        self.problems.append(f"{path or '(root)'}: {message}")

    def compare(self, old: Schema, new: Schema, path: str, visiting: frozenset[tuple[str, str]]) -> None:
        old_nullable, old_options = _variants(self.old_doc, old)
        new_nullable, new_options = _variants(self.new_doc, new)
        old_kinds = [_kind(node) for node, _ in old_options]
        new_kinds = [_kind(node) for node, _ in new_options]
        if sorted(old_kinds) != sorted(new_kinds) or old_nullable != new_nullable:
            self.report(path, f"type {_describe(old_kinds, old_nullable)} -> {_describe(new_kinds, new_nullable)}")
            return
        unmatched = list(new_options)
        for (old_node, old_ref), kind in zip(old_options, old_kinds, strict=True):
            index = next(i for i, (node, _) in enumerate(unmatched) if _kind(node) == kind)
            new_node, new_ref = unmatched.pop(index)
            pair = (old_ref or "", new_ref or "")
            if old_ref and new_ref and pair in visiting:
                continue  # a recursive model: this pair is already being compared further up
            self.compare_node(old_node, new_node, path, visiting | {pair})

    def compare_node(self, old: Schema, new: Schema, path: str, visiting: frozenset[tuple[str, str]]) -> None:
        self.compare_values(old, new, path)
        for key in ("format", "pattern"):
            if old.get(key) != new.get(key):
                self.report(path, f"{key} {old.get(key, 'none')} -> {new.get(key, 'none')}")
        for key in _LOWER_BOUNDS:
            if key in new and (key not in old or new[key] > old[key]):
                self.report(path, f"{key} {old.get(key, 'none')} -> {new[key]}")
        for key in _UPPER_BOUNDS:
            if key in new and (key not in old or new[key] < old[key]):
                self.report(path, f"{key} {old.get(key, 'none')} -> {new[key]}")
        if "properties" in old or "properties" in new:
            self.compare_properties(old, new, path, visiting)
        self.compare_extra(old, new, path, visiting)
        if isinstance(old.get("items"), Mapping) and isinstance(new.get("items"), Mapping):
            self.compare(old["items"], new["items"], _join(path, "[]"), visiting)

    def compare_values(self, old: Schema, new: Schema, path: str) -> None:
        if "const" in old and "const" in new:
            if old["const"] != new["const"]:
                self.report(path, f"const {old['const']!r} -> {new['const']!r}")
            return
        old_values = old["enum"] if "enum" in old else [old["const"]] if "const" in old else None
        new_values = new["enum"] if "enum" in new else [new["const"]] if "const" in new else None
        if new_values is None:
            return  # no restriction any more: every old value is still accepted
        if old_values is None:
            self.report(path, f"restricted to {sorted(new_values, key=repr)!r}")
            return
        removed = [v for v in old_values if v not in new_values]
        if removed:
            self.report(path, f"enum values removed: {', '.join(repr(v) for v in removed)}")

    def compare_properties(self, old: Schema, new: Schema, path: str, visiting: frozenset[tuple[str, str]]) -> None:
        old_props, new_props = old.get("properties", {}), new.get("properties", {})
        old_required, new_required = set(old.get("required", ())), set(new.get("required", ()))
        for name, old_prop in old_props.items():
            field_path = _join(path, name)
            if name not in new_props:
                self.report(field_path, "field removed")
                continue
            if name in old_required and name not in new_required:
                self.report(field_path, "required -> optional")
            elif name in new_required and name not in old_required:
                self.report(field_path, "optional -> required")
            self.compare(old_prop, new_props[name], field_path, visiting)
        for name in new_props:
            if name not in old_props and name in new_required:
                self.report(_join(path, name), "new required field")

    def compare_extra(self, old: Schema, new: Schema, path: str, visiting: frozenset[tuple[str, str]]) -> None:
        old_extra, new_extra = old.get("additionalProperties", True), new.get("additionalProperties", True)
        if new_extra is False and old_extra is not False:
            self.report(path, "additional properties forbidden")
        elif isinstance(old_extra, Mapping) and isinstance(new_extra, Mapping):
            self.compare(old_extra, new_extra, _join(path, "*"), visiting)
