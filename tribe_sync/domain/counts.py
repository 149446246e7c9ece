"""Counts as staff read them: `1 aanvraag`, `2 aanvragen`, never `aanvraag/aanvragen` or `regel(s)`.

Pure: every layer that writes a count for people (jobs' reasons, the command line, the console) uses it.
"""

from __future__ import annotations

__all__ = ["counted"]


def counted(count: int, one: str, many: str, *, number: str | None = None) -> str:
    """`count` followed by the singular `one` for exactly one and the plural `many` otherwise (0 too,
    as Dutch has it: `0 wijzigingen`). `number` is the count as written, if not plain (`1.234`)."""
    return f"{number if number is not None else count} {one if count == 1 else many}"
