"""Revision 0007 (labels on the read model's problems) from a 0006 store with problems in it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import column, insert, select, table
from sqlalchemy.sql import TableClause

from tests.databases import DATABASES, database_url
from tests.store.migrations import AT, fill_baseline, store_at
from tribe_sync.store.journal import open_journal
from tribe_sync.store.readmodel.queries import ReadModel
from tribe_sync.store.schema import upgrade

PROBLEM_0006 = ("set_name", "record_id", "number", "code", "mapped", "message", "message_nl", "synced_at")


def _problems_0006() -> TableClause:
    """The table as revision 0006 holds it, without today's `label` column."""
    return table("tribe_sync_mirror_problems", *(column(name) for name in PROBLEM_0006))


@pytest.mark.parametrize("kind", DATABASES)
def test_a_0006_store_with_problems_moves_to_0007_and_a_request_problem_is_named_by_its_order_number(
    kind: str, tmp_path: Path
) -> None:
    with database_url(kind, tmp_path) as url:
        engine = store_at(url, "0006")
        fill_baseline(engine)
        old = _problems_0006()
        common = {"message": "m", "message_nl": "m", "synced_at": AT, "mapped": False}
        with engine.begin() as tx:
            tx.execute(
                insert(old).values(
                    set_name="requests",
                    record_id="r-1",
                    number="AD2026-00137",
                    code="no_product_line",
                    **common,
                )
            )
            tx.execute(
                insert(old).values(
                    set_name="forecasts", record_id="f-1", number=None, code="negative_forecast", **common
                )
            )
        upgrade(engine, "0007")
        upgrade(engine)
        engine.dispose()

        journal = open_journal(url)
        try:
            labels = {p.record_id: p.label for p in ReadModel(journal.engine).problems()}
            assert labels == {"r-1": "AD2026-00137", "f-1": None}  # the next refresh names the forecast
            assert journal.state_of("month/close/2026-12") == ("done", None)
            with journal.engine.connect() as connection:
                assert connection.execute(select(old.c.record_id)).all()
        finally:
            journal.close()
