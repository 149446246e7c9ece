"""Long tables a page at a time: `?vanaf=N` picks the first row, 100 rows a page.

A page at large scale must not render thousands of rows (the time is in the template, and nobody
reads them): each long table shows "101–200 van 3.456" with Vorige and Toon meer links that keep the
page's filters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlencode

from tribe_sync.console.format import dutch_number

__all__ = ["PAGE_SIZE", "START", "Pager"]

PAGE_SIZE = 100
START = "vanaf"  # the query parameter: the 0-based offset of the page's first row

T = TypeVar("T")


@dataclass(frozen=True)
class Pager:
    path: str
    query: tuple[tuple[str, str], ...]  # the page's other parameters (its filters), kept in the links
    start: int
    total: int
    size: int = PAGE_SIZE

    @classmethod
    def of(cls, path: str, query: Mapping[str, str], total: int, size: int = PAGE_SIZE) -> Pager:
        """The page `query` asks for (`vanaf`), clamped to the rows there are."""
        try:
            start = max(0, int(query.get(START, "0")))
        except ValueError:
            start = 0
        if start >= total:
            start = max(0, (total - 1) // size * size)
        kept = tuple((k, v) for k, v in query.items() if k != START and v != "")
        return cls(path, kept, start, total, size)

    @property
    def end(self) -> int:
        """The offset after the page's last row."""
        return min(self.total, self.start + self.size)

    def rows(self, everything: Sequence[T]) -> Sequence[T]:
        return everything[self.start : self.end]

    @property
    def summary(self) -> str:
        """`101–200 van 3.456`, or `0 van 0`."""
        if not self.total:
            return "0 van 0"
        return f"{dutch_number(self.start + 1)}–{dutch_number(self.end)} van {dutch_number(self.total)}"

    @property
    def several(self) -> bool:
        return self.total > self.size

    @property
    def previous_url(self) -> str | None:
        return self._url(max(0, self.start - self.size)) if self.start > 0 else None

    @property
    def next_url(self) -> str | None:
        return self._url(self.end) if self.end < self.total else None

    def _url(self, start: int) -> str:
        query = [*self.query, *([(START, str(start))] if start else [])]
        return self.path + ("?" + urlencode(query) if query else "")
