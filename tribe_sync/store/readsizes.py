"""Size hints kept in the store, so that a new process (a `jobs run`, a restarted daemon, a replica)
sends a big read's pages side by side from its first round (see `tribe_sync.client.sizes`).

Cheap by design: the hints are read once, in one query, on the first read that looks for one; a read
only changes the copy in memory; the totals that changed (and those last written more than `TOUCH`
ago, so that a hint in use is never pruned) are written together, in one transaction, when the
client says its reads have ended (a snapshot's, or when it closes). The store is never
opened or created for them: while the process has not opened it, there are no hints and nothing is
written. A hint is an optimisation, so a store that cannot be read or written costs the hints, never
a read: the failure is logged and the run goes on. Rows not seen for `KEPT` are dropped on the way.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import SQLAlchemyError

from tribe_sync.errors import StoreError
from tribe_sync.store.tables import read_sizes
from tribe_sync.store.upsert import upsert_into

__all__ = ["KEPT", "TOUCH", "StoredReadSizes"]

log = logging.getLogger("tribe_sync.store")

KEPT = dt.timedelta(days=30)
TOUCH = dt.timedelta(days=1)
_KEY_LENGTH = 160  # the column's; a longer key (an entity set with a very long name) is not kept


class StoredReadSizes:
    """`client.sizes.ReadSizes` over the store's `tribe_sync_read_sizes`.

    `engine_of` gives the store's engine once the process has opened it, else None."""

    def __init__(self, engine_of: Callable[[], Engine | None], clock: Callable[[], dt.datetime]) -> None:
        self._engine_of = engine_of
        self._clock = clock
        self._lock = threading.Lock()
        self._loaded = False  # read from the store yet (it is asked again while it is not open)
        self._totals: dict[str, int] = {}  # the hints, as this process knows them
        self._stored: dict[str, tuple[int, dt.datetime]] = {}  # as the store holds them: total, seen_at
        self._learnt: set[str] = set()  # the keys this process's reads counted

    def get(self, key: str) -> int | None:
        with self._lock:
            self._load_once()
            return self._totals.get(key)

    def put(self, key: str, total: int) -> None:
        with self._lock:
            self._load_once()
            self._totals[key] = total
            self._learnt.add(key)

    def save(self) -> None:
        """Write, in one transaction, the totals counted since the store last heard of them that differ
        from its own (or that it wrote more than `TOUCH` ago); on failure keep them for the next save."""
        with self._lock:
            if not self._learnt:
                return
            learnt, self._learnt = self._learnt, set()
            totals = {key: self._totals[key] for key in learnt}
            stored = dict(self._stored)
        try:
            now = self._clock()
            changed = {
                key: total
                for key, total in totals.items()
                if len(key) <= _KEY_LENGTH
                and (key not in stored or stored[key][0] != total or stored[key][1] < now - TOUCH)
            }
            engine = self._engine_of() if changed else None
            if engine is None:
                if changed:
                    with self._lock:
                        self._learnt |= learnt  # the store is not open (yet): the next save tries
                return
            self._write(engine, changed, now)
        except (StoreError, SQLAlchemyError) as exc:
            log.info("size hints not kept this time (the store refused them): %s", _first_line(exc))
            with self._lock:
                self._learnt |= learnt
            return
        with self._lock:
            self._stored.update({key: (total, now) for key, total in changed.items()})

    def _load_once(self) -> None:
        """Read every hint in one query, the first time the store is open; what this process learnt
        before that stays (it is newer)."""
        if self._loaded:
            return
        try:
            engine = self._engine_of()
            if engine is None:
                return
            with engine.connect() as connection:
                rows = connection.execute(select(read_sizes)).all()
        except (StoreError, SQLAlchemyError) as exc:
            log.info("no size hints this time (the store refused them): %s", _first_line(exc))
            rows = []
        self._loaded = True
        for row in rows:
            key, total, seen_at = str(row.key), int(row.total), row.seen_at
            self._totals.setdefault(key, total)
            self._stored[key] = (total, seen_at if seen_at.tzinfo else seen_at.replace(tzinfo=dt.UTC))

    @staticmethod
    def _write(engine: Engine, changed: dict[str, int], now: dt.datetime) -> None:
        with engine.begin() as tx:
            for key, total in sorted(changed.items()):
                insert = upsert_into(engine.dialect.name, read_sizes).values(
                    key=key, total=total, seen_at=now
                )
                tx.execute(
                    insert.on_conflict_do_update(
                        index_elements=[read_sizes.c.key],
                        set_={"total": insert.excluded.total, "seen_at": insert.excluded.seen_at},
                    )
                )
            tx.execute(delete(read_sizes).where(read_sizes.c.seen_at < now - KEPT))


def _first_line(exc: BaseException) -> str:
    return str(getattr(exc, "orig", None) or exc).splitlines()[0] if str(exc) else type(exc).__name__
