"""Tribe's rate budget (1000 calls a minute per application) shared by every process on one
PostgreSQL store: replicas and staff commands draw from one sliding window.

Each call is a row; a transaction-scoped advisory lock makes count-and-insert atomic across
processes, and the database's clock is the one clock every replica agrees on.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

from sqlalchemy import Engine, delete, func, insert, select, text
from sqlalchemy.exc import SQLAlchemyError

from tribe_sync.errors import StoreError
from tribe_sync.store.tables import rate_calls

__all__ = ["SharedRateLimiter"]

_LOCK_KEY = 0x7472_6962  # "trib": one advisory lock for the whole budget


class SharedRateLimiter:
    def __init__(
        self,
        engine: Engine,
        max_calls: int,
        window_s: float = 60.0,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if engine.dialect.name != "postgresql":
            raise StoreError("a shared rate limit needs a PostgreSQL store")
        self.engine = engine
        self.max_calls = max_calls
        self.window_s = window_s
        self._sleep = sleep

    def acquire(self) -> float:
        waited = 0.0
        while True:
            pause = self._try()
            if pause is None:
                return waited
            self._sleep(pause)
            waited += pause

    def _try(self) -> float | None:
        """Take a place in the window, or say how long until the oldest call leaves it."""
        try:
            with self.engine.begin() as tx:
                # A place in the window need not survive a database crash (it ages out in a minute
                # anyway), so each call does not wait for the WAL to reach the disk.
                tx.execute(text("SET LOCAL synchronous_commit TO off"))
                tx.execute(select(func.pg_advisory_xact_lock(_LOCK_KEY)))
                now = tx.execute(text("SELECT clock_timestamp()")).scalar_one()
                horizon = now - _seconds(self.window_s)
                tx.execute(delete(rate_calls).where(rate_calls.c.at <= horizon))
                count, oldest = tx.execute(select(func.count(), func.min(rate_calls.c.at))).one()
                if count < self.max_calls:
                    tx.execute(insert(rate_calls).values(at=now))
                    return None
                return max(0.01, float((oldest - horizon).total_seconds()))
        except SQLAlchemyError as exc:
            raise StoreError(f"the shared rate limit is unavailable: {str(exc).splitlines()[0]}") from exc


def _seconds(value: float) -> dt.timedelta:
    return dt.timedelta(seconds=value)
