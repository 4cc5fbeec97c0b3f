"""Times as numbers, for what a datastore must compare or sort exactly.

MongoDB compares BSON dates to the millisecond; the embedded nx-27017 compares dates in `find`
filters in whole seconds. Storing epoch numbers for the fields we query by time behaves the same
on both. Naive datetimes are refused: every time on the platform is tz-aware.
"""

from __future__ import annotations

from datetime import UTC, datetime


def epoch_seconds(moment: datetime) -> float:
    if moment.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    return moment.timestamp()


def from_epoch_seconds(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(float(value), UTC)


def epoch_micros(moment: datetime | None) -> int | None:
    """Integer microseconds since the epoch (exact ordering and equality); None stays None."""
    return None if moment is None else round(epoch_seconds(moment) * 1_000_000)
