"""A service's own copy of the unit directory, in its own database: seeded from the Hanoi seed
on first use, kept current by `directory_updated` events (releases refuse unknown units with it;
feedback routes and escalates along it)."""

from __future__ import annotations

import time
from typing import Any

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from presscenter.shared.directory.seed import load_seed, seed_revision
from presscenter.shared.directory.tree import UnitTree
from presscenter.shared.events.departments import DirectoryUnit, DirectoryUpdated
from presscenter.shared.rpc.errors import Conflict

DOC_ID = "directory"
RECHECK_S = 1.0
# Built trees by (server, database): generation, tree (immutable), when the generation was checked.
_TREES: dict[tuple[Any, str], tuple[int, UnitTree, float]] = {}


class UnitDirectory:
    """One document holds the whole tree, so an update replaces it atomically."""

    def __init__(self, db: Database[Any]):
        self.collection = db["directory"]

    def tree(self) -> UnitTree:
        """The current tree: cached per database, its generation re-checked at most every
        `RECHECK_S` seconds (an update applied by this process is seen at once)."""
        key = (self.collection.database.client.address, self.collection.database.name)
        cached = _TREES.get(key)
        if cached is not None and time.monotonic() - cached[2] < RECHECK_S:
            return cached[1]
        head = self.collection.find_one({"_id": DOC_ID}, {"generation": 1})
        if head is None:
            self._seed()
            head = self.collection.find_one({"_id": DOC_ID}, {"generation": 1})
        assert head is not None
        if cached is not None and cached[0] == head["generation"]:
            _TREES[key] = (cached[0], cached[1], time.monotonic())
            return cached[1]
        doc = self.collection.find_one({"_id": DOC_ID})
        assert doc is not None
        tree = UnitTree.build(DirectoryUnit.model_validate(unit) for unit in doc["units"])
        _TREES[key] = (doc["generation"], tree, time.monotonic())
        return tree

    def apply(self, update: DirectoryUpdated) -> UnitTree:
        """Apply an update; refused whole (DirectoryError) when it would break the tree."""
        current = self.collection.find_one({"_id": DOC_ID}) or self._seed()
        tree = UnitTree.build(DirectoryUnit.model_validate(unit) for unit in current["units"])
        new = tree.apply(update.upserts, update.removals)
        result = self.collection.update_one(
            {"_id": DOC_ID, "generation": current["generation"]},
            {"$set": {"units": _dump(new), "revision": update.revision or current["revision"]},
             "$inc": {"generation": 1}},
        )  # fmt: skip
        if result.matched_count != 1:
            raise Conflict("the directory changed while this update was applied; it will be retried", "directory")
        _TREES.pop((self.collection.database.client.address, self.collection.database.name), None)
        return new

    def _seed(self) -> dict[str, Any]:
        doc = {"_id": DOC_ID, "units": [u.model_dump(mode="json") for u in load_seed()],
               "revision": seed_revision(), "generation": 1}  # fmt: skip
        try:
            self.collection.insert_one(doc)
        except DuplicateKeyError:
            found = self.collection.find_one({"_id": DOC_ID})
            assert found is not None
            return found
        return doc


def _dump(tree: UnitTree) -> list[dict[str, Any]]:
    return [unit.model_dump(mode="json") for unit in tree.to_list()]
