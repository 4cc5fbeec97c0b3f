"""Run nx-27017 with MongoDB's update semantics for the operators this platform uses.

nx-27017 translates simple updates into SQLite JSON functions ("SQL tier"). In 0.8.1 that tier
stores a datetime written with `$set` on an existing document as a string (range queries and TTL
indexes then miss it) and stores sub-documents pushed with `$push` as JSON strings (its `$pull`
re-encodes the elements it keeps the same way, and booleans as 0/1). Its Python tier applies the
same updates correctly, so this launcher sends updates there (and only updates: `neosqlite`'s
global `set_force_fallback` would also turn every query into a scan of the whole collection) and
then runs nx-27017's normal entry point. The one kind of update the SQL tier stores exactly is let
through: `$inc` of numbers and `$pull` of a string or number from an array of strings and numbers
(the outbox relay's removal of published entries, one per event). The Python tier copies the whole
document, applies the update and encodes it again; the SQL tier edits the stored JSON in SQLite.

Three pieces of 0.8.1's work that change no result are skipped (measured on the department intake, whose
release documents are a few KB each; docs/performance.md):
- an inclusion projection (`{"a": 1, "b": 1}`) deep-copied the whole document, then returned the
  included fields of the original anyway (all but `_id`): the dearest part of reading a few fields
  of a large document (the outbox relay reads `_outbox` of release documents that hold the release);
- an insert deep-copied the document it was sent, only so as not to add `_id` to the caller's
  dict: the document is encoded to JSON at once, and a shallow copy keeps the caller's dict as it
  was all the same;
- every insert formatted all its documents into a debug message (an f-string, built even when
  debug logging is off): the wire messages' sections now print as a count;
- every reply was rebuilt value by value before BSON encoding (to turn its own ObjectIds and
  Decimals into BSON's, and `"id": 0` into an Int64): now only the dicts and lists that hold such
  a value are rebuilt, the same way (a stored release's reply holds none: 33 -> 9 µs per reply,
  about a tenth of nx's CPU per `find_one` of a release);
- each `find` (and insert) listed the database's tables and asked for the collection's columns in
  SQL: both answers are kept until SQLite's schema version changes (outside transactions only),
  which any table created, dropped, renamed or altered changes;
- a first batch of one document was BSON-encoded only to measure it, although one document is
  always sent whatever its size;
- an insert, update or delete command of several documents (`insert_many`, `bulk_write`) ran each
  document as a transaction of its own (SQLite autocommit: a WAL commit per document): such a
  command outside a client's transaction now runs in one SQLite transaction, committed before the
  reply. A document refused on the way (a duplicate key) undoes only its own statement, as before,
  so the reply's `n` and `writeErrors` are the same; what was applied is committed even when the
  command fails part-way, as autocommit did.

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
from datetime import datetime
from typing import Any

_SCALAR_TYPES = (str, int, float)


def _scalars(values: Any) -> bool:
    """Strings and numbers only: what the SQL tier's `$pull` keeps as they were (not booleans, null,
    sub-documents or arrays)."""
    return all(isinstance(v, _SCALAR_TYPES) and not isinstance(v, bool) for v in values)


def _exact_in_sql(update_spec: dict[str, Any], original_doc: dict[str, Any] | None) -> bool:
    """An update the SQL tier of nx-27017 0.8.1 applies exactly as MongoDB does: `$inc` of numbers,
    `$pull` of a string or number from an array of strings and numbers."""
    if original_doc is None or not update_spec or not set(update_spec) <= {"$inc", "$pull"}:
        return False
    increments = update_spec.get("$inc", {})
    pulls = update_spec.get("$pull", {})
    return (
        isinstance(increments, dict)
        and _scalars(increments.values())
        and isinstance(pulls, dict)
        and _scalars(pulls.values())
        and all(isinstance(original_doc.get(name), list) and _scalars(original_doc[name]) for name in pulls)
    )


def _plain_inclusion(projection: Any) -> bool:
    """`{"field": 1, ...}` (optionally `"_id": 0`): no expressions, no exclusions but `_id`."""
    if not isinstance(projection, dict) or not projection:
        return False
    flags = [v for v in projection.values() if isinstance(v, int)]
    return len(flags) == len(projection) and any(v == 1 for v in flags)


class _ShallowlyCopied(dict[str, Any]):
    """A document whose `deepcopy` is a shallow copy (see the module's docstring: inserts)."""

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        return dict(self)


class _Sections(list[Any]):
    """A wire message's sections; printed as a count, not as every document they hold."""

    def __repr__(self) -> str:
        return f"<{len(self)} sections>"

    __str__ = __repr__


# Values nx-27017's reply conversion (`convert_neo_to_bson_objectids`) gives back as they are.
_AS_STORED = frozenset({str, int, float, bool, type(None), datetime, bytes})


def _bson_ready(value: Any, convert: Callable[[Any], Any]) -> Any:
    """What nx-27017's `convert` (`convert_neo_to_bson_objectids`) makes of `value`, encoding to the
    same BSON, but a dict or list none of whose values it would change is returned as it is rather
    than rebuilt. Values of any other type than plain dicts, lists and `_AS_STORED` go to `convert`."""
    kind = type(value)
    if kind is dict:
        rebuilt: dict[Any, Any] | None = None
        for key, item in value.items():
            if key == "id" and item == 0:  # nx-27017 answers cursor ids (and any "id" equal to 0) as Int64
                ready = convert({key: item})[key]
            elif type(item) in _AS_STORED:
                continue
            else:
                ready = _bson_ready(item, convert)
                if ready is item:
                    continue
            if rebuilt is None:
                rebuilt = dict(value)
            rebuilt[key] = ready
        return value if rebuilt is None else rebuilt
    if kind is list:
        items: list[Any] | None = None
        for index, item in enumerate(value):
            if type(item) in _AS_STORED:
                continue
            ready = _bson_ready(item, convert)
            if ready is item:
                continue
            if items is None:
                items = list(value)
            items[index] = ready
        return value if items is None else items
    if kind in _AS_STORED:
        return value
    return convert(value)


class _InlineCommands:
    """`asyncio` as nx_27017.server sees it, but `to_thread` runs the command where it is called."""

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    @staticmethod
    async def to_thread(func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)


def _patch_updates() -> None:
    from neosqlite.collection.query_helper._sql_updates import SqlUpdatesMixin

    sql_tier_allows = SqlUpdatesMixin._can_use_sql_updates

    def can_use_sql_updates(
        self: Any, update_spec: dict[str, Any], doc_id: int, original_doc: dict[str, Any] | None = None
    ) -> bool:
        return _exact_in_sql(update_spec, original_doc) and sql_tier_allows(self, update_spec, doc_id, original_doc)

    SqlUpdatesMixin._can_use_sql_updates = can_use_sql_updates  # type: ignore[method-assign]


def _patch_projections() -> None:
    from neosqlite.collection.query_helper.aggregation import AggregationMixin

    project_as_before = AggregationMixin._apply_projection

    def apply_projection(self: Any, projection: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
        if not _plain_inclusion(projection):
            return project_as_before(self, projection, document)
        # what 0.8.1 returns for an inclusion, without its deep copy of the whole document first
        projected = {
            key: self.collection._get_val(document, key)
            for key, value in projection.items()
            if value == 1 and self._field_exists(document, key)
        }
        if projection.get("_id", 1) == 1 and "_id" in document:
            projected["_id"] = document["_id"]
        return projected

    AggregationMixin._apply_projection = apply_projection  # type: ignore[method-assign]


def _patch_copies() -> None:
    from neosqlite.collection.query_helper.crud_operations import CRUDOperationsMixin
    from nx_27017.wire_protocol import OP_MSG

    insert_as_before = CRUDOperationsMixin._internal_insert

    def internal_insert(self: Any, document: Any) -> Any:
        if type(document) is not dict:
            return insert_as_before(self, document)
        sent = _ShallowlyCopied(document)
        inserted_id = insert_as_before(self, sent)
        if "_id" not in document and "_id" in sent:  # 0.8.1 gives the caller's document its new _id
            document["_id"] = sent["_id"]
        return inserted_id

    CRUDOperationsMixin._internal_insert = internal_insert  # type: ignore[method-assign]
    parse_as_before = OP_MSG.parse

    def parse(message_bytes: bytes) -> dict[str, Any]:
        message = parse_as_before(message_bytes)
        message["sections"] = _Sections(message["sections"])
        return message

    OP_MSG.parse = staticmethod(parse)  # type: ignore[method-assign]


def _patch_replies() -> None:
    from nx_27017 import wire_protocol
    from nx_27017.handler import NeoSQLiteHandler
    from nx_27017.utils import convert_neo_to_bson_objectids

    def bson_ready(document: Any) -> Any:
        return _bson_ready(document, convert_neo_to_bson_objectids)

    wire_protocol._convert_objectids = bson_ready  # what ResponseBuilder converts each reply with
    fit_as_before = NeoSQLiteHandler._fit_bson_budget

    def fit_bson_budget(docs: list[dict[str, Any]], *args: Any, **kwargs: Any) -> Any:
        if len(docs) <= 1:  # 0.8.1 keeps the first document in the batch whatever its size
            return list(docs), []
        return fit_as_before(docs, *args, **kwargs)

    NeoSQLiteHandler._fit_bson_budget = staticmethod(fit_bson_budget)  # type: ignore[method-assign]


_WRITE_ITEMS = ("documents", "updates", "deletes")


def _items_in(msg: dict[str, Any]) -> tuple[dict[str, Any] | None, int]:
    """The command document of a write message and how many documents it writes."""
    body: dict[str, Any] | None = None
    count = 0
    for kind, doc in msg["sections"]:
        if kind == "body":
            body = doc
        elif kind == "payload_docs":
            count += len(doc)
        elif kind == "payload":
            count += sum(len(value) if isinstance(value, list) else 1 for value in doc.values())
    if isinstance(body, dict):
        count += sum(len(body[key]) for key in _WRITE_ITEMS if isinstance(body.get(key), list))
    return body, count


def _patch_batched_writes() -> None:
    from nx_27017.handler import NeoSQLiteHandler

    def in_one_transaction(
        handle: Callable[[Any, dict[str, Any]], Any], commands: tuple[str, ...]
    ) -> Callable[[Any, dict[str, Any]], Any]:
        def handler(self: Any, msg: dict[str, Any]) -> Any:
            body, count = _items_in(msg)
            # a client's own transaction (autocommit: false) is the session's to begin and end
            if (
                body is None
                or count < 2
                or not any(command in body for command in commands)
                or "autocommit" in body
                or "startTransaction" in body
            ):
                return handle(self, msg)
            db = self.get_database(body.get("$db", "test")).db
            if db.in_transaction:
                return handle(self, msg)
            db.execute("BEGIN")
            try:
                return handle(self, msg)
            finally:
                if db.in_transaction:
                    db.execute("COMMIT")

        return handler

    # inserts have their own handler; updates and deletes go through the general one
    NeoSQLiteHandler.handle_insert = in_one_transaction(NeoSQLiteHandler.handle_insert, ("insert",))  # type: ignore[method-assign]
    NeoSQLiteHandler.handle_command = in_one_transaction(NeoSQLiteHandler.handle_command, ("update", "delete"))  # type: ignore[method-assign]


def _schema_version(db: Any) -> int | None:
    """SQLite's schema version of connection `db`; None inside a transaction, which may yet roll a
    change back (outside one, the version moves on with every committed change to any table)."""
    if db is None or db.in_transaction:
        return None
    return int(db.execute("PRAGMA schema_version").fetchone()[0])


def _kept_until_schema_changes(kept: dict[str, Any], name: str, db: Any, compute: Callable[[], Any]) -> Any:
    """`compute()`, kept in `kept[name]` with the schema version it was read at and read again once
    the version moves on; computed every time inside a transaction (`_schema_version`)."""
    version = _schema_version(db)
    if version is None:
        return compute()
    known = kept.get(name)
    if known is None or known[0] != version:  # the version read first: a change meanwhile re-reads
        known = kept[name] = (version, compute())
    return known[1]


def _patch_schema_lookups() -> None:
    from neosqlite.collection import Collection
    from neosqlite.connection import Connection

    names_as_before = Connection.list_collection_names
    id_column_as_before = Collection._id_column.fget
    assert id_column_as_before is not None

    # Read through __dict__: a neosqlite Connection answers any unknown attribute with a new collection.
    def list_collection_names(self: Any) -> list[str]:
        state = self.__dict__
        names = _kept_until_schema_changes(
            state, "_presscenter_names", state.get("db"), lambda: tuple(names_as_before(self))
        )
        return list(names)

    def id_column(self: Any) -> str:
        column = _kept_until_schema_changes(
            self.__dict__, "_presscenter_id_column", self.db, lambda: id_column_as_before(self)
        )
        return str(column)

    Connection.list_collection_names = list_collection_names  # type: ignore[method-assign]
    Collection._id_column = property(id_column)  # type: ignore[method-assign,assignment]


def main() -> int:
    _patch_updates()
    _patch_projections()
    _patch_copies()
    _patch_replies()
    _patch_schema_lookups()
    _patch_batched_writes()
    import nx_27017.server

    nx_27017.server.asyncio = _InlineCommands()  # type: ignore[assignment]
    from nx_27017.nx_27017 import main as nx_main

    sys.argv[0] = "nx-27017"
    result = nx_main()
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
