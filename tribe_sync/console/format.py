"""How the console writes dates and numbers: Dutch, as the portal does (`14 januari 2027`, `1.234`)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from tribe_sync.domain.calendar import dutch_day

__all__ = ["dutch_date", "dutch_datetime", "dutch_number", "file_size"]


def dutch_date(day: dt.date | dt.datetime | None, tz: ZoneInfo | None = None) -> str:
    """`14 januari 2027`; a moment is shown as the day it was in the programme's time zone."""
    if day is None:
        return "—"
    if isinstance(day, dt.datetime):
        day = _local(day, tz).date()
    return dutch_day(day)


def dutch_datetime(moment: dt.datetime | None, tz: ZoneInfo | None = None) -> str:
    """`14 januari 2027 09:05`, in the programme's time zone."""
    if moment is None:
        return "—"
    local = _local(moment, tz)
    return f"{dutch_date(local.date())} {local:%H:%M}"


def file_size(size: int | None) -> str:
    """A file's size as people read it: `812 bytes`, `3,4 kB`, `1,2 MB` (1 kB = 1000 bytes)."""
    if size is None:
        return "—"
    if size < 1000:
        return f"{size} byte" if size == 1 else f"{size} bytes"
    for unit, factor in (("kB", 1000), ("MB", 1000**2), ("GB", 1000**3)):
        if size < factor * 1000 or unit == "GB":
            return f"{dutch_number(round(size / factor, 1))} {unit}"
    return f"{size} bytes"  # not reached


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
