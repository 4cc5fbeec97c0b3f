"""Working time: when units are at work, and arithmetic on it.

A `WorkingCalendar` knows the weekly working hours in the city's time zone, the public holidays
(whole days off) and the compensatory working days (a Saturday worked in exchange for a day off).
Instants in and out are timezone-aware; results are in UTC. Pauses (a question awaiting the
journalist's clarification) are spans that do not count: `(start, end)`, `end=None` while open.

    calendar = load_calendar()                       # the shipped vn-gov calendar
    due = calendar.add(asked_at, timedelta(hours=4))  # 4 working hours later
    used = calendar.elapsed(asked_at, now, pauses)    # working time between, pauses excluded
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

CALENDAR_ID = "vn-gov"
ALWAYS_ID = "always"
CALENDAR_FILE = "vn_gov_calendar.json"
DAY = timedelta(days=1)
# A calendar with no working time in a whole year cannot finish any deadline: refuse rather than loop.
MAX_IDLE_DAYS = 400
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Span = tuple[timedelta, timedelta]  # offsets from local midnight, start < end <= 24 h
Interval = tuple[datetime, datetime]  # aware instants, start < end
Pause = tuple[datetime, datetime | None]

_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class CalendarError(ValueError):
    """A calendar definition (file or setting) is not valid."""


def parse_span(text: str) -> Span:
    """ "08:00-12:00" → (8 h, 12 h); "00:00-24:00" is the whole day."""
    match = _SPAN.match(text)
    if not match:
        raise CalendarError(f"{text!r} is not a span of hours like 08:00-12:00")
    h1, m1, h2, m2 = (int(part) for part in match.groups())
    start, end = timedelta(hours=h1, minutes=m1), timedelta(hours=h2, minutes=m2)
    if m1 > 59 or m2 > 59 or not timedelta(0) <= start < end <= DAY:
        raise CalendarError(f"{text!r}: the span must start before it ends, within one day")
    return start, end


def _day_spans(texts: Iterable[str]) -> tuple[Span, ...]:
    spans = sorted(parse_span(text) for text in texts)
    for (_, end), (start, _) in itertools.pairwise(spans):
        if start < end:
            raise CalendarError(f"working hours overlap: {', '.join(texts)}")
    return tuple(spans)


def parse_weekly_hours(text: str) -> dict[int, tuple[Span, ...]]:
    """Weekly hours from a setting: "mon-fri=08:00-12:00,13:30-17:00;sat=08:00-11:30".

    Days not named have no working hours. Ranges wrap nothing: "mon-fri" is Monday to Friday.
    """
    weekly: dict[int, tuple[Span, ...]] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        days, _, spans = part.partition("=")
        first, _, last = days.strip().lower().partition("-")
        if first not in WEEKDAYS or (last and last not in WEEKDAYS):
            raise CalendarError(f"{days.strip()!r}: days are {', '.join(WEEKDAYS)} or a range like mon-fri")
        lo, hi = WEEKDAYS.index(first), WEEKDAYS.index(last or first)
        if hi < lo:
            raise CalendarError(f"{days.strip()!r}: a day range runs forward, e.g. mon-fri")
        day_spans = _day_spans(s for s in spans.split(",") if s.strip())
        for weekday in range(lo, hi + 1):
            weekly[weekday] = day_spans
    if not any(weekly.values()):
        raise CalendarError(f"{text!r} gives no working hours at all")
    return weekly


def _merged(pauses: Iterable[Pause]) -> list[tuple[datetime, datetime | None]]:
    """Pauses sorted and merged; an open pause (end None) swallows everything after its start."""
    merged: list[tuple[datetime, datetime | None]] = []
    for start, end in sorted(pauses, key=lambda p: p[0]):
        if end is not None and end <= start:
            continue
        if merged:
            last_start, last_end = merged[-1]
            if last_end is None or start <= last_end:
                merged[-1] = (last_start, None if end is None or last_end is None else max(last_end, end))
                continue
        merged.append((start, end))
    return merged


def _without_pauses(
    intervals: Iterable[Interval], pauses: Sequence[tuple[datetime, datetime | None]]
) -> Iterator[Interval]:
    """`intervals` with the (merged, sorted) pauses cut out; stops at an open pause."""
    index = 0
    for start, end in intervals:
        cursor = start
        while index < len(pauses):  # skip pauses over before this interval: they never matter again
            pause_end = pauses[index][1]
            if pause_end is None or pause_end > cursor:
                break
            index += 1
        scan = index
        while cursor < end:
            if scan >= len(pauses) or pauses[scan][0] >= end:
                yield cursor, end
                break
            p_start, p_end = pauses[scan]
            if p_start > cursor:
                yield cursor, p_start
            if p_end is None:
                return
            cursor = max(cursor, p_end)
            scan += 1


@dataclass(frozen=True)
class WorkingCalendar:
    """Weekly hours (weekday 0 = Monday), holidays and compensatory working days, in `tz`."""

    id: str
    tz: tzinfo
    weekly: Mapping[int, tuple[Span, ...]]
    holidays: Mapping[date, str] = field(default_factory=dict)
    working_days: Mapping[date, str] = field(default_factory=dict)
    compensatory_hours: tuple[Span, ...] = ()
    provisional_years: frozenset[int] = frozenset()
    years: frozenset[int] = frozenset()

    @classmethod
    def always(cls, tz: tzinfo = UTC) -> WorkingCalendar:
        """Every instant is working time (24/7): for tests and round-the-clock desks."""
        whole_day = ((timedelta(0), DAY),)
        return cls(ALWAYS_ID, tz, dict.fromkeys(range(7), whole_day))

    # -- days ---------------------------------------------------------------------------------

    def hours_on(self, day: date) -> tuple[Span, ...]:
        """The working spans of a local calendar day (none on a holiday)."""
        if day in self.working_days:
            return self.compensatory_hours or self.weekly.get(0, ())
        if day in self.holidays:
            return ()
        return self.weekly.get(day.weekday(), ())

    def is_working_day(self, day: date) -> bool:
        return bool(self.hours_on(day))

    def holiday_name(self, day: date) -> str | None:
        return None if day in self.working_days else self.holidays.get(day)

    def _local(self, day: date, offset: timedelta) -> datetime:
        # wall-clock arithmetic on the local day, then the UTC instant it names
        return (datetime.combine(day, time(), tzinfo=self.tz) + offset).astimezone(UTC)

    def day_intervals(self, day: date) -> list[Interval]:
        """The working intervals of a local day, as UTC instants."""
        return [(self._local(day, a), self._local(day, b)) for a, b in self.hours_on(day)]

    # -- instants -----------------------------------------------------------------------------

    def intervals(self, start: datetime, end: datetime | None = None) -> Iterator[Interval]:
        """Working intervals from `start` (up to `end`, or for ever), clipped, in order."""
        _aware(start, "start")
        if end is not None:
            _aware(end, "end")
            if end <= start:
                return
        day = start.astimezone(self.tz).date()
        idle = 0
        while True:
            spans = self.day_intervals(day)
            idle = 0 if spans else idle + 1
            if idle > MAX_IDLE_DAYS:
                raise CalendarError(f"calendar {self.id} has no working time for {MAX_IDLE_DAYS} days after {day}")
            for a, b in spans:
                if end is not None and a >= end:
                    return
                a, b = max(a, start), b if end is None else min(b, end)
                if a < b:
                    yield a, b
            day += DAY

    def is_working_time(self, instant: datetime) -> bool:
        return any(a <= instant < b for a, b in self.day_intervals(instant.astimezone(self.tz).date()))

    def next_working_time(self, instant: datetime) -> datetime:
        """`instant` itself when it is working time, else the start of the next working interval."""
        return next(self.intervals(instant))[0]

    def elapsed(self, start: datetime, end: datetime, pauses: Iterable[Pause] = ()) -> timedelta:
        """Working time between `start` and `end`, pauses excluded (an open pause runs to `end`)."""
        total = timedelta(0)
        for a, b in _without_pauses(self.intervals(start, end), _merged(pauses)):
            total += b - a
        return total

    def add(self, start: datetime, duration: timedelta, pauses: Iterable[Pause] = ()) -> datetime | None:
        """The instant when `duration` of working time has passed since `start`, pauses excluded.

        None when an open pause stops the clock before the duration is used up. A duration that
        ends exactly at the end of a working interval gives that end (17:00, not 08:00 next day).
        """
        _aware(start, "start")
        if duration < timedelta(0):
            raise ValueError("a working duration cannot be negative")
        if duration == timedelta(0):
            return start.astimezone(UTC)
        remaining = duration
        for a, b in _without_pauses(self.intervals(start), _merged(pauses)):
            if b - a >= remaining:
                return a + remaining
            remaining -= b - a
        return None


def _aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


# --- loading -------------------------------------------------------------------------------------


def calendar_from_data(data: Mapping[str, Any], weekly_override: str | None = None) -> WorkingCalendar:
    """A calendar from its JSON definition (see `data/vn_gov_calendar.json`)."""
    try:
        tz = ZoneInfo(str(data["timezone"]))
        weekly_data: Mapping[str, list[str]] = data["weekly_hours"]
        unknown = set(weekly_data) - set(WEEKDAYS)
        if unknown:
            raise CalendarError(f"unknown weekdays in weekly_hours: {', '.join(sorted(unknown))}")
        weekly = (
            parse_weekly_hours(weekly_override)
            if weekly_override
            else {WEEKDAYS.index(name): _day_spans(spans) for name, spans in weekly_data.items()}
        )
        holidays: dict[date, str] = {}
        working_days: dict[date, str] = {}
        provisional: set[int] = set()
        for year_text, year in data.get("years", {}).items():
            year_number = int(year_text)
            if year.get("status") == "provisional":
                provisional.add(year_number)
            for item in year.get("holidays", []):
                day = date.fromisoformat(item["date"])
                _check_year(day, year_number)
                holidays[day] = str(item.get("name_vi") or item.get("name_en") or "holiday")
            for item in year.get("working_days", []):
                day = date.fromisoformat(item["date"])
                _check_year(day, year_number)
                working_days[day] = str(item.get("note_vi") or item.get("note_en") or "working day")
        both = sorted(set(holidays) & set(working_days))
        if both:
            raise CalendarError(f"days both holiday and working day: {', '.join(map(str, both))}")
        compensatory = _day_spans(data.get("compensatory_day_hours", []))
        return WorkingCalendar(
            id=str(data["id"]),
            tz=tz,
            weekly=weekly,
            holidays=holidays,
            working_days=working_days,
            compensatory_hours=compensatory,
            provisional_years=frozenset(provisional),
            years=frozenset(int(y) for y in data.get("years", {})),
        )
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, CalendarError):
            raise
        raise CalendarError(f"invalid calendar definition: {type(exc).__name__}: {exc}") from None


def _check_year(day: date, year: int) -> None:
    if day.year != year:
        raise CalendarError(f"{day} is listed under year {year}")


def load_calendar(name: str = CALENDAR_ID, weekly_override: str | None = None) -> WorkingCalendar:
    """`vn-gov` (shipped), `always` (24/7), or the path of a calendar JSON file."""
    if name == ALWAYS_ID:
        return WorkingCalendar.always()
    if name == CALENDAR_ID:
        text = resources.files(__package__).joinpath("data", CALENDAR_FILE).read_text(encoding="utf-8")
    else:
        path = Path(name)
        if not path.is_file():
            raise CalendarError(f"working calendar {name!r}: neither {CALENDAR_ID}, {ALWAYS_ID} nor a file")
        text = path.read_text(encoding="utf-8")
    return calendar_from_data(json.loads(text), weekly_override)
