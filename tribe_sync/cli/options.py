"""Parsing shared by several commands; a bad value is a usage error (exit code 2)."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

import typer

from tribe_sync.cli.wording import FORECAST_STATE_WORDS
from tribe_sync.domain.calendar import DUTCH_MONTHS, FIRST_YEAR, LAST_YEAR, Month, Quarter, planning_window
from tribe_sync.domain.forecasts import ForecastState

if TYPE_CHECKING:
    from tribe_sync.jobs.executor import Job

__all__ = [
    "STATE_WORDS",
    "parse_day",
    "parse_job",
    "parse_month",
    "parse_planning_day",
    "parse_quarter",
    "parse_quarter_filter",
    "parse_run_name",
    "parse_state",
]


def parse_day(value: str | None, default: dt.date, param: str = "--today") -> dt.date:
    if value is None:
        return default
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD", param_hint=param) from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise typer.BadParameter(
            f"{value} is outside the years tribe-sync plans for ({FIRST_YEAR} to {LAST_YEAR})",
            param_hint=param,
        )
    return day


def parse_planning_day(value: str | None, real_today: dt.date, param: str = "--today") -> dt.date:
    """A day to plan a job as of: a date inside `planning_window` of the real date."""
    day = parse_day(value, real_today, param)
    first, last = planning_window(real_today)
    if not first <= day <= last:
        raise typer.BadParameter(
            f"{day} is outside the days a job can be planned for: {first} to {last} (from two years back "
            "to the end of next year)",
            param_hint=param,
        )
    return day


def parse_job(value: str, param: str = "NAME") -> Job:
    """A job by its public name (`jobs run`, `jobs plan`)."""
    from tribe_sync.jobs.registry import JOBS  # noqa: PLC0415 - the jobs, only for a command about one

    job = JOBS.get(value.strip())
    if job is None:
        raise typer.BadParameter(_unknown(value, tuple(JOBS)), param_hint=param)
    return job


def parse_run_name(value: str | None, param: str = "--job") -> str | None:
    """What the journal's runs are named: a job, or a staff command's or the approval notice's run."""
    if value is None:
        return None
    from tribe_sync.jobs.registry import JOBS, OTHER_RUNS  # noqa: PLC0415 - see parse_job

    if value.strip() in (*JOBS, *OTHER_RUNS):
        return value.strip()
    raise typer.BadParameter(
        _unknown(value, tuple(JOBS)) + f"; other runs: {', '.join(OTHER_RUNS)}", param_hint=param
    )


def _unknown(value: str, names: tuple[str, ...]) -> str:
    return f"no job {value!r}; the jobs are: {', '.join(names)}"


def parse_month(value: str, param: str | None = "MONTH") -> Month:
    """A month as staff type it: the code (`2027-01`) or as the tables show it (`januari 2027`, any
    case); said in Dutch when it is not one (staff commands only)."""
    label = re.fullmatch(r"([a-z]+)\s+([0-9]{4})", value.strip().casefold())
    if label and label[1] in DUTCH_MONTHS:
        return Month(int(label[2]), DUTCH_MONTHS.index(label[1]) + 1)
    try:
        return Month.parse(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is geen maand; schrijf JJJJ-MM of maand en jaar, bijvoorbeeld 2027-01 of "
            "januari 2027",
            param_hint=param,
        ) from None


def parse_quarter(value: str, today: dt.date, param: str = "--quarter") -> Quarter:
    """A quarter as the ISO code (`2026-Q3`) or as staff write it (`K3 2026`, `k3-2026`) that has
    begun by `today`: a report of a quarter to come would show today's figures under its name."""
    try:
        quarter = Quarter.parse(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is geen kwartaal; schrijf K3 2026 of 2026-Q3", param_hint=param
        ) from None
    current = Quarter.of(today)
    if quarter > current:
        raise typer.BadParameter(
            f"{quarter.label} is nog niet begonnen; te rapporteren zijn de kwartalen tot en met "
            f"{current.label} (dat loopt nog: de cijfers tot nu toe)",
            param_hint=param,
        )
    return quarter


def parse_quarter_filter(value: str | None, year: int | None) -> tuple[int | None, int | None]:
    """`--quarter` with `--year` as (year, quarter): a number 1 to 4, or a whole quarter as the tables
    show it (`K1 2027`, also `2027-Q1`), which sets the year; refused if `--year` says another."""
    if value is None:
        return year, None
    text = value.strip()
    if text.isascii() and text.isdigit():
        if not 1 <= int(text) <= 4:
            raise typer.BadParameter(f"{text} kan niet; geef 1 tot en met 4", param_hint="--quarter")
        return year, int(text)
    try:
        quarter = Quarter.parse(text)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is geen kwartaal; schrijf 1 tot en met 4, K1 2027 of 2027-Q1", param_hint="--quarter"
        ) from None
    if year is not None and year != quarter.year:
        raise typer.BadParameter(
            f"{quarter.label} valt niet in {year}; laat --year weg of geef {quarter.year}",
            param_hint="--year",
        )
    return quarter.year, quarter.number


# A forecast's state as the tables show it (`telt`, `vervangen`, `te laat`), by its code.
STATE_WORDS = {state: FORECAST_STATE_WORDS[state.value] for state in ForecastState}


def parse_state(value: str | None, param: str = "--state") -> ForecastState | None:
    """A forecast state by its Dutch word as the tables show it or by its code, in any case. Declared
    as a string, because typer's own enum check shows pydantic's "Value error, ..." prefix."""
    if value is None:
        return None
    wanted = " ".join(value.split()).casefold()
    for state, words in STATE_WORDS.items():
        if wanted in (words, state.value):
            return state
    raise typer.BadParameter(
        f"{value!r} is geen stand van een prognose; kies uit {', '.join(STATE_WORDS.values())} "
        f"(of {', '.join(ForecastState)})",
        param_hint=param,
    )
