"""Revision 0011 (size hints) from a 0010 store with a night's data in it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.databases import DATABASES, database_url
from tests.store.migrations import AT, fill_baseline, store_at
from tribe_sync.store.crmcalls import CallCounts, CallLog
from tribe_sync.store.journal import open_journal
from tribe_sync.store.readsizes import StoredReadSizes
from tribe_sync.store.schema import upgrade
from tribe_sync.store.tables import mirror_catalogue


@pytest.mark.parametrize("kind", DATABASES)
def test_a_0010_store_with_data_moves_to_0011_keeping_every_row_and_starting_without_hints(
    kind: str, tmp_path: Path
) -> None:
    with database_url(kind, tmp_path) as url:
        engine = store_at(url, "0010")
        fill_baseline(engine)
        CallLog(engine).add({AT.replace(second=0): CallCounts(37, 0)}, now=AT)
        with engine.begin() as tx:
            tx.execute(
                mirror_catalogue.insert().values(kind="products", code="LAPTOP", active=True, name="Laptop")
            )
        upgrade(engine, "0011")
        upgrade(engine)  # and on to the head, which open_journal needs
        engine.dispose()

        journal = open_journal(url)
        try:
            (run,) = journal.runs()
            assert (run["job"], run["outcome"]) == ("close-delivery-months", "ok")
            assert journal.state_of("month/close/2026-12") == ("done", None)
            assert CallLog(journal.engine).last_hour(AT) == CallCounts(37, 0)
            sizes = StoredReadSizes(lambda: journal.engine, lambda: AT + dt.timedelta(days=1))
            assert sizes.get("Activity_SalesOrder") is None, "no hints before this revision"
            sizes.put("Activity_SalesOrder", 3600)
            sizes.save()
            assert StoredReadSizes(lambda: journal.engine, lambda: AT).get("Activity_SalesOrder") == 3600
        finally:
            journal.close()
