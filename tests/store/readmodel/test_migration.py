"""Revision 0003 (the read model) upgrades a store at 0002 with data in it, on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import insert, inspect, select

from tests.databases import DATABASES, database_url
from tests.store.migrations import fill_baseline, store_at
from tribe_sync.store.journal import open_journal
from tribe_sync.store.schema import upgrade
from tribe_sync.store.tables import mirror_requests, mirror_sets


@pytest.mark.parametrize("kind", DATABASES)
def test_the_read_model_revision_upgrades_a_store_with_a_journal_in_it(kind: str, tmp_path: Path) -> None:
    with database_url(kind, tmp_path) as url:
        engine = store_at(url, "0002")
        try:
            fill_baseline(engine)
            assert "tribe_sync_mirror_requests" not in inspect(engine).get_table_names()
            upgrade(engine, "0003")
            with engine.begin() as tx:
                tx.execute(insert(mirror_sets).values(name="requests", records=0, problems=0))
                assert tx.execute(select(mirror_requests)).all() == []
            upgrade(engine)  # and on to whatever comes after it
        finally:
            engine.dispose()
        journal = open_journal(url)
        try:
            assert journal.state_of("month/close/2026-12") == ("done", None)
            [run] = journal.runs()
            assert run["job"] == "close-delivery-months"
        finally:
            journal.close()
