"""The working-time calendar: Hanoi hours, nights, weekends, Vietnamese holidays, compensatory
Saturdays and pauses, on the shipped vn-gov data."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from presscenter.feedback.domain.calendar import (
    CalendarError,
    WorkingCalendar,
    calendar_from_data,
    load_calendar,
    parse_weekly_hours,
)

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = load_calendar()
H = timedelta(hours=1)


def ict(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=HANOI)


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        (ict(2026, 11, 30, 9), 2, ict(2026, 11, 30, 11)),  # a Monday morning
        (ict(2026, 11, 30, 11), 2, ict(2026, 11, 30, 14, 30)),  # over the lunch break
        (ict(2026, 11, 30, 13, 30), 3.5, ict(2026, 11, 30, 17)),  # ends exactly at 17:00, not next morning
        (ict(2026, 11, 30, 16, 30), 1, ict(2026, 12, 1, 8, 30)),  # over the night
        (ict(2026, 11, 30, 20), 1, ict(2026, 12, 1, 9)),  # asked at night: the clock starts at 08:00
        (ict(2026, 11, 30, 12, 15), 1, ict(2026, 11, 30, 14, 30)),  # asked at lunch
        (ict(2026, 11, 27, 16), 4, ict(2026, 11, 30, 11)),  # Friday afternoon over the weekend
        (ict(2026, 11, 28, 10), 1, ict(2026, 11, 30, 9)),  # asked on a Saturday
        (ict(2026, 11, 30, 9), 7.5 * 5, ict(2026, 12, 7, 9)),  # one working week
    ],
)
def test_adding_working_hours_skips_nights_lunch_and_weekends(
    start: datetime, hours: float, expected: datetime
) -> None:
    assert CAL.add(start, hours * H) == expected
    assert CAL.elapsed(start, expected) == hours * H


@pytest.mark.parametrize(
    ("start", "hours", "expected", "why"),
    [
        (ict(2026, 2, 13, 16), 4, ict(2026, 2, 23, 11), "Tết 2026: Sat 14 to Sun 22 February are off"),
        (ict(2026, 2, 13, 16, 30), 0.5, ict(2026, 2, 13, 17), "the last half hour before Tết"),
        (ict(2026, 12, 31, 16), 2, ict(2027, 1, 4, 9), "New Year's Day 2027 is a Friday"),
        (ict(2026, 4, 24, 17), 1, ict(2026, 4, 28, 9), "Hùng Kings' day falls on Sunday 26 April: Monday off"),
        (ict(2026, 4, 29, 17), 1, ict(2026, 5, 4, 9), "30/4 and 1/5 are Thursday and Friday"),
        (ict(2026, 8, 21, 16), 2, ict(2026, 8, 22, 9), "Saturday 22 August 2026 is a compensatory working day"),
        (ict(2026, 8, 28, 17), 1, ict(2026, 9, 3, 9), "31/8 (swapped), 1/9 and 2/9 are off"),
        (ict(2026, 11, 23, 17), 1, ict(2026, 11, 25, 9), "Vietnam Culture Day, 24 November"),
        (ict(2027, 2, 3, 17), 1, ict(2027, 2, 11, 9), "Tết 2027 (provisional): 4 to 10 February are off"),
        (ict(2027, 4, 15, 17), 1, ict(2027, 4, 19, 9), "Hùng Kings' day 2027 is Friday 16 April"),
        (ict(2027, 4, 29, 17), 1, ict(2027, 5, 4, 9), "30/4 Friday, 1/5 Saturday moved to Monday 3 May"),
        (ict(2027, 9, 1, 17), 1, ict(2027, 9, 6, 9), "National Day 2027: Thursday 2 and Friday 3 September"),
    ],
)
def test_holidays_and_compensatory_days(start: datetime, hours: float, expected: datetime, why: str) -> None:
    assert CAL.add(start, hours * H) == expected, why
    assert CAL.elapsed(start, expected) == hours * H, why


def test_the_shipped_data_lists_every_statutory_holiday_for_2026_and_2027() -> None:
    assert {2026, 2027} <= CAL.years
    assert CAL.provisional_years == {2027}
    for year in (2026, 2027):
        for month, day in ((1, 1), (4, 30), (5, 1), (9, 2)):
            assert CAL.holiday_name(date(year, month, day)), f"{year}-{month}-{day}"
        tet = [d for d, name in CAL.holidays.items() if d.year == year and "Tết Nguyên đán" in name]
        assert len(tet) >= 5, f"Tết {year} has at least the five statutory days"
        assert any("Hùng Vương" in name for d, name in CAL.holidays.items() if d.year == year)
        assert any("Quốc khánh" in name and d != date(year, 9, 2) for d, name in CAL.holidays.items() if d.year == year)
    assert date(2026, 2, 17) in CAL.holidays and date(2027, 2, 6) in CAL.holidays  # mùng 1 Tết
    assert CAL.is_working_day(date(2026, 8, 22)) and date(2026, 8, 22).weekday() == 5
    assert not CAL.is_working_day(date(2026, 8, 29))  # an ordinary Saturday


def test_working_time_and_the_next_working_instant() -> None:
    assert CAL.is_working_time(ict(2026, 11, 30, 8))
    assert not CAL.is_working_time(ict(2026, 11, 30, 12))
    assert not CAL.is_working_time(ict(2026, 11, 30, 17))
    assert not CAL.is_working_time(ict(2026, 2, 18, 10))
    assert CAL.next_working_time(ict(2026, 11, 30, 12, 5)) == ict(2026, 11, 30, 13, 30)
    assert CAL.next_working_time(ict(2026, 2, 14, 9)) == ict(2026, 2, 23, 8)
    assert CAL.next_working_time(ict(2026, 11, 30, 9)) == ict(2026, 11, 30, 9)


def test_results_are_utc_whatever_the_zone_of_the_input() -> None:
    start_utc = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # 09:00 in Hanoi
    due = CAL.add(start_utc, 2 * H)
    assert due is not None and due.tzinfo == UTC and due == ict(2026, 11, 30, 11)
    assert CAL.add(ict(2026, 11, 30, 9), timedelta(0)) == start_utc


def test_pauses_do_not_count_and_overlapping_pauses_count_once() -> None:
    start, end = ict(2026, 11, 30, 8), ict(2026, 11, 30, 17)
    assert CAL.elapsed(start, end) == 7.5 * H
    pause = (ict(2026, 11, 30, 11), ict(2026, 11, 30, 14))  # 1 h of morning work, 30 min of afternoon work
    assert CAL.elapsed(start, end, [pause]) == 6 * H
    overlapping = [pause, (ict(2026, 11, 30, 10), ict(2026, 11, 30, 11, 30)), (ict(2026, 11, 30, 16), end)]
    assert CAL.elapsed(start, end, overlapping) == 4 * H  # merged 10-14 and 16-17: 08-10 and 14-16 remain
    assert CAL.add(start, 3 * H, overlapping) == ict(2026, 11, 30, 15)
    # a deadline moves by the working time paused, across the night
    assert CAL.add(start, 7.5 * H, [pause]) == ict(2026, 12, 1, 9, 30)


def test_an_open_pause_stops_the_clock() -> None:
    start = ict(2026, 11, 30, 8)
    waiting = [(ict(2026, 11, 30, 10), None)]
    assert CAL.add(start, 1 * H, waiting) == ict(2026, 11, 30, 9)  # reached before the pause
    assert CAL.add(start, 3 * H, waiting) is None  # not before the journalist answers
    assert CAL.elapsed(start, ict(2026, 12, 3, 10), waiting) == 2 * H


def test_elapsed_and_add_agree_on_random_spans_over_two_years() -> None:
    rng = random.Random(20261127)
    for _ in range(300):
        start = ict(2026, 1, 1) + timedelta(minutes=rng.randrange(0, 2 * 365 * 24 * 60 - 60 * 24 * 40))
        duration = timedelta(minutes=rng.randrange(1, 60 * 60))
        pause_start = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 5))
        pauses = [(pause_start, pause_start + timedelta(minutes=rng.randrange(1, 60 * 24 * 3)))]
        due = CAL.add(start, duration, pauses)
        assert due is not None
        assert CAL.elapsed(start, due, pauses) == duration
        assert CAL.is_working_time(due - timedelta(microseconds=1))


def test_the_always_calendar_counts_every_second() -> None:
    always = WorkingCalendar.always()
    start = datetime(2026, 2, 17, 23, 59, 59, tzinfo=UTC)
    assert always.add(start, timedelta(seconds=3)) == start + timedelta(seconds=3)
    assert always.elapsed(start, start + timedelta(days=2)) == timedelta(days=2)
    pauses = [(start + timedelta(seconds=1), start + timedelta(seconds=2))]
    assert always.add(start, timedelta(seconds=3), pauses) == start + timedelta(seconds=4)
    assert load_calendar("always").id == "always"


def test_weekly_hours_can_be_configured() -> None:
    weekly = parse_weekly_hours("mon-fri=08:00-11:30,13:00-17:00; sat=08:00-11:00")
    assert weekly[5] == ((8 * H, 11 * H),) and 6 not in weekly
    saturday_shift = load_calendar(weekly_override="mon-fri=08:00-11:30,13:00-17:00;sat=08:00-11:00")
    assert saturday_shift.add(ict(2026, 11, 27, 16), 2 * H) == ict(2026, 11, 28, 9)
    assert saturday_shift.add(ict(2026, 4, 29, 17), 1 * H) == ict(2026, 5, 2, 9)  # 30/4 and 1/5 still off
    assert parse_weekly_hours("sun=00:00-24:00")[6] == ((timedelta(0), timedelta(days=1)),)


@pytest.mark.parametrize(
    "text",
    [
        "mon-fri=8-12",
        "mon-fri=12:00-08:00",
        "fri-mon=08:00-12:00",
        "mon=08:00-12:00,11:00-13:00",
        "xyz=08:00-09:00",
        "mon=",
        "mon=08:70-09:00",
    ],
)
def test_bad_weekly_hours_are_refused(text: str) -> None:
    with pytest.raises(CalendarError):
        parse_weekly_hours(text)


def test_bad_calendar_data_is_refused() -> None:
    base = {"id": "x", "timezone": "Asia/Ho_Chi_Minh", "weekly_hours": {"mon": ["08:00-12:00"]}}
    both = {**base, "years": {"2026": {"holidays": [{"date": "2026-08-22"}], "working_days": [{"date": "2026-08-22"}]}}}
    with pytest.raises(CalendarError, match="both holiday and working day"):
        calendar_from_data(both)
    wrong_year = {**base, "years": {"2026": {"holidays": [{"date": "2027-01-01"}]}}}
    with pytest.raises(CalendarError, match="listed under year 2026"):
        calendar_from_data(wrong_year)
    with pytest.raises(CalendarError):
        calendar_from_data({"id": "x", "timezone": "Nowhere/City", "weekly_hours": {}})
    with pytest.raises(CalendarError, match="neither"):
        load_calendar("/no/such/calendar.json")


def test_naive_times_and_a_calendar_without_working_time_are_errors() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.add(datetime(2026, 11, 30, 9), H)
    idle = WorkingCalendar("idle", UTC, {})
    with pytest.raises(CalendarError, match="no working time"):
        idle.add(datetime(2026, 1, 1, tzinfo=UTC), H)
    with pytest.raises(ValueError, match="negative"):
        CAL.add(ict(2026, 11, 30, 9), -H)
