"""What the console works out from the read model once per refresh, not once per request.

The Organisaties table (stock, totals, this quarter's forecasts per organisation), a quarter's
forecasts with their states, the problems and the counts on the Overzicht change only when the read
model is refreshed. Each is computed on the first request that needs it after a refresh and shared
by every request until the next one (the version is the read model's per-set refresh times, one
small query), so paging through 4.000 organisations costs a slice, not a recomputation.

A served console (`tribe-sync console`, the daemon, `demo --console`) also warms them: a background
thread looks at the version every few seconds and, after a refresh, computes what the pages registered
(`warm_with`), so that the first person after a refresh does not wait for it either.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from tribe_sync.store.readmodel.refresh import Mirror

__all__ = ["Derived"]

log = logging.getLogger("tribe_sync.console")
WARM_EVERY_S = 5.0

T = TypeVar("T")


class Derived:
    def __init__(self, mirror: Mirror) -> None:
        self._mirror = mirror
        self._lock = threading.Lock()
        self._version: tuple[Any, ...] | None = None
        self._values: dict[Hashable, Any] = {}
        self._computing: dict[Hashable, threading.Lock] = {}
        self._warmers: list[Callable[[], object]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

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

    def warm_with(self, warmer: Callable[[], object]) -> None:
        """Something to compute after each refresh (it calls `get` with the key its page uses)."""
        self._warmers.append(warmer)

    def warm(self) -> None:
        """Compute everything registered for the read model as it is now."""
        for warmer in self._warmers:
            try:
                warmer()
            except Exception as exc:  # the page computes it on demand and says what failed
                log.debug("console: warming a page failed: %s", exc)

    def start_warming(self, every_s: float = WARM_EVERY_S) -> None:
        if self._thread is not None:
            return

        def run() -> None:
            warmed: tuple[object, ...] | None = None
            while not self._stop.is_set():
                try:
                    version = self.version()
                except Exception as exc:  # the store may be away for a while
                    log.debug("console: cannot read the read model's version: %s", exc)
                    version = None
                if version is not None and version != warmed:
                    self.warm()
                    warmed = version
                self._stop.wait(every_s)

        self._thread = threading.Thread(target=run, name="console-warm", daemon=True)
        self._thread.start()

    def stop_warming(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
