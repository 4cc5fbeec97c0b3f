"""An injectable clock for app-layer tests: call it for the time, move `now` to travel."""

from __future__ import annotations

from datetime import datetime


class FakeClock:
    def __init__(self, now: datetime):
        if now.tzinfo is None:
            raise ValueError("the clock's time must be timezone-aware")
        self.now = now

    def __call__(self) -> datetime:
        return self.now
