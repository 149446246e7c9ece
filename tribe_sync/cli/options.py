"""Parsing shared by several commands; a bad value is a usage error (exit code 2)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import typer

from tribe_sync.domain.calendar import FIRST_YEAR, LAST_YEAR, Month, planning_window
from tribe_sync.domain.forecasts import ForecastState

if TYPE_CHECKING:
    from tribe_sync.jobs.executor import Job

__all__ = ["parse_day", "parse_job", "parse_month", "parse_planning_day", "parse_run_name", "parse_state"]


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


def parse_month(value: str, param: str = "MONTH") -> Month:
    try:
        return Month.parse(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a month; use YYYY-MM, e.g. 2027-01", param_hint=param
        ) from None


def parse_state(value: str | None, param: str = "--state") -> ForecastState | None:
    """A forecast state, said as our message with the allowed values. Declared as a string, because
    typer's own enum check shows pydantic's "Value error, ..." prefix to the person typing."""
    if value is None:
        return None
    try:
        return ForecastState(value.strip().lower())
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a forecast state; the states are {', '.join(ForecastState)}", param_hint=param
        ) from None
