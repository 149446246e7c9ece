"""Revision 0013 (the forecasts list reads its index alone) from a 0012 store with forecasts in its
read model: the rows stay and are listed in the same order, and on SQLite the list's query touches
no table row of the forecasts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from tests.databases import DATABASES, database_url
from tests.store.migrations import fill_baseline, store_at
from tests.store.test_migration_0012 import fill_read_model, index_columns
from tribe_sync.store.readmodel.queries import ReadModel
from tribe_sync.store.schema import upgrade

INDEX = ("tribe_sync_mirror_forecasts", "ix_tribe_sync_mirror_forecasts_listed")


@pytest.mark.parametrize("kind", DATABASES)
def test_a_0012_read_model_moves_to_0013_with_its_forecasts_listed_as_before(
    kind: str, tmp_path: Path
) -> None:
    with database_url(kind, tmp_path) as url:
        engine = store_at(url, "0012")
        fill_baseline(engine)
        fill_read_model(engine)
        model = ReadModel(engine)
        before = [f.as_dict() for f in model.forecasts()]
        upgrade(engine, "0013")
        assert index_columns(engine, *INDEX)[-3:] == ["quantity", "submitted_on", "state"]
        assert [f.as_dict() for f in model.forecasts()] == before
        assert [f.id for f in model.forecasts()] == ["f-1", "f-2", "f-3"]
        engine.dispose()


def test_on_sqlite_the_forecasts_list_reads_its_covering_index(tmp_path: Path) -> None:
    with database_url("sqlite", tmp_path) as url:
        engine = store_at(url, "0013")
        fill_read_model(engine)
        model = ReadModel(engine)
        executed: list[tuple[str, Any]] = []

        @event.listens_for(engine, "before_cursor_execute")
        def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
            executed.append((statement, parameters))

        assert len(list(model.forecast_lines())) == len(list(model.forecasts_json())) == 3
        event.remove(engine, "before_cursor_execute", keep)
        with engine.connect() as connection:
            for statement, parameters in executed:
                if "FROM tribe_sync_mirror_forecasts" not in statement or "ORDER BY" not in statement:
                    continue  # the lines' look-up of the names, the JSON's of the years for the deadlines
                plan = [
                    row[-1]
                    for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
                ]
                assert any(
                    "USING COVERING INDEX ix_tribe_sync_mirror_forecasts_listed" in step for step in plan
                ), plan
                assert not [step for step in plan if "TEMP B-TREE" in step], plan
        engine.dispose()
