"""Generate the contract files, compare them with the checked-in ones, write them.

Files owned here: `contracts/events/*`, `contracts/rpc/*` and `docs/asyncapi.yaml`. A checked-in
schema is a published contract: regenerating it may only change it compatibly (see `compat`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from presscenter.shared.contracts.asyncapi import asyncapi_document
from presscenter.shared.contracts.compat import breaking_changes
from presscenter.shared.contracts.schemas import contract_schemas
from presscenter.shared.events import catalog as event_catalog
from presscenter.shared.rpc import catalog as rpc_catalog

ASYNCAPI_PATH = "docs/asyncapi.yaml"
SCHEMA_DIRS = ("contracts/events", "contracts/rpc")
SCHEMA_SUFFIX = ".schema.json"


class _Dumper(yaml.SafeDumper):
    """Safe YAML without anchors/aliases, so the document reads the same to every tool."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def render_json(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=True, allow_unicode=True, width=120, default_flow_style=False)


def generated_files() -> dict[str, str]:
    """Every contract file as the current catalogs produce it, by path relative to the repo root."""
    entries = [event_catalog.CATALOG[key] for key in sorted(event_catalog.CATALOG)]
    methods = sorted(rpc_catalog.RPC_METHODS, key=lambda spec: (spec.name, spec.version))
    files = {path: render_json(schema) for path, schema in contract_schemas(entries, methods).items()}
    files[ASYNCAPI_PATH] = render_yaml(asyncapi_document(entries, methods))
    return dict(sorted(files.items()))


def checked_in_files(root: Path) -> dict[str, str]:
    """The contract files present under `root` (every file of the schema directories)."""
    files = {}
    for directory in SCHEMA_DIRS:
        for path in sorted((root / directory).glob("*")):
            if path.is_file():
                files[path.relative_to(root).as_posix()] = path.read_text(encoding="utf-8")
    if (root / ASYNCAPI_PATH).is_file():
        files[ASYNCAPI_PATH] = (root / ASYNCAPI_PATH).read_text(encoding="utf-8")
    return files


def contract_label(path: str) -> str:
    """`contracts/events/x.v1.schema.json` -> `events/x.v1`."""
    return path.removeprefix("contracts/").removesuffix(SCHEMA_SUFFIX)


@dataclass
class ContractReport:
    breaking: list[str] = field(default_factory=list)
    drift: list[str] = field(default_factory=list)
    generated: dict[str, str] = field(default_factory=dict)
    existing: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.breaking and not self.drift


def find_breaking(existing: dict[str, str], generated: dict[str, str]) -> list[str]:
    """Lines `BREAKING <contract>: <path>: <change>` for each published schema changed incompatibly."""
    problems = []
    for path, text in existing.items():
        if not path.endswith(SCHEMA_SUFFIX):
            continue
        label = contract_label(path)
        if path not in generated:
            problems.append(f"BREAKING {label}: no longer in the catalog, but consumers still read it")
            continue
        try:
            published = json.loads(text)
        except ValueError as exc:
            problems.append(f"BREAKING {label}: the checked-in schema is not valid JSON ({exc})")
            continue
        problems.extend(
            f"BREAKING {label}: {change}" for change in breaking_changes(published, json.loads(generated[path]))
        )
    return problems


def find_drift(existing: dict[str, str], generated: dict[str, str]) -> list[str]:
    """Lines `DRIFT <file>: <why>` for every file the export would create, change or delete."""
    drift = []
    for path, text in generated.items():
        if path not in existing:
            drift.append(f"DRIFT {path}: missing")
        elif existing[path] != text:
            drift.append(f"DRIFT {path}: differs from the models")
    drift.extend(f"DRIFT {path}: not generated (stray file)" for path in existing if path not in generated)
    return drift


def inspect(root: Path) -> ContractReport:
    """Compare the checked-in contracts under `root` with freshly generated ones."""
    existing, generated = checked_in_files(root), generated_files()
    return ContractReport(find_breaking(existing, generated), find_drift(existing, generated), generated, existing)


def export(root: Path) -> ContractReport:
    """Write the generated files under `root` unless that would break a published contract."""
    report = inspect(root)
    if report.breaking:
        return report
    for path, text in report.generated.items():
        if report.existing.get(path) != text:
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8", newline="\n")
    for path in report.existing:
        if path not in report.generated:
            (root / path).unlink()
    return report
