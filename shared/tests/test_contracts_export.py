"""Contract export: deterministic files, drift detection, valid schemas and a valid AsyncAPI 3.0 document."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from presscenter.shared.contracts import cli
from presscenter.shared.contracts.examples import example_message
from presscenter.shared.contracts.export import ASYNCAPI_PATH, generated_files
from presscenter.shared.contracts.schemas import event_schema_path, rpc_schema_path
from presscenter.shared.events import CATALOG
from presscenter.shared.rpc.catalog import RPC_METHODS

REPO_ROOT = Path(__file__).resolve().parents[2]
ASYNCAPI_META_SCHEMA = Path(__file__).parent / "data" / "asyncapi-3.0.0.schema.json"


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def fresh_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fresh")
    assert cli.main(["export", "--root", str(root)]) == 0
    return root


@pytest.fixture
def exported(fresh_export: Path, tmp_path: Path) -> Path:
    """A private copy of a fresh export, free to edit."""
    shutil.copytree(fresh_export, tmp_path / "repo")
    return tmp_path / "repo"


@pytest.fixture(scope="module")
def generated() -> dict[str, str]:
    return generated_files()


def _asyncapi(root: Path) -> dict[str, Any]:
    return yaml.safe_load((root / ASYNCAPI_PATH).read_text(encoding="utf-8"))


# -- export and drift ---------------------------------------------------------------------


def test_export_writes_every_contract_and_is_byte_identical_when_repeated(
    exported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = _snapshot(exported)
    expected = {event_schema_path(cat) for cat in CATALOG.values()}
    expected |= {rpc_schema_path(spec, part) for spec in RPC_METHODS for part in ("request", "response")}
    assert set(files) == expected | {ASYNCAPI_PATH}
    assert all(text.endswith(b"\n") and not text.endswith(b"\n\n") for text in files.values())

    capsys.readouterr()
    assert cli.main(["export", "--root", str(exported)]) == 0
    assert "0 written or removed" in capsys.readouterr().out
    assert _snapshot(exported) == files


def test_check_passes_on_a_fresh_export(fresh_export: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert cli.main(["check", "--root", str(fresh_export)]) == 0
    assert "up to date and compatible" in capsys.readouterr().out


def test_drift_is_reported_and_fixed_by_export(exported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fresh = _snapshot(exported)
    _rewrite(exported / "contracts/events/asset_ready.v1.schema.json", '"title"', '"Title"')
    _rewrite(exported / ASYNCAPI_PATH, "Capital Press Center messaging", "Old title")
    (exported / "contracts/rpc/media.health.v1.request.schema.json").unlink()
    (exported / "contracts/events/notes.txt").write_text("left over\n")
    capsys.readouterr()
    assert cli.main(["check", "--root", str(exported)]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "DRIFT contracts/events/asset_ready.v1.schema.json: differs from the models",
        "DRIFT contracts/rpc/media.health.v1.request.schema.json: missing",
        "DRIFT docs/asyncapi.yaml: differs from the models",
        "DRIFT contracts/events/notes.txt: not generated (stray file)",
        "The checked-in contracts are stale: run `make contracts`.",
    ]
    assert cli.main(["export", "--root", str(exported)]) == 0
    assert _snapshot(exported) == fresh


def _rewrite(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_checked_in_export_is_current() -> None:
    """The CI drift check: the repository's contracts/ and docs/asyncapi.yaml match the models."""
    assert cli.main(["check", "--root", str(REPO_ROOT)]) == 0, "run `make contracts` and commit the result"


def test_root_is_found_from_a_subdirectory(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir()
    (tmp_path / "Makefile").write_text("all:\n")
    nested = tmp_path / "services" / "releases"
    nested.mkdir(parents=True)
    assert cli.find_root(nested) == tmp_path
    assert cli.find_root(tmp_path / "shared") == tmp_path
    lonely = tmp_path / "elsewhere"
    lonely.mkdir()
    (tmp_path / "Makefile").unlink()
    assert cli.find_root(lonely) == lonely


# -- the schemas describe the real messages ---------------------------------------------------


@pytest.mark.parametrize("cat", list(CATALOG.values()), ids=lambda c: f"{c.type}.v{c.version}")
def test_event_schema_accepts_the_real_message_and_pins_its_identity(cat: Any, generated: dict[str, str]) -> None:
    schema = json.loads(generated[event_schema_path(cat)])
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    message = example_message(cat)
    assert message is not None
    validator.validate(message)

    assert not validator.is_valid({**message, "type": "some_other_event"})
    assert not validator.is_valid({**message, "version": cat.version + 1})
    for wire_field in ("event_id", "occurred_at", "correlation_id", "source", "payload"):
        assert not validator.is_valid({k: v for k, v in message.items() if k != wire_field}), wire_field
    # Consumers ignore what they do not know: unknown fields stay valid.
    assert validator.is_valid({**message, "future_field": 1, "payload": {**message["payload"], "future": True}})


def test_rpc_schemas_are_valid_json_schema(generated: dict[str, str]) -> None:
    files = generated
    for spec in RPC_METHODS:
        for part in ("request", "response"):
            jsonschema.Draft202012Validator.check_schema(json.loads(files[rpc_schema_path(spec, part)]))
    health = json.loads(files[rpc_schema_path(RPC_METHODS[0], "response")])
    report = {"service": "releases", "status": "ok", "version": "0.1.0", "checked_at": "2025-09-01T02:00:00Z"}
    report["checks"] = {"amqp": {"ok": True, "latency_ms": 1.5}}
    jsonschema.validate(report, health, cls=jsonschema.Draft202012Validator)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**report, "status": "sleeping"}, health, cls=jsonschema.Draft202012Validator)


