"""`presscenter-contracts export|check`: write or verify contracts/ and docs/asyncapi.yaml."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from presscenter.shared.contracts.export import ContractReport, export, inspect

BREAKING_ADVICE = (
    "A published contract version must stay compatible: add a new version of the event or method "
    "(e.g. event_version = 2, registered next to v1) instead of changing this one. To retire a version "
    "nobody reads any more, delete its schema file in the same change, on purpose."
)
DRIFT_ADVICE = "The checked-in contracts are stale: run `make contracts`."


def find_root(start: Path) -> Path:
    """The nearest directory (from `start` up) holding `shared/` and a `Makefile`; else `start`."""
    for directory in (start, *start.parents):
        if (directory / "shared").is_dir() and (directory / "Makefile").is_file():
            return directory
    return start


def _print_problems(report: ContractReport, *, drift: bool) -> None:
    for line in report.breaking:
        print(line, file=sys.stderr)
    if report.breaking:
        print(BREAKING_ADVICE, file=sys.stderr)
    if drift:
        for line in report.drift:
            print(line, file=sys.stderr)
        if report.drift:
            print(DRIFT_ADVICE, file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="presscenter-contracts", description=__doc__)
    parser.add_argument("command", choices=("export", "check"), help="export: write the files; check: verify them")
    parser.add_argument("--root", type=Path, help="repository root (default: found from the current directory)")
    args = parser.parse_args(argv)
    root = (args.root or find_root(Path.cwd())).resolve()
    if args.command == "export":
        report = export(root)
        if report.breaking:
            _print_problems(report, drift=False)
            print("Nothing was written.", file=sys.stderr)
            return 1
        changed = len(report.drift)
        print(f"contracts: {len(report.generated)} files under {root}, {changed} written or removed")
        return 0
    report = inspect(root)
    _print_problems(report, drift=True)
    if not report.ok:
        return 1
    print(f"contracts: {len(report.generated)} files up to date and compatible")
    return 0


if __name__ == "__main__":
    sys.exit(main())
