"""What the domain can hold: every value that crosses the mapper is checked against these, and a value
outside them makes its record one reported problem instead of an object (or a crash) further on.

The bounds are generous (no real request, forecast or address comes near them) and exist so that no
absurd value from the portal or a staff edit reaches arithmetic, files or logs: a year 10000 that
would overflow `date`, a quantity of 10**30 that would swamp a month's capacity, a 10,000-character
"postcode", a NUL byte or a lone surrogate that no UTF-8 file can hold.
"""

from __future__ import annotations

import datetime as dt
import re

from tribe_sync.domain.calendar import FIRST_YEAR, LAST_YEAR

__all__ = [
    "FIRST_YEAR",
    "LAST_YEAR",
    "MAX_ID_CHARS",
    "MAX_QUANTITY",
    "MAX_TEXT_CHARS",
    "date_fault",
    "text_fault",
    "year_fault",
]

MAX_QUANTITY = 1_000_000  # devices in one request, forecast, report or month: far above the programme
MAX_TEXT_CHARS = 4_000  # one text field (an explanation is the longest)
MAX_ID_CHARS = 100  # a Tribe ID is a 36-character GUID
# Unicode's control characters (Cc) but tab and line breaks, and surrogates (Cs): one C-speed search,
# as tens of thousands of records each carry a dozen text fields.
_UNHOLDABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def year_fault(year: int) -> str | None:
    """Why `year` is outside what the domain can hold, or None."""
    if FIRST_YEAR <= year <= LAST_YEAR:
        return None
    return f"year {year} is outside {FIRST_YEAR} to {LAST_YEAR}"


def date_fault(day: dt.date) -> str | None:
    return year_fault(day.year)


def text_fault(text: str, limit: int = MAX_TEXT_CHARS) -> str | None:
    """Why `text` cannot be held (too long, a control character, half a surrogate pair), or None.

    Tabs and line breaks are allowed: explanations and notes have several lines."""
    if len(text) > limit:
        return f"{len(text)} characters, at most {limit}"
    found = _UNHOLDABLE.search(text)
    return f"control character U+{ord(found.group()):04X}" if found else None
