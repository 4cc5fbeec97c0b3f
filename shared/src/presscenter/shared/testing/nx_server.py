"""Run nx-27017 with MongoDB's update semantics for the operators this platform uses.

nx-27017 translates simple updates into SQLite JSON functions ("SQL tier"). In 0.8.1 that tier
stores a datetime written with `$set` on an existing document as a string (range queries and TTL
indexes then miss it) and stores sub-documents pushed with `$push` as JSON strings. Its Python
tier applies the same updates correctly, so this launcher sends every update there (and only
updates: `neosqlite`'s global `set_force_fallback` would also turn every query into a scan of the
whole collection) and then runs nx-27017's normal entry point.

Commands run on the server's event loop, not handed to a thread each: nx-27017 0.8.1 sends every
command through `asyncio.to_thread`, then takes the database's lock, so commands on one database
ran one at a time anyway; the hand-off to a worker thread and back (a futex wake and a self-pipe
write per command) cost about a quarter of its CPU per `find_one` and showed in every round trip.
No command waits on another connection (nothing in its handler sleeps or blocks on a condition),
so running them inline changes no result; a long command now also holds other databases' clients,
which the platform's small embedded deployments do not notice.

Known gaps that remain (write to MongoDB semantics; the real-MongoDB e2e suite is the judge):
- `replace_one(..., upsert=True)` ignores the filter's `_id`;
- `$setOnInsert` is ignored by an upserting `find_one_and_update`;
- positional paths such as `{"a.0": {"$exists": true}}` do not match;
- `{"x": None}` matches neither a stored null nor a missing field (store a sentinel such as 0);
- dates in `find` filters compare in whole seconds (compare integer epoch microseconds instead).

Usage: python -m presscenter.shared.testing.nx_server [nx-27017 options]
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import Any


class _InlineCommands:
    """`asyncio` as nx_27017.server sees it, but `to_thread` runs the command where it is called."""

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    @staticmethod
    async def to_thread(func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)


def main() -> int:
    from neosqlite.collection.query_helper._sql_updates import SqlUpdatesMixin

    SqlUpdatesMixin._can_use_sql_updates = lambda *_args, **_kwargs: False  # type: ignore[method-assign]
    import nx_27017.server

    nx_27017.server.asyncio = _InlineCommands()  # type: ignore[assignment]
    from nx_27017.nx_27017 import main as nx_main

    sys.argv[0] = "nx-27017"
    result = nx_main()
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
