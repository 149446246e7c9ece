"""CRM calls counted per minute in the store, for the console's "CRM budget used in the last hour".

Counting must not slow the client: `CallRecorder.record` only adds to a counter in memory, and a
background thread writes the counters to the store every few seconds (and once more when the
process closes). Every process on one store adds to the same minute's row, so the console sees the
daemon's, the staff commands' and its own calls together. Rows older than a day are pruned on the way.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.exc import SQLAlchemyError

from tribe_sync.errors import StoreError
from tribe_sync.store.tables import crm_calls
from tribe_sync.store.upsert import upsert_into

__all__ = ["CallCounts", "CallLog", "CallRecorder"]

log = logging.getLogger("tribe_sync.store")

KEPT = dt.timedelta(days=1)
FLUSH_EVERY_S = 5.0
TOO_MANY_REQUESTS = 429


@dataclass(frozen=True, slots=True)
class CallCounts:
    """Calls made in a period and how many of them Tribe refused with 429."""

    calls: int
    rate_limited: int


def minute_of(at: dt.datetime) -> dt.datetime:
    """The start of `at`'s minute in UTC: the row a call is counted in."""
    return at.astimezone(dt.UTC).replace(second=0, microsecond=0)


class CallLog:
    """The per-minute counters in the store: add to them, read a period, prune old minutes."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, counts: dict[dt.datetime, CallCounts], *, now: dt.datetime) -> None:
        """Add `counts` (by minute) to the store's rows and drop the minutes older than a day."""
        if not counts:
            return
        try:
            with self.engine.begin() as tx:
                for minute, c in sorted(counts.items()):
                    insert = upsert_into(self.engine.dialect.name, crm_calls).values(
                        minute=minute, calls=c.calls, rate_limited=c.rate_limited
                    )
                    tx.execute(
                        insert.on_conflict_do_update(
                            index_elements=[crm_calls.c.minute],
                            set_={
                                "calls": crm_calls.c.calls + insert.excluded.calls,
                                "rate_limited": crm_calls.c.rate_limited + insert.excluded.rate_limited,
                            },
                        )
                    )
                tx.execute(delete(crm_calls).where(crm_calls.c.minute < minute_of(now) - KEPT))
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot count CRM calls: {str(exc).splitlines()[0]}") from exc

    def since(self, start: dt.datetime) -> CallCounts:
        """Calls counted in the minutes from `start`'s minute on."""
        query = select(
            func.coalesce(func.sum(crm_calls.c.calls), 0),
            func.coalesce(func.sum(crm_calls.c.rate_limited), 0),
        ).where(crm_calls.c.minute >= minute_of(start))
        try:
            with self.engine.connect() as connection:
                calls, refused = connection.execute(query).one()
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot read the CRM call counts: {str(exc).splitlines()[0]}") from exc
        return CallCounts(int(calls), int(refused))

    def shift(self, by: dt.timedelta) -> None:
        """Move every counted minute by `by`: the demo counts its calls on the real clock and, once it
        knows how far its simulated clock runs ahead, moves them onto that clock (see store.clock)."""
        try:
            with self.engine.begin() as tx:
                rows = tx.execute(select(crm_calls)).all()
                tx.execute(delete(crm_calls))
                for row in rows:
                    minute = row.minute if row.minute.tzinfo else row.minute.replace(tzinfo=dt.UTC)
                    tx.execute(
                        crm_calls.insert().values(
                            minute=minute_of(minute + by), calls=row.calls, rate_limited=row.rate_limited
                        )
                    )
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot move the CRM call counts: {str(exc).splitlines()[0]}") from exc

    def last_hour(self, now: dt.datetime) -> CallCounts:
        """Calls in the 60 minutes up to `now` (whole minutes: the current one and the 59 before)."""
        return self.since(now - dt.timedelta(minutes=59))


class CallRecorder:
    """Counts every answer from Tribe in memory and writes the counts to the store in the background.

    `log_of` gives the store to write to, or None while there is none yet (a command that never
    opened the store keeps counting and writes when it closes, if the store exists by then)."""

    def __init__(
        self,
        log_of: Callable[[], CallLog | None],
        clock: Callable[[], dt.datetime],
        *,
        every_s: float = FLUSH_EVERY_S,
    ) -> None:
        self._log_of = log_of
        self._clock = clock
        self._every_s = every_s
        self._lock = threading.Lock()
        self._pending: dict[dt.datetime, list[int]] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def record(self, status: int) -> None:
        """One answer from Tribe with HTTP `status`: a dictionary update, never a write."""
        minute = minute_of(self._clock())
        with self._lock:
            counts = self._pending.setdefault(minute, [0, 0])
            counts[0] += 1
            if status == TOO_MANY_REQUESTS:
                counts[1] += 1
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(target=self._run, name="crm-call-counts", daemon=True)
                self._thread.start()

    def pending(self) -> dict[dt.datetime, CallCounts]:
        with self._lock:
            return {m: CallCounts(c[0], c[1]) for m, c in self._pending.items()}

    def flush(self, call_log: CallLog | None = None) -> None:
        """Write what was counted since the last flush; kept for the next one if the store refuses."""
        target = call_log or self._log_of()
        if target is None:
            return
        with self._lock:
            taken, self._pending = self._pending, {}
        if not taken:
            return
        try:
            target.add({m: CallCounts(c[0], c[1]) for m, c in taken.items()}, now=self._clock())
        except StoreError as exc:
            log.debug("CRM call counts not written yet: %s", exc)
            with self._lock:
                for minute, (calls, refused) in taken.items():
                    counts = self._pending.setdefault(minute, [0, 0])
                    counts[0] += calls
                    counts[1] += refused

    def close(self, call_log: CallLog | None = None) -> None:
        """Stop the background writer and write the rest (to `call_log` if given)."""
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout=self._every_s + 5)
        self.flush(call_log)

    def _run(self) -> None:
        while not self._stop.wait(self._every_s):
            self.flush()
