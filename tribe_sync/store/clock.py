"""A store's own clock: the demo's simulated time, kept with the demo's data.

`tribe-sync demo` runs its weeks on a simulated clock (a day per step, ending weeks after the real
date). Everything that then works on the demo's store -- its console, and the command line in another
terminal pointed at it -- must read that same clock, or a plan submitted from the command line (real
date) is weeks old to the console (simulated date) and expires at once, and the read model looks as if
it was refreshed in the future. So the demo records how far its clock runs ahead of the real one in the
store, and `Services` adds that offset to the real time when its store holds one. A production store
never holds one: only the demo writes it.

It is a row of the store's name/value table (`tribe_sync_console_secrets`, which also holds the
console's session key), so no schema change was needed.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, delete, insert, select

from tribe_sync.store.tables import console_secrets

__all__ = ["DEMO_CLOCK_OFFSET", "clock_offset", "record_clock_offset"]

DEMO_CLOCK_OFFSET = "demo_clock_offset_s"


def clock_offset(engine: Engine) -> dt.timedelta:
    """How far this store's clock runs ahead of the real one: zero unless a demo recorded it."""
    with engine.connect() as connection:
        value = connection.execute(
            select(console_secrets.c.value).where(console_secrets.c.name == DEMO_CLOCK_OFFSET)
        ).scalar()
    return dt.timedelta(seconds=float(value)) if value else dt.timedelta(0)


def record_clock_offset(engine: Engine, offset: dt.timedelta) -> None:
    """Keep `offset` as this store's clock offset (the demo's simulated time minus the real time)."""
    with engine.begin() as tx:
        tx.execute(delete(console_secrets).where(console_secrets.c.name == DEMO_CLOCK_OFFSET))
        tx.execute(insert(console_secrets).values(name=DEMO_CLOCK_OFFSET, value=repr(offset.total_seconds())))
