"""What the console works out from the read model once per refresh, not once per request.

The Organisaties table (stock, totals, this quarter's forecasts per organisation), a quarter's
forecasts with their states, the problems and the counts on the Overzicht change only when the read
model is refreshed. Each is computed on the first request that needs it after a refresh and shared
by every request until the next one (the version is the read model's per-set refresh times, one
small query), so paging through 4.000 organisations costs a slice, not a recomputation.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from tribe_sync.store.readmodel.refresh import Mirror

__all__ = ["Derived"]

T = TypeVar("T")


class Derived:
    def __init__(self, mirror: Mirror) -> None:
        self._mirror = mirror
        self._lock = threading.Lock()
        self._version: tuple[Any, ...] | None = None
        self._values: dict[Hashable, Any] = {}
        self._computing: dict[Hashable, threading.Lock] = {}

    def version(self) -> tuple[Any, ...]:
        """The read model's state: changes with every refresh (delta or full) of any set."""
        return tuple(
            (row.get("name"), str(row.get("last_delta_at")), str(row.get("last_full_at")))
            for row in self._mirror.status()
        )

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """`compute()` once per refresh; two requests that need it at once compute it once."""
        version = self.version()
        with self._lock:
            if version != self._version:
                self._version, self._values, self._computing = version, {}, {}
            if key in self._values:
                found: T = self._values[key]
                return found
            gate = self._computing.setdefault(key, threading.Lock())
        with gate:
            with self._lock:
                if self._version == version and key in self._values:
                    done: T = self._values[key]
                    return done
            value = compute()
            with self._lock:
                if self._version == version:
                    self._values[key] = value
            return value

    def forget(self) -> None:
        """After the console itself changed the read model (a month closed, a plan applied)."""
        with self._lock:
            self._version, self._values, self._computing = None, {}, {}
