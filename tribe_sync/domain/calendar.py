"""Months, quarters, forecast deadlines and working days: pure date arithmetic.

Holidays are named rules chosen in the settings, not a library's opinion: whether Good Friday or
5 May (in Dutch law a day off only every fifth year) is a day off is the foundation's decision.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "FIRST_YEAR",
    "HOLIDAY_RULES",
    "LAST_YEAR",
    "Month",
    "Quarter",
    "WorkingDays",
    "day_label",
    "dutch_day",
    "easter_sunday",
    "holidays_in",
    "month_label",
    "planning_window",
    "quarter_label",
]

DUTCH_MONTHS = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)


def dutch_day(day: dt.date) -> str:
    """`14 januari 2027`: a day as staff write it."""
    return f"{day.day} {DUTCH_MONTHS[day.month - 1]} {day.year}"


_MONTH_CODE = re.compile(r"^(\d{4})-(\d{2})$")

# The years the programme's date arithmetic is defined for. Python's `date` ends in 9999, and every
# job looks ahead (months ahead, the next quarter, deadlines, follow-ups): keeping every date the
# domain holds far inside date's range keeps all of that arithmetic in range. A date outside is bad
# data (a record) or a usage error (`--today`), never a crash.
FIRST_YEAR = 1900
LAST_YEAR = 2999


def planning_window(real_today: dt.date) -> tuple[dt.date, dt.date]:
    """The days a job may be planned as of (`--today`), given the real date: back to 1 January two
    years ago (a missed day re-run, a quarter's reminders late) and ahead to 31 December next year
    (next year's first forecast deadline, a month's allocation planned ahead). Outside it the CRM holds
    nothing to plan, and a run would write tasks for years nobody works in: a usage error."""
    first = dt.date(max(real_today.year - 2, FIRST_YEAR), 1, 1)
    last = dt.date(min(real_today.year + 1, LAST_YEAR), 12, 31)
    return first, last


@dataclass(frozen=True, order=True, slots=True)
class Month:
    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"month must be 1 to 12, not {self.month}")

    @classmethod
    def of(cls, day: dt.date) -> Month:
        return cls(day.year, day.month)

    @classmethod
    def parse(cls, code: str) -> Month:
        """`2026-12`, the code of a delivery month."""
        match = _MONTH_CODE.fullmatch(code.strip()) if isinstance(code, str) else None
        if not match:
            raise ValueError(f"not a month code (YYYY-MM): {code!r}")
        return cls(int(match[1]), int(match[2]))

    def __add__(self, months: int) -> Month:
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    def __sub__(self, months: int) -> Month:
        return self + (-months)

    def months_until(self, other: Month) -> int:
        return (other.year - self.year) * 12 + other.month - self.month

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last_day(self) -> dt.date:
        return (self + 1).first_day - dt.timedelta(days=1)

    @property
    def quarter(self) -> Quarter:
        return Quarter(self.year, (self.month - 1) // 3 + 1)

    @property
    def code(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        """Dutch, as the portal shows it: `december 2026`."""
        return f"{DUTCH_MONTHS[self.month - 1]} {self.year}"

    def __str__(self) -> str:
        return self.code


@dataclass(frozen=True, order=True, slots=True)
class Quarter:
    year: int
    number: int

    def __post_init__(self) -> None:
        if not 1 <= self.number <= 4:
            raise ValueError(f"quarter must be 1 to 4, not {self.number}")

    @classmethod
    def of(cls, day: dt.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """`2026-Q4` (also `2026Q4`, `2026-4`), or as staff write it, `K4 2026` (also `k4-2026`, and
        `Q4 2026` as an English spreadsheet heads it)."""
        iso = re.fullmatch(r"(\d{4})-?[Qq]?([1-4])", text.strip())
        if iso:
            return cls(int(iso[1]), int(iso[2]))
        dutch = re.fullmatch(r"[KkQq]([1-4])[\s-]*(\d{4})", text.strip())
        if dutch:
            return cls(int(dutch[2]), int(dutch[1]))
        raise ValueError(f"not a quarter (YYYY-Qn or Kn YYYY): {text!r}")

    def __add__(self, quarters: int) -> Quarter:
        index = self.year * 4 + self.number - 1 + quarters
        return Quarter(index // 4, index % 4 + 1)

    def __sub__(self, quarters: int) -> Quarter:
        return self + (-quarters)

    @property
    def months(self) -> tuple[Month, Month, Month]:
        first = Month(self.year, self.number * 3 - 2)
        return first, first + 1, first + 2

    @property
    def first_day(self) -> dt.date:
        return self.months[0].first_day

    @property
    def last_day(self) -> dt.date:
        return self.months[2].last_day

    @property
    def label(self) -> str:
        """Dutch, as staff write it: `K1 2027` (kwartaal 1)."""
        return f"K{self.number} {self.year}"

    @property
    def forecast_deadline(self) -> dt.date:
        """Inclusive: 15 days before the end of the preceding quarter (Q1's is 16 December)."""
        return _forecast_deadline(self.year, self.number)

    def __str__(self) -> str:
        return f"{self.year}-Q{self.number}"


@functools.cache
def _forecast_deadline(year: int, number: int) -> dt.date:
    # Cached: every forecast of a list asks for its quarter's deadline, and there are few quarters.
    return (Quarter(year, number) - 1).last_day - dt.timedelta(days=15)


def easter_sunday(year: int) -> dt.date:
    """Gregorian Easter (the anonymous algorithm, valid for every Gregorian year)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month = (h + leap - 7 * m + 114) // 31
    day = (h + leap - 7 * m + 114) % 31 + 1
    return dt.date(year, month, day)


def _kings_day(year: int) -> dt.date:
    day = dt.date(year, 4, 27)
    return day - dt.timedelta(days=1) if day.weekday() == 6 else day


HOLIDAY_RULES = {
    "new_year": lambda y: [dt.date(y, 1, 1)],
    "good_friday": lambda y: [easter_sunday(y) - dt.timedelta(days=2)],
    "easter_monday": lambda y: [easter_sunday(y) + dt.timedelta(days=1)],
    "kings_day": lambda y: [_kings_day(y)],
    "liberation_day": lambda y: [dt.date(y, 5, 5)],
    "liberation_day_lustrum": lambda y: [dt.date(y, 5, 5)] if y % 5 == 0 else [],
    "ascension_day": lambda y: [easter_sunday(y) + dt.timedelta(days=39)],
    "whit_monday": lambda y: [easter_sunday(y) + dt.timedelta(days=50)],
    "christmas_day": lambda y: [dt.date(y, 12, 25)],
    "boxing_day": lambda y: [dt.date(y, 12, 26)],
}


def holidays_in(year: int, rules: Iterable[str]) -> frozenset[dt.date]:
    days: set[dt.date] = set()
    for rule in rules:
        try:
            days.update(HOLIDAY_RULES[rule](year))
        except KeyError:
            raise ValueError(f"unknown holiday rule {rule!r}; known: {', '.join(HOLIDAY_RULES)}") from None
    return frozenset(days)


@dataclass(frozen=True)
class WorkingDays:
    """Weekdays that are not holidays, by the configured rules plus explicit extra days."""

    rules: tuple[str, ...]
    extra: frozenset[dt.date] = frozenset()

    def is_working_day(self, day: dt.date) -> bool:
        return (
            day.weekday() < 5 and day not in self.extra and day not in _cached_holidays(day.year, self.rules)
        )

    def first_on_or_after(self, day: dt.date) -> dt.date:
        while not self.is_working_day(day):
            day += dt.timedelta(days=1)
        return day

    def first_of_quarter(self, quarter: Quarter) -> dt.date:
        return self.first_on_or_after(quarter.first_day)


@lru_cache(maxsize=256)
def _cached_holidays(year: int, rules: tuple[str, ...]) -> frozenset[dt.date]:
    return holidays_in(year, rules)


def month_label(code: object) -> str:
    """A month's code (`2026-12`) as staff read it, `december 2026`; anything else as it is."""
    try:
        return Month.parse(str(code)).label
    except ValueError:
        return str(code)


def quarter_label(code: object) -> str:
    """A quarter's code (`2027-Q1`) as staff read it, `K1 2027`; anything else as it is."""
    try:
        return Quarter.parse(str(code)).label
    except ValueError:
        return str(code)


def day_label(value: object) -> str:
    """A day (a date or its ISO text, `2026-12-20`) as staff read it, `20 december 2026`; anything
    else as it is."""
    try:
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return dutch_day(day)
