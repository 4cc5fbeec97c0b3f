"""The seed directory shipped with the package: realistic Hanoi units (`hanoi_units.json`)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from pydantic import TypeAdapter

from presscenter.shared.directory.tree import UnitTree
from presscenter.shared.events.departments import DirectoryUnit

SEED_FILE = "hanoi_units.json"
_UNITS = TypeAdapter(tuple[DirectoryUnit, ...])


@cache
def _seed_document() -> dict[str, Any]:
    text = resources.files(__package__).joinpath(SEED_FILE).read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


@cache
def _seed_units() -> tuple[DirectoryUnit, ...]:
    return _UNITS.validate_python(_seed_document()["units"])


def seed_revision() -> str:
    """The revision string of the shipped seed."""
    return str(_seed_document()["revision"])


def load_seed() -> list[DirectoryUnit]:
    """The seed units as contract models (a fresh list; the units themselves are immutable)."""
    return list(_seed_units())


def seed_tree() -> UnitTree:
    """The seed as a validated tree."""
    return UnitTree.build(_seed_units())
