"""Parsing shared by several commands; a bad value is a usage error (exit code 2)."""

from __future__ import annotations

import datetime as dt

import typer

from tribe_sync.domain.calendar import FIRST_YEAR, LAST_YEAR, Month
from tribe_sync.domain.forecasts import ForecastState

__all__ = ["parse_day", "parse_month"]


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
