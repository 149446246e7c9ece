"""Revision 0012 (the long lists' indexes hold their whole order) from a 0011 store with requests and
forecasts in its read model: the rows stay, the lists read them in the same order, and on SQLite they
stream from the index without sorting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, insert, inspect

from tests.databases import DATABASES, database_url
from tests.store.migrations import AT, fill_baseline, store_at
from tribe_sync.store.readmodel.queries import ReadModel
from tribe_sync.store.schema import upgrade
from tribe_sync.store.tables import mirror_forecasts, mirror_organisations, mirror_requests

DAY = AT.date()


def fill_read_model(engine: Engine) -> None:
    """Requests and forecasts whose order is decided by their last key: same moment, same number."""
    with engine.begin() as tx:
        tx.execute(
            insert(mirror_organisations).values(id="o-1", name="Buurthuis", approved=True, synced_at=AT)
        )
        for n in (3, 1, 2):
            tx.execute(
                insert(mirror_requests).values(
                    id=f"r-{n}",
                    number="AD2026-00001",
                    organisation_id="o-1",
                    status="WAITING",
                    quantity=n,
                    product="LAPTOP",
                    month="2027-01",
                    requested_at=AT,
                    requested_on=DAY,
                    synced_at=AT,
                )
            )
            tx.execute(
                insert(mirror_forecasts).values(
                    id=f"f-{n}",
                    organisation_id="o-1",
                    year=2027,
                    quarter=1,
                    product="LAPTOP",
                    quantity=n,
                    submitted_at=AT,
                    submitted_on=DAY,
                    state="effective",
                    synced_at=AT,
                )
            )


def index_columns(engine: Engine, table: str, name: str) -> list[str]:
    found = {i["name"]: i["column_names"] for i in inspect(engine).get_indexes(table)}
    return [str(c) for c in found[name]]


@pytest.mark.parametrize("kind", DATABASES)
def test_a_0011_read_model_moves_to_0012_with_its_rows_listed_in_the_same_order(
    kind: str, tmp_path: Path
) -> None:
    with database_url(kind, tmp_path) as url:
        engine = store_at(url, "0011")
        fill_baseline(engine)
        fill_read_model(engine)
        model = ReadModel(engine)
        before = ([r.id for r in model.requests()], [f.id for f in model.forecasts()])
        upgrade(engine, "0012")
        assert index_columns(engine, "tribe_sync_mirror_requests", "ix_tribe_sync_mirror_requests_queue") == [
            "requested_at",
            "number",
            "id",
        ]
        assert (
            index_columns(engine, "tribe_sync_mirror_forecasts", "ix_tribe_sync_mirror_forecasts_listed")[-1]
            == "id"
        )
        after = ([r.id for r in model.requests()], [f.id for f in model.forecasts()])
        assert after == before == (["r-1", "r-2", "r-3"], ["f-1", "f-2", "f-3"])
        newest = [line.id for line in model.request_lines(newest_first=True)]
        assert newest == ["r-3", "r-2", "r-1"]
        engine.dispose()


def test_on_sqlite_both_long_lists_stream_from_their_index_without_a_sort(tmp_path: Path) -> None:
    with database_url("sqlite", tmp_path) as url:
        engine = store_at(url, "0012")
        fill_read_model(engine)
        model = ReadModel(engine)
        executed: list[tuple[str, Any]] = []

        @event.listens_for(engine, "before_cursor_execute")
        def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
            executed.append((statement, parameters))

        for lines in (
            model.request_lines(),
            model.request_lines(newest_first=True),
            model.forecast_lines(),
            model.requests_json(),
            model.forecasts_json(),
        ):
            assert len(list(lines)) == 3
        event.remove(engine, "before_cursor_execute", keep)
        # One read a list, one of the organisations' names for each list of lines, and one of the
        # years the forecasts span for the forecasts' JSON (its deadlines).
        assert len(executed) == 5 + 3 + 1
        with engine.connect() as connection:
            for statement, parameters in executed:
                plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
                assert not [row for row in plan if "TEMP B-TREE" in row[-1]], statement
        engine.dispose()
