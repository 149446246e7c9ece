"""Size hints in the store: what one process's reads counted, the next process reads back."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select

from tests.databases import DATABASES, database_url
from tests.store.migrations import store_at
from tribe_sync.store.journal import open_journal
from tribe_sync.store.readsizes import KEPT, TOUCH, StoredReadSizes
from tribe_sync.store.tables import read_sizes

NOW = dt.datetime(2027, 1, 4, 7, 0, tzinfo=dt.UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> dt.datetime:
        return self.now


def rows(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {r.key: r.total for r in connection.execute(select(read_sizes))}


@pytest.mark.parametrize("kind", DATABASES)
def test_a_new_process_gets_the_totals_the_last_one_counted(kind: str, tmp_path: Path) -> None:
    with database_url(kind, tmp_path) as url:
        journal = open_journal(url)
        try:
            first = StoredReadSizes(lambda: journal.engine, Clock())
            assert first.get("Activity_SalesOrder") is None
            first.put("Activity_SalesOrder", 3600)
            first.put("Activity_Task?3f2a", 240)
            first.save()

            second = StoredReadSizes(lambda: journal.engine, Clock())  # another process
            assert second.get("Activity_SalesOrder") == 3600
            assert second.get("Activity_Task?3f2a") == 240
            second.put("Activity_SalesOrder", 3612)
            second.save()
            assert rows(journal.engine) == {"Activity_SalesOrder": 3612, "Activity_Task?3f2a": 240}
        finally:
            journal.close()


def test_totals_that_did_not_change_are_not_written_again_until_a_day_has_passed(tmp_path: Path) -> None:
    journal = open_journal(f"sqlite:///{tmp_path / 'journal.db'}")
    clock = Clock()
    sizes = StoredReadSizes(lambda: journal.engine, clock)
    sizes.put("Activity_SalesOrder", 3600)
    sizes.save()
    with journal.engine.begin() as tx:  # as if another process wrote a different total meanwhile
        tx.execute(read_sizes.update().values(total=1))
    sizes.put("Activity_SalesOrder", 3600)
    sizes.save()
    assert rows(journal.engine) == {"Activity_SalesOrder": 1}, "unchanged for this process: no write"
    clock.now += TOUCH + dt.timedelta(minutes=1)
    sizes.put("Activity_SalesOrder", 3600)
    sizes.save()
    assert rows(journal.engine) == {"Activity_SalesOrder": 3600}, "a hint in use is touched daily"
    journal.close()


def test_hints_no_read_used_for_thirty_days_are_dropped(tmp_path: Path) -> None:
    journal = open_journal(f"sqlite:///{tmp_path / 'journal.db'}")
    with journal.engine.begin() as tx:
        old = NOW - KEPT - dt.timedelta(days=1)
        tx.execute(insert(read_sizes).values(key="Activity_Task?old", total=500, seen_at=old))
    sizes = StoredReadSizes(lambda: journal.engine, Clock())
    sizes.put("Activity_SalesOrder", 3600)
    sizes.save()
    assert rows(journal.engine) == {"Activity_SalesOrder": 3600}
    journal.close()


def test_a_store_not_open_yet_is_never_opened_for_hints_and_gets_them_once_it_is(tmp_path: Path) -> None:
    engine: list[Engine] = []
    sizes = StoredReadSizes(lambda: engine[0] if engine else None, Clock())
    assert sizes.get("Activity_SalesOrder") is None
    sizes.put("Activity_SalesOrder", 3600)
    sizes.save()  # nowhere to write yet: kept for the next save
    journal = open_journal(f"sqlite:///{tmp_path / 'journal.db'}")
    engine.append(journal.engine)
    sizes.save()
    assert rows(journal.engine) == {"Activity_SalesOrder": 3600}
    journal.close()


def test_a_store_that_refuses_costs_the_hints_never_the_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    engine = store_at(f"sqlite:///{tmp_path / 'journal.db'}", "0010")  # no table for hints
    sizes = StoredReadSizes(lambda: engine, Clock())
    with caplog.at_level(logging.INFO, logger="tribe_sync.store"):
        assert sizes.get("Activity_SalesOrder") is None
        sizes.put("Activity_SalesOrder", 3600)
        sizes.save()
    assert sizes.get("Activity_SalesOrder") == 3600, "this process still has what it counted"
    assert "size hints not kept" in caplog.text
    engine.dispose()
