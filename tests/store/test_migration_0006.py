"""Revision 0006 (what the read model derives) from a 0005 store with a refreshed read model in it:
the journal is kept, the mirrored rows are kept, and every set's next refresh is a full one (which
fills forecast states, stock and problems per rule)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Column, DateTime, MetaData, String, Table, Text, insert, inspect, select

from tests.databases import DATABASES, database_url
from tests.store.migrations import AT, fill_baseline, store_at
from tribe_sync.store.journal import open_journal
from tribe_sync.store.schema import upgrade
from tribe_sync.store.tables import mirror_forecasts, mirror_problems, mirror_sets, mirror_stock

# The problems table as revision 0003 made it: one row per record.
old = MetaData()
old_problems = Table(
    "tribe_sync_mirror_problems",
    old,
    Column("set_name", String(32), primary_key=True),
    Column("record_id", String(64), primary_key=True),
    Column("number", String(64)),
    Column("code", String(64), nullable=False),
    Column("message", Text, nullable=False),
    Column("message_nl", Text, nullable=False),
    Column("synced_at", DateTime(timezone=True), nullable=False),
)
old_forecasts = Table(
    "tribe_sync_mirror_forecasts",
    old,
    *(
        Column(c.name, c.type, primary_key=c.primary_key)
        for c in mirror_forecasts.columns
        if c.name != "state"
    ),
)


@pytest.mark.parametrize("kind", DATABASES)
def test_a_0005_store_with_a_read_model_moves_to_0006_and_asks_for_a_full_refresh(
    kind: str, tmp_path: Path
) -> None:
    with database_url(kind, tmp_path) as url:
        engine = store_at(url, "0005")
        fill_baseline(engine)
        with engine.begin() as tx:
            tx.execute(
                insert(mirror_sets).values(
                    name="forecasts", cursor=AT, last_delta_at=AT, last_full_at=AT, records=1, problems=1
                )
            )
            tx.execute(
                insert(old_forecasts).values(
                    id="f-1",
                    organisation_id="o-1",
                    year=2027,
                    quarter=1,
                    product="LAPTOP",
                    quantity=12,
                    submitted_at=AT,
                    submitted_on=AT.date(),
                    mutated_at=AT,
                    synced_at=AT,
                )
            )
            tx.execute(
                insert(old_problems).values(
                    set_name="requests",
                    record_id="r-1",
                    number="AD2026-00001",
                    code="no_product_line",
                    message="the request has no product line",
                    message_nl="de aanvraag heeft geen productregel",
                    synced_at=AT,
                )
            )
        upgrade(engine, "0006")
        tables = set(inspect(engine).get_table_names())
        assert {"tribe_sync_mirror_stock", "tribe_sync_mirror_catalogue"} <= tables
        with engine.connect() as connection:
            (state,) = connection.execute(select(mirror_sets)).all()
            assert state.last_full_at is None
            assert state.stale_since is not None
            (forecast,) = connection.execute(select(mirror_forecasts)).all()
            assert (forecast.id, forecast.quantity, forecast.state) == ("f-1", 12, None)
            assert connection.execute(select(mirror_problems.c.record_id)).all() == []  # no label yet at 0006
            assert connection.execute(select(mirror_stock)).all() == []
        with engine.begin() as tx:  # one record, several rules
            for code in ("invalid_phone", "invalid_postcode"):
                tx.execute(
                    insert(mirror_problems).values(
                        set_name="requests",
                        record_id="r-2",
                        code=code,
                        number="AD2026-00002",
                        mapped=True,
                        message="…",
                        message_nl="…",
                        synced_at=dt.datetime.now(dt.UTC),
                    )
                )
        upgrade(engine)  # and on to the head, which open_journal needs
        engine.dispose()
        journal = open_journal(url)
        try:
            assert journal.state_of("month/close/2026-12") == ("done", None)
        finally:
            journal.close()
