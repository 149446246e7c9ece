"""How the console writes dates and numbers: Dutch, as the portal does (`14 januari 2027`, `1.234`)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from tribe_sync.domain.calendar import DUTCH_MONTHS

__all__ = ["dutch_date", "dutch_datetime", "dutch_number"]


def dutch_date(day: dt.date | dt.datetime | None, tz: ZoneInfo | None = None) -> str:
    """`14 januari 2027`; a moment is shown as the day it was in the programme's time zone."""
    if day is None:
        return "—"
    if isinstance(day, dt.datetime):
        day = _local(day, tz).date()
    return f"{day.day} {DUTCH_MONTHS[day.month - 1]} {day.year}"


def dutch_datetime(moment: dt.datetime | None, tz: ZoneInfo | None = None) -> str:
    """`14 januari 2027 09:05`, in the programme's time zone."""
    if moment is None:
        return "—"
    local = _local(moment, tz)
    return f"{dutch_date(local.date())} {local:%H:%M}"


def dutch_number(value: int | float | None) -> str:
    """Thousands with a dot, decimals with a comma: `1.234`, `12,5`."""
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        whole, _, fraction = f"{value:,.1f}".partition(".")
        return whole.replace(",", ".") + "," + fraction
    return f"{int(value):,}".replace(",", ".")


def _local(moment: dt.datetime, tz: ZoneInfo | None) -> dt.datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(tz) if tz is not None else moment
