"""Breaking-change detection: the pure rules on small schemas, then end to end through the CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from presscenter.shared.contracts import cli
from presscenter.shared.contracts.compat import breaking_changes
from presscenter.shared.events import catalog as event_catalog
from presscenter.shared.events.catalog import CatalogEntry
from presscenter.shared.events.releases import ReleasePublished, ReleaseSnapshot
from presscenter.shared.rpc import catalog as rpc_catalog
from presscenter.shared.rpc.catalog import RpcSpec
from presscenter.shared.rpc.health import HealthReport

STR: dict[str, Any] = {"type": "string"}
INT: dict[str, Any] = {"type": "integer"}


def obj(properties: dict[str, Any], required: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(required), **extra}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}], "default": None}


# -- pure rules ----------------------------------------------------------------------------


def test_identical_schemas_are_compatible() -> None:
    schema = obj({"title": STR, "count": INT}, ("title",))
    assert breaking_changes(schema, schema) == []


def test_removed_field_is_breaking() -> None:
    old = obj({"title": STR, "lead": STR}, ("title",))
    new = obj({"title": STR}, ("title",))
    assert breaking_changes(old, new) == ["lead: field removed"]


def test_retyped_field_is_breaking() -> None:
    old = obj({"title": STR}, ("title",))
    new = obj({"title": INT}, ("title",))
    assert breaking_changes(old, new) == ["title: type string -> integer"]


def test_optional_field_made_required_is_breaking() -> None:
    old = obj({"title": STR, "lead": STR}, ("title",))
    new = obj({"title": STR, "lead": STR}, ("title", "lead"))
    assert breaking_changes(old, new) == ["lead: optional -> required"]


def test_required_field_made_optional_is_breaking() -> None:
    old = obj({"title": STR}, ("title",))
    new = obj({"title": STR})
    assert breaking_changes(old, new) == ["title: required -> optional"]


def test_new_required_field_is_breaking() -> None:
    old = obj({"title": STR}, ("title",))
    new = obj({"title": STR, "unit_code": STR}, ("title", "unit_code"))
    assert breaking_changes(old, new) == ["unit_code: new required field"]


def test_new_optional_field_is_compatible() -> None:
    old = obj({"title": STR}, ("title",))
    new = obj({"title": STR, "subtitle": nullable(STR)}, ("title",))
    assert breaking_changes(old, new) == []


def test_enum_value_removed_is_breaking_and_added_is_compatible() -> None:
    old = obj({"status": {"type": "string", "enum": ["draft", "published", "withdrawn"]}})
    removed = obj({"status": {"type": "string", "enum": ["draft", "published"]}})
    added = obj({"status": {"type": "string", "enum": ["draft", "published", "withdrawn", "archived"]}})
    assert breaking_changes(old, removed) == ["status: enum values removed: 'withdrawn'"]
    assert breaking_changes(old, added) == []


def test_const_changed_is_breaking_and_const_widened_to_enum_is_compatible() -> None:
    old = obj({"type": {"type": "string", "const": "release_published"}})
    assert breaking_changes(old, obj({"type": {"type": "string", "const": "release_withdrawn"}})) == [
        "type: const 'release_published' -> 'release_withdrawn'"
    ]
    widened = obj({"type": {"type": "string", "enum": ["release_published", "release_corrected"]}})
    assert breaking_changes(old, widened) == []


def test_format_changes_are_breaking() -> None:
    old = obj({"at": {"type": "string", "format": "date-time"}})
    assert breaking_changes(old, obj({"at": {"type": "string", "format": "date"}})) == ["at: format date-time -> date"]
    assert breaking_changes(old, obj({"at": STR})) == ["at: format date-time -> none"]


def test_nullability_changes_are_breaking_both_ways() -> None:
    optional = obj({"note": nullable(STR)})
    plain = obj({"note": STR})
    assert breaking_changes(optional, plain) == ["note: type string|null -> string"]
    assert breaking_changes(plain, optional) == ["note: type string -> string|null"]


def test_tightened_bounds_are_breaking_and_loosened_are_compatible() -> None:
    old = obj({"title": {"type": "string", "maxLength": 500, "minLength": 1}})
    tighter = obj({"title": {"type": "string", "maxLength": 200, "minLength": 1}})
    looser = obj({"title": {"type": "string", "maxLength": 1000}})
    assert breaking_changes(old, tighter) == ["title: maxLength 500 -> 200"]
    assert breaking_changes(old, looser) == []


def test_pattern_change_is_breaking() -> None:
    old = obj({"code": {"type": "string", "pattern": "^[a-z]+$"}})
    new = obj({"code": {"type": "string", "pattern": "^[a-z0-9]+$"}})
    assert breaking_changes(old, new) == ["code: pattern ^[a-z]+$ -> ^[a-z0-9]+$"]


def test_nested_ref_change_is_found_field_by_field() -> None:
    def envelope(title: dict[str, Any], defs_name: str = "Snapshot") -> dict[str, Any]:
        return {
            "$defs": {
                defs_name: obj({"title": title, "body": STR}, ("title",)),
                "Payload": obj({"release": {"$ref": f"#/$defs/{defs_name}"}}, ("release",)),
            },
            **obj({"payload": {"$ref": "#/$defs/Payload"}}, ("payload",)),
        }

    assert breaking_changes(envelope(STR), envelope(INT)) == ["payload.release.title: type string -> integer"]
    # Only structure counts: renaming a definition is not a change.
    assert breaking_changes(envelope(STR), envelope(STR, defs_name="ReleaseSnapshot")) == []


def test_optional_ref_arrays_and_maps_are_compared_inside() -> None:
    def schema(name_type: dict[str, Any]) -> dict[str, Any]:
        contact = obj({"name": name_type}, ("name",))
        return {
            "$defs": {"Contact": contact},
            **obj(
                {
                    "owner": nullable({"$ref": "#/$defs/Contact"}),
                    "contacts": {"type": "array", "items": {"$ref": "#/$defs/Contact"}},
                    "by_unit": {"type": "object", "additionalProperties": {"$ref": "#/$defs/Contact"}},
                }
            ),
        }

    assert breaking_changes(schema(STR), schema(INT)) == [
        "owner.name: type string -> integer",
        "contacts[].name: type string -> integer",
        "by_unit.*.name: type string -> integer",
    ]


def test_recursive_models_terminate() -> None:
    def tree(leaf: dict[str, Any]) -> dict[str, Any]:
        node = obj({"label": leaf, "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}})
        return {"$defs": {"Node": node}, "$ref": "#/$defs/Node"}

    assert breaking_changes(tree(STR), tree(STR)) == []
    assert breaking_changes(tree(STR), tree(INT)) == ["label: type string -> integer"]


def test_forbidding_extra_properties_is_breaking() -> None:
    old = obj({"title": STR})
    assert breaking_changes(old, {**old, "additionalProperties": False}) == ["(root): additional properties forbidden"]


# -- end to end through the CLI's API -------------------------------------------------------


class RetypedSnapshot(ReleaseSnapshot):
    title: int  # type: ignore[assignment]


class RetypedReleasePublished(ReleasePublished):
    release: RetypedSnapshot


class ReleasePublishedWithExtra(ReleasePublished):
    audience: str | None = None


def _replace_payload(monkeypatch: pytest.MonkeyPatch, payload: type[ReleasePublished]) -> None:
    key = ("release_published", 1)
    cat = event_catalog.CATALOG[key]
    monkeypatch.setitem(event_catalog.CATALOG, key, CatalogEntry(cat.type, cat.version, cat.channel, payload))


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def exported(tmp_path: Path) -> Path:
    assert cli.main(["export", "--root", str(tmp_path)]) == 0
    return tmp_path


def test_retyped_field_fails_check_and_export_refuses(
    exported: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _snapshot(exported)
    capsys.readouterr()
    _replace_payload(monkeypatch, RetypedReleasePublished)

    assert cli.main(["check", "--root", str(exported)]) == 1
    err = capsys.readouterr().err
    assert "BREAKING events/release_published.v1: payload.release.title: type string -> integer" in err
    assert "add a new version" in err
    assert "DRIFT contracts/events/release_published.v1.schema.json: differs from the models" in err

    assert cli.main(["export", "--root", str(exported)]) == 1
    err = capsys.readouterr().err
    assert "BREAKING events/release_published.v1: payload.release.title: type string -> integer" in err
    assert "Nothing was written." in err
    assert _snapshot(exported) == before


def test_additive_change_is_exported_and_then_checks_clean(
    exported: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _replace_payload(monkeypatch, ReleasePublishedWithExtra)
    capsys.readouterr()
    assert cli.main(["check", "--root", str(exported)]) == 1
    err = capsys.readouterr().err
    assert "BREAKING" not in err
    assert "DRIFT contracts/events/release_published.v1.schema.json: differs from the models" in err
    assert "DRIFT docs/asyncapi.yaml: differs from the models" in err

    assert cli.main(["export", "--root", str(exported)]) == 0
    assert "audience" in (exported / "contracts/events/release_published.v1.schema.json").read_text()
    assert cli.main(["check", "--root", str(exported)]) == 0


def test_event_removed_from_catalog_is_breaking(
    exported: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delitem(event_catalog.CATALOG, ("asset_released", 1))
    capsys.readouterr()
    assert cli.main(["export", "--root", str(exported)]) == 1
    assert "BREAKING events/asset_released.v1: no longer in the catalog" in capsys.readouterr().err
    assert (exported / "contracts/events/asset_released.v1.schema.json").exists()


class ThinHealthReport(HealthReport):
    """Health report without its checks (a removed field)."""

    checks: None = None  # type: ignore[assignment]


def test_rpc_response_change_is_breaking(
    exported: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    methods = tuple(
        RpcSpec(s.service, s.method, s.version, s.request, ThinHealthReport, s.summary)
        if s.name == "media.health"
        else s
        for s in rpc_catalog.RPC_METHODS
    )
    monkeypatch.setattr(rpc_catalog, "RPC_METHODS", methods)
    capsys.readouterr()
    assert cli.main(["check", "--root", str(exported)]) == 1
    err = capsys.readouterr().err
    assert "BREAKING rpc/media.health.v1.response: checks: required -> optional" in err
    assert "BREAKING rpc/media.health.v1.response: checks: type object -> null" in err
    assert "rpc/releases.health" not in err
