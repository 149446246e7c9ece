"""Size hints: how many records a read matched last time, so that its pages can start together.

A read that asks for `$count` learns its total only from its first page, so without a hint its other
pages wait a round trip for that page. With a hint (the total a read of the same set and filter had
before) `TribeClient.iter_records` sends the pages that are surely non-empty if the set has not
shrunk alongside the first page; the first page's true count then decides the rest, as without one.

The client only uses a `ReadSizes`; where the hints are kept (in memory, in the store so that the
next process benefits) is the caller's choice (`bootstrap.Services` keeps them in the store).
"""

from __future__ import annotations

import hashlib
import threading
from typing import Protocol

from tribe_sync.client.odata import Query

__all__ = ["MemoryReadSizes", "ReadSizes", "read_key"]

# Query options that never change how many records a read matches.
_NOT_THE_SIZE = frozenset({"$count", "$select", "$expand", "$orderby", "$top", "$skip"})


class ReadSizes(Protocol):
    """Where a client finds and leaves the totals of its reads, by `read_key`.

    Called from the client's reader threads at once: an implementation must be thread-safe. None of
    the methods may raise: a hint is an optimisation, and a read must never fail because of one.
    """

    def get(self, key: str) -> int | None:
        """The total last seen for `key`, or None if none is known."""
        ...

    def put(self, key: str, total: int) -> None:
        """A read of `key` just matched `total` records (the tenant's `@odata.count`)."""
        ...

    def save(self) -> None:
        """Keep what `put` learned (a store writes the changed totals now, in one go). The client calls
        it when reads side by side have ended (a snapshot) and when it closes."""
        ...


def read_key(entity_set: str, query: Query) -> str:
    """What identifies a read's size: its entity set, and its `$filter` (and any other option that
    could change the count) as a hash, never as text: a filter may carry a value from the data (an
    order number, an ID), which has no place in the store. `$select`, `$expand`, `$orderby` and paging
    leave the key alone; a read with none of the rest is keyed by its set's name alone."""
    parts = [("$filter", query.filter.text)] if query.filter is not None else []
    parts += sorted((name, value) for name, value in query.extra if name not in _NOT_THE_SIZE)
    if not parts:
        return entity_set
    text = "&".join(f"{name}={value}" for name, value in parts)
    return f"{entity_set}?{hashlib.sha256(text.encode()).hexdigest()[:24]}"


class MemoryReadSizes:
    """Hints for this process only: in a dictionary, gone when it ends."""

    def __init__(self, totals: dict[str, int] | None = None) -> None:
        self._lock = threading.Lock()
        self.totals: dict[str, int] = dict(totals or {})

    def get(self, key: str) -> int | None:
        with self._lock:
            return self.totals.get(key)

    def put(self, key: str, total: int) -> None:
        with self._lock:
            self.totals[key] = total

    def save(self) -> None:
        pass
