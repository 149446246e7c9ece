"""Helpers for migration tests: a store at any revision, and the data every test puts in it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, insert

from tests.store import legacy_tables
from tribe_sync.store.journal import store_engine
from tribe_sync.store.schema import upgrade

AT = dt.datetime(2026, 11, 20, 7, 5, tzinfo=dt.UTC)


def store_at(url: str, revision: str) -> Engine:
    """An engine on a store migrated to `revision` (e.g. the parent of the revision under test)."""
    engine = store_engine(url)
    upgrade(engine, revision)
    return engine


def legacy_store(url: str) -> Engine:
    """A store as tribe-sync made it before migrations, with a run, a change key, an audit row and a
    claim in it."""
    engine = store_engine(url)
    legacy_tables.metadata.create_all(engine)
    fill_baseline(engine)
    return engine


def fill_baseline(engine: Engine) -> None:
    """Rows in every table of revision 0001, as a night of jobs leaves them."""
    with engine.begin() as tx:
        run = tx.execute(
            insert(legacy_tables.runs).values(
                job="close-delivery-months",
                today=AT.date(),
                started_at=AT,
                finished_at=AT,
                outcome="ok",
                dry_run=False,
                counts={"applied": 1},
                holder="host:1:abc",
            )
        ).inserted_primary_key[0]
        tx.execute(
            insert(legacy_tables.applied).values(
                key="month/close/2026-12", run_id=run, state="done", detail=None, at=AT
            )
        )
        tx.execute(
            insert(legacy_tables.audit).values(
                run_id=run,
                key="month/close/2026-12",
                entity_set="DeliveryMonth",
                target_id="m-2026-12",
                before={"closed": False},
                after={"closed": True},
                reason="vol",
                actor="job:close-delivery-months",
                at=AT,
            )
        )
        tx.execute(insert(legacy_tables.claims).values(name="job:audit", holder="host:1:abc", expires_at=AT))
