"""Revision 0004 (plans, run triggers, audit labels) from a 0003 store with a night's data in it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from tests.databases import DATABASES, database_url
from tests.store.migrations import AT, fill_baseline, store_at
from tribe_sync.store.journal import open_journal
from tribe_sync.store.plans import PlanSource, PlanStatus, PlanStore
from tribe_sync.store.schema import upgrade
from tribe_sync.store.tables import audit, users


@pytest.mark.parametrize("kind", DATABASES)
def test_a_0003_store_with_data_moves_to_0004_keeping_every_row(kind: str, tmp_path: Path) -> None:
    with database_url(kind, tmp_path) as url:
        engine = store_at(url, "0003")
        fill_baseline(engine)
        with engine.begin() as tx:  # and a console account, as revisions 0002 and 0003 hold them
            tx.execute(
                insert(users).values(
                    name="anna",
                    role="approver",
                    password_hash="$argon2id$x",
                    created_at=AT,
                    password_changed_at=AT,
                )
            )
        upgrade(engine, "0004")
        upgrade(engine)  # and on to the head, which open_journal needs
        engine.dispose()

        journal = open_journal(url)
        try:
            (run,) = journal.runs()
            assert (run["job"], run["outcome"], run["trigger"], run["plan_id"]) == (
                "close-delivery-months",
                "ok",
                None,
                None,
            )
            assert journal.state_of("month/close/2026-12") == ("done", None)
            with journal.engine.connect() as connection:
                (row,) = connection.execute(select(audit.c.reason, audit.c.label)).all()
            assert tuple(row) == ("vol", None)
            with journal.engine.connect() as connection:
                assert connection.execute(select(users.c.name, users.c.role)).all() == [("anna", "approver")]

            store = PlanStore(journal.engine)
            document = {"job": "progress-statuses", "today": "2027-01-04", "changes": []}
            plan, _ = store.submit(document, "d", by="anna", source=PlanSource.STAFF, at=AT)
            assert store.get(plan.id).status is PlanStatus.PENDING
            new_run = journal.start_run("audit", dt.date(2027, 1, 4), AT, trigger="schedule")
            assert journal.run(new_run)["trigger"] == "schedule"  # type: ignore[index]
        finally:
            journal.close()