# -- AsyncAPI 3.0 ---------------------------------------------------------------------------


def _pointer(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def test_asyncapi_document_is_valid_against_the_official_schema(fresh_export: Path) -> None:
    doc = _asyncapi(fresh_export)
    assert doc["asyncapi"] == "3.0.0"
    meta_schema = json.loads(ASYNCAPI_META_SCHEMA.read_text(encoding="utf-8"))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in jsonschema.Draft7Validator(meta_schema).iter_errors(doc)]
    assert errors == []
    # The official schema does not look inside message payloads: check those as JSON Schema.
    for schema in doc["components"]["schemas"].values():
        jsonschema.Draft7Validator.check_schema(schema)


def test_official_schema_catches_a_broken_document(fresh_export: Path) -> None:
    doc = _asyncapi(fresh_export)
    doc["channels"]["releases.events.release_published"]["bindings"]["amqp"]["is"] = "exchange"
    meta_schema = json.loads(ASYNCAPI_META_SCHEMA.read_text(encoding="utf-8"))
    assert not jsonschema.Draft7Validator(meta_schema).is_valid(doc)


def test_asyncapi_references_resolve_and_operations_use_their_channels_messages(fresh_export: Path) -> None:
    doc = _asyncapi(fresh_export)
    refs = _refs(doc)
    assert refs
    for ref in refs:
        _pointer(doc, ref)  # raises KeyError when a $ref dangles
    for op_id, operation in doc["operations"].items():
        channel_ref = operation["channel"]["$ref"]
        for message in operation["messages"]:
            assert message["$ref"].startswith(channel_ref + "/messages/"), op_id
        if "reply" in operation:
            reply_channel = operation["reply"]["channel"]["$ref"]
            assert all(m["$ref"].startswith(reply_channel + "/messages/") for m in operation["reply"]["messages"])


def test_asyncapi_describes_every_event_and_rpc_method_on_the_wire(fresh_export: Path) -> None:
    doc = _asyncapi(fresh_export)
    assert doc["servers"]["rabbitmq"] == {
        "host": "127.0.0.1:5672",
        "protocol": "amqp",
        "protocolVersion": "0.9.1",
        "description": doc["servers"]["rabbitmq"]["description"],
    }
    assert "guest" not in (fresh_export / ASYNCAPI_PATH).read_text(encoding="utf-8")
    for cat in CATALOG.values():
        channel = doc["channels"][f"{cat.exchange}.{cat.type}"]
        assert channel["address"] == cat.type
        exchange = channel["bindings"]["amqp"]["exchange"]
        assert exchange == {"name": cat.exchange, "type": "topic", "durable": True, "autoDelete": False, "vhost": "/"}
        message = _pointer(doc, channel["messages"][f"{cat.type}.v{cat.version}"]["$ref"])
        payload = _pointer(doc, message["payload"]["$ref"])
        assert payload["properties"]["type"]["const"] == cat.type
        assert payload["properties"]["version"]["const"] == cat.version
        assert message["examples"][0]["payload"] == example_message(cat)
        assert doc["operations"][f"send.{cat.type}"]["action"] == "send"
    for spec in RPC_METHODS:
        channel = doc["channels"][f"nameko-rpc.{spec.name}"]
        assert channel["address"] == spec.name
        assert channel["bindings"]["amqp"]["exchange"]["name"] == "nameko-rpc"
        operation = doc["operations"][f"rpc.{spec.name}"]
        assert operation["action"] == "receive"
        assert operation["reply"]["address"]["location"] == "$message.header#/reply_to"
        response = _pointer(doc, _pointer(doc, operation["reply"]["messages"][0]["$ref"])["$ref"])
        assert response["payload"]["properties"]["result"]["anyOf"][0]["$ref"].endswith(f"/{spec.response.__name__}")
