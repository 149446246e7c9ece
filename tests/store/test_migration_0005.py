"""Revision 0005 (CRM calls per minute) from a 0004 store with a night's data in it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import insert

from tests.databases import DATABASES, database_url
from tests.store.migrations import AT, fill_baseline, store_at
from tribe_sync.store.crmcalls import CallCounts, CallLog
from tribe_sync.store.journal import open_journal
from tribe_sync.store.plans import PlanStatus, PlanStore
from tribe_sync.store.schema import upgrade
from tribe_sync.store.tables import plans


@pytest.mark.parametrize("kind", DATABASES)
def test_a_0004_store_with_data_moves_to_0005_keeping_every_row(kind: str, tmp_path: Path) -> None:
    with database_url(kind, tmp_path) as url:
        engine = store_at(url, "0004")
        fill_baseline(engine)
        with engine.begin() as tx:  # a plan as revision 0004 saved it
            plan_id = tx.execute(
                insert(plans).values(
                    job="progress-statuses",
                    today=AT.date(),
                    status="pending",
                    digest="d",
                    document={"job": "progress-statuses", "today": "2027-01-04", "changes": []},
                    source="staff",
                    submitted_by="anna",
                    submitted_at=AT,
                    updated_at=AT,
                )
            ).inserted_primary_key[0]
        upgrade(engine, "0005")
        upgrade(engine)  # and on to the head, which open_journal needs
        engine.dispose()

        journal = open_journal(url)
        try:
            (run,) = journal.runs()
            assert (run["job"], run["outcome"]) == ("close-delivery-months", "ok")
            assert journal.state_of("month/close/2026-12") == ("done", None)
            assert PlanStore(journal.engine).get(plan_id).status is PlanStatus.PENDING
            calls = CallLog(journal.engine)
            assert calls.last_hour(AT) == CallCounts(0, 0), "nothing counted calls before this revision"
            calls.add({AT.replace(second=0): CallCounts(3, 1)}, now=AT)
            assert calls.last_hour(AT + dt.timedelta(minutes=5)) == CallCounts(3, 1)
        finally:
            journal.close()
