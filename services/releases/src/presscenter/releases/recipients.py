"""Who received which published version of a release (Superdesk Newsroom's "notify everyone who
downloaded an earlier version"): collection `release_recipients`.

One document per (release, account, version), `_id` = `<release_id>|<account_id>|v<version>`,
written once by an insert (a download seen again, or retried, is a no-op: idempotent, and one
write per download at most). Times are integer epoch microseconds (exact on every store). Only
accounts are recorded, never the anonymous public. Pure pymongo, no nameko.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from presscenter.releases.domain.visibility import FULL_ACCESS_ROLES
from presscenter.shared.rpc import releases as rpc
from presscenter.shared.timestamps import epoch_micros

RECIPIENTS_COLLECTION = "release_recipients"
ANONYMOUS_ROLES = frozenset({"public"})

_indexed: set[tuple[int, str]] = set()
_index_lock = threading.Lock()


def record_id(release_id: str, account_id: str, version: int) -> str:
    return f"{release_id}|{account_id}|v{version}"


def may_see_recipients(viewer: rpc.Viewer, release: rpc.Release) -> bool:
    """Editors, admins and systems; the officers of the release's own unit."""
    if viewer.role in FULL_ACCESS_ROLES:
        return True
    return viewer.role == "unit_officer" and viewer.unit_code == release.unit_code


def _from_micros(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1_000_000, UTC)


def group_by_account(documents: Iterable[Mapping[str, Any]]) -> list[rpc.Recipient]:
    """Version records -> one `Recipient` per account, in order of first download."""
    by_account: dict[str, list[Mapping[str, Any]]] = {}
    for document in sorted(documents, key=lambda d: (d["at_us"], d["version"])):
        by_account.setdefault(document["account_id"], []).append(document)
    recipients = []
    for account_id, records in by_account.items():
        records = sorted(records, key=lambda d: d["version"])
        last = records[-1]
        recipients.append(
            rpc.Recipient(
                account_id=account_id,
                role=last["role"],
                unit_code=last.get("unit_code") or None,
                latest_version=last["version"],
                downloads=[
                    rpc.VersionDownload(version=r["version"], first_at=_from_micros(r["at_us"])) for r in records
                ],
            )
        )
    return recipients


class RecipientLog:
    def __init__(self, db: Database[Any], collection: str = RECIPIENTS_COLLECTION):
        self.collection = db[collection]
        key = (id(db.client), f"{db.name}.{collection}")
        if key not in _indexed:  # once per process and database, not on every download
            with _index_lock:
                self.collection.create_index([("release_id", ASCENDING), ("at_us", ASCENDING)])
                _indexed.add(key)

    def record(self, release_id: str, version: int, viewer: rpc.Viewer, now: datetime) -> bool:
        """Remember that `viewer` received `version`; False when it was known already (or anonymous)."""
        if viewer.role in ANONYMOUS_ROLES or version < 1:
            return False
        document = {
            "_id": record_id(release_id, viewer.id, version),
            "release_id": release_id,
            "account_id": viewer.id,
            "role": viewer.role,
            "unit_code": viewer.unit_code or "",
            "version": version,
            "at_us": epoch_micros(now),
        }
        try:
            self.collection.insert_one(document)
        except DuplicateKeyError:
            return False
        return True

    def of_release(self, release_id: str) -> list[rpc.Recipient]:
        return group_by_account(self.collection.find({"release_id": release_id}))
