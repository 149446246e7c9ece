"""Parsing shared by several commands; a bad value is a usage error (exit code 2)."""

from __future__ import annotations

import datetime as dt

import typer

from tribe_sync.domain.calendar import Month

__all__ = ["parse_day", "parse_month"]


def parse_day(value: str | None, default: dt.date, param: str = "--today") -> dt.date:
    if value is None:
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD", param_hint=param) from None


def parse_month(value: str, param: str = "MONTH") -> Month:
    try:
        return Month.parse(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a month; use YYYY-MM, e.g. 2027-01", param_hint=param
        ) from None
