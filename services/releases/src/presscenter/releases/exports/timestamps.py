"""RFC 3339 timestamps for the exports (ninjs, Atom and JSON Feed all use them)."""

from __future__ import annotations

from datetime import UTC, datetime


def as_utc(moment: datetime) -> datetime:
    """`moment` in UTC; a naive datetime is taken as UTC (as MongoDB returns them)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def rfc3339(moment: datetime) -> str:
    """`2025-03-01T08:00:00Z` style, microseconds only when present."""
    return as_utc(moment).isoformat().replace("+00:00", "Z")
