from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tribe_sync.config import ProgrammeSettings
from tribe_sync.domain.calendar import (
    Month,
    Quarter,
    WorkingDays,
    easter_sunday,
    holidays_in,
    planning_window,
)

DEFAULT = WorkingDays(ProgrammeSettings().holidays)
D = dt.date


@pytest.mark.parametrize(
    ("year", "easter"), [(2025, D(2025, 4, 20)), (2026, D(2026, 4, 5)), (2027, D(2027, 3, 28))]
)
def test_easter_falls_on_the_known_sundays(year: int, easter: dt.date) -> None:
    assert easter_sunday(year) == easter


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (
            2025,
            {
                D(2025, 1, 1),
                D(2025, 4, 21),
                D(2025, 4, 26),
                D(2025, 5, 5),
                D(2025, 5, 29),
                D(2025, 6, 9),
                D(2025, 12, 25),
                D(2025, 12, 26),
            },
        ),
        (
            2026,
            {
                D(2026, 1, 1),
                D(2026, 4, 6),
                D(2026, 4, 27),
                D(2026, 5, 14),
                D(2026, 5, 25),
                D(2026, 12, 25),
                D(2026, 12, 26),
            },
        ),
        (
            2027,
            {
                D(2027, 1, 1),
                D(2027, 3, 29),
                D(2027, 4, 27),
                D(2027, 5, 6),
                D(2027, 5, 17),
                D(2027, 12, 25),
                D(2027, 12, 26),
            },
        ),
    ],
)
def test_the_default_holidays_for_2025_to_2027(year: int, expected: set[dt.date]) -> None:
    # King's Day 2025 falls on a Sunday and moves to Saturday 26 April; 5 May is a day off only in
    # lustrum years (2025); Good Friday is not a day off unless configured.
    assert holidays_in(year, ProgrammeSettings().holidays) == expected


def test_good_friday_and_every_fifth_of_may_can_be_configured() -> None:
    days = holidays_in(2026, ["good_friday", "liberation_day"])
    assert days == {D(2026, 4, 3), D(2026, 5, 5)}
    with pytest.raises(ValueError, match="unknown holiday rule"):
        holidays_in(2026, ["carnival"])


@pytest.mark.parametrize(
    ("quarter", "first_working_day"),
    [
        (Quarter(2026, 1), D(2026, 1, 2)),  # 1 January is New Year's Day
        (Quarter(2027, 1), D(2027, 1, 4)),  # New Year's Day on a Friday, then the weekend
        (Quarter(2028, 1), D(2028, 1, 3)),  # 1 January on a Saturday
        (Quarter(2024, 2), D(2024, 4, 2)),  # 1 April 2024 was Easter Monday
        (Quarter(2026, 2), D(2026, 4, 1)),
        (Quarter(2026, 3), D(2026, 7, 1)),
        (Quarter(2026, 4), D(2026, 10, 1)),
        (Quarter(2028, 4), D(2028, 10, 2)),  # 1 October 2028 is a Sunday
    ],
)
def test_the_first_working_day_of_a_quarter_skips_weekends_and_holidays(
    quarter: Quarter, first_working_day: dt.date
) -> None:
    assert DEFAULT.first_of_quarter(quarter) == first_working_day


def test_extra_holidays_are_not_working_days() -> None:
    days = WorkingDays(("new_year",), frozenset({D(2026, 1, 2)}))
    assert days.first_of_quarter(Quarter(2026, 1)) == D(2026, 1, 5)


@pytest.mark.parametrize(
    ("quarter", "deadline"),
    [
        (Quarter(2027, 1), D(2026, 12, 16)),
        (Quarter(2026, 2), D(2026, 3, 16)),
        (Quarter(2026, 3), D(2026, 6, 15)),
        (Quarter(2026, 4), D(2026, 9, 15)),
    ],
)
def test_forecast_deadlines_are_15_days_before_the_preceding_quarter_ends(
    quarter: Quarter, deadline: dt.date
) -> None:
    assert quarter.forecast_deadline == deadline


def test_month_arithmetic_crosses_years_and_labels_in_dutch() -> None:
    assert Month(2026, 11) + 3 == Month(2027, 2)
    assert Month(2027, 1) - 1 == Month(2026, 12)
    assert Month(2026, 2).last_day == D(2026, 2, 28)
    assert Month(2028, 2).last_day == D(2028, 2, 29)
    assert Month.parse("2026-12").label == "december 2026"
    assert Month(2026, 11).months_until(Month(2027, 2)) == 3
    with pytest.raises(ValueError, match="month code"):
        Month.parse("2026-1")


def test_quarters_parse_and_step() -> None:
    assert Quarter.parse("2026-Q4") + 1 == Quarter(2027, 1)
    assert str(Quarter(2027, 1) - 1) == "2026-Q4"
    assert Quarter(2026, 2).months == (Month(2026, 4), Month(2026, 5), Month(2026, 6))


dates = st.dates(min_value=D(1900, 1, 1), max_value=D(2200, 12, 31))


@pytest.mark.parametrize(
    "text",
    ["2026-Q3", "2026Q3", "2026-3", "K3 2026", "K3-2026", "k3-2026", " k3 2026 ", "Q3 2026", "q3-2026"],
)
def test_a_quarter_parses_as_the_iso_code_or_as_staff_write_it(text: str) -> None:
    assert Quarter.parse(text) == Quarter(2026, 3)


@pytest.mark.parametrize("text", ["Q3", "K5 2026", "2026", "K3", "3 2026"])
def test_a_quarter_without_year_or_number_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a quarter"):
        Quarter.parse(text)


@given(dates)
def test_every_date_lies_in_exactly_one_quarter(day: dt.date) -> None:
    quarter = Quarter.of(day)
    assert quarter.first_day <= day <= quarter.last_day
    assert not ((quarter - 1).first_day <= day <= (quarter - 1).last_day)
    assert not ((quarter + 1).first_day <= day <= (quarter + 1).last_day)
    assert Month.of(day).quarter == quarter


@given(dates)
def test_every_deadline_is_15_days_before_the_preceding_quarter_ends(day: dt.date) -> None:
    quarter = Quarter.of(day)
    assert quarter.forecast_deadline == quarter.first_day - dt.timedelta(days=16)
    assert (quarter.first_day - quarter.forecast_deadline).days == 16


@given(dates)
def test_the_first_working_day_is_a_weekday_within_a_week_of_the_quarter_start(day: dt.date) -> None:
    first = DEFAULT.first_of_quarter(Quarter.of(day))
    assert first.weekday() < 5
    assert 0 <= (first - Quarter.of(day).first_day).days <= 4


@pytest.mark.parametrize(
    ("real", "window"),
    [
        (D(2026, 12, 6), (D(2024, 1, 1), D(2027, 12, 31))),
        (D(2027, 1, 1), (D(2025, 1, 1), D(2028, 12, 31))),
        (D(1900, 6, 1), (D(1900, 1, 1), D(1901, 12, 31))),
    ],
)
def test_the_planning_window_runs_from_two_years_back_to_the_end_of_next_year(
    real: dt.date, window: tuple[dt.date, dt.date]
) -> None:
    assert planning_window(real) == window
