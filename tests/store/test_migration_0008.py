"""Revision 0008 (plan counts kept with the plan) from a 0007 store with plans in it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.databases import DATABASES, database_url
from tests.store.migrations import AT, fill_baseline, store_at
from tribe_sync.store.journal import open_journal
from tribe_sync.store.plans import PlanSource, PlanStatus, PlanStore
from tribe_sync.store.schema import upgrade
from tribe_sync.store.tables import plans


@pytest.mark.parametrize("kind", DATABASES)
def test_a_0007_store_with_plans_moves_to_0008_with_each_plans_counts(kind: str, tmp_path: Path) -> None:
    with database_url(kind, tmp_path) as url:
        engine = store_at(url, "0007")
        fill_baseline(engine)
        with engine.begin() as tx:  # as revision 0007 saved plans: without counts
            columns = {c.name for c in plans.c} - {"change_count", "held_count", "id"}
            values = {
                "job": "progress-statuses",
                "today": AT.date(),
                "status": "pending",
                "digest": "d",
                "document": {
                    "job": "progress-statuses",
                    "today": "2026-11-20",
                    "changes": [{"kind": "move_status"}] * 3,
                    "held": [{"code": "cap"}],
                    "records": {"requests": {"r-1": "x"}},
                },
                "source": "staff",
                "submitted_by": "anna",
                "submitted_at": AT,
                "updated_at": AT,
            }
            assert set(values) <= columns
            tx.execute(plans.insert().values(**values))
            tx.execute(plans.insert().values(**{**values, "document": {"job": "audit", "changes": []}}))
        upgrade(engine, "0008")
        upgrade(engine)  # and on to the head, which open_journal needs
        engine.dispose()

        journal = open_journal(url)
        try:
            store = PlanStore(journal.engine)
            with journal.engine.connect() as connection:
                counts = connection.execute(
                    plans.select()
                    .with_only_columns(plans.c.change_count, plans.c.held_count)
                    .order_by(plans.c.id)
                ).all()
            assert [tuple(c) for c in counts] == [(3, 1), (0, 0)]
            assert [(s.changes, s.held) for s in store.summaries()] == [(0, 0), (3, 1)]
            (run,) = journal.runs()
            assert run["job"] == "close-delivery-months"
            new, _ = store.submit(
                {"job": "audit", "today": "2026-11-21", "changes": [{"kind": "create_task"}], "held": []},
                "e",
                by="bram",
                source=PlanSource.STAFF,
                at=AT,
            )
            assert store.get(new.id).status is PlanStatus.PENDING
            assert (store.summaries(limit=1)[0].changes, store.summaries(limit=1)[0].held) == (1, 0)
        finally:
            journal.close()
