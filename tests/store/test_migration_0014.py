"""Revision 0014 (stock at the end of each quarter kept with the read model) from a 0013 store with
delivered requests, reports and today's stock in its read model: the rows stay, today's stock reads as
before, and the upgrade itself works out each quarter's stock from the stored rows, as a full refresh
would: no set is due for a re-read of Tribe, and no report shows an empty table as zeros."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select

from tests.databases import DATABASES, database_url
from tests.store.migrations import AT, fill_baseline, store_at
from tribe_sync.domain.calendar import Quarter
from tribe_sync.store.readmodel.derived import ALL, derive_stock
from tribe_sync.store.readmodel.queries import ReadModel
from tribe_sync.store.schema import upgrade
from tribe_sync.store.tables import (
    mirror_organisations,
    mirror_reports,
    mirror_requests,
    mirror_sets,
    mirror_stock,
)


def fill_read_model(engine: Engine) -> None:
    """An organisation with one request delivered in K3 2026 and a report in K3 and K4, its stock
    derived as revision 0013 kept it, and every set refreshed."""
    with engine.begin() as tx:
        tx.execute(
            insert(mirror_organisations).values(id="o-1", name="Buurthuis", approved=True, synced_at=AT)
        )
        tx.execute(
            insert(mirror_requests).values(
                id="r-1",
                number="AD2026-00001",
                organisation_id="o-1",
                status="CLOSED",
                quantity=10,
                product="LAPTOP",
                month="2026-08",
                requested_at=AT - dt.timedelta(days=120),
                requested_on=dt.date(2026, 7, 20),
                delivery_date=dt.date(2026, 8, 14),
                synced_at=AT,
            )
        )
        for n, day, handed_out in ((1, dt.date(2026, 9, 3), 4), (2, dt.date(2026, 11, 2), 2)):
            tx.execute(
                insert(mirror_reports).values(
                    id=f"a-{n}",
                    request_id="r-1",
                    handed_out=handed_out,
                    reported_at=dt.datetime.combine(day, dt.time(9), dt.UTC),
                    reported_on=day,
                    synced_at=AT,
                )
            )
        for name in ("organisations", "months", "requests", "forecasts", "reports", "tasks"):
            tx.execute(
                insert(mirror_sets).values(
                    name=name, cursor=AT, last_delta_at=AT, last_full_at=AT, records=1, problems=0
                )
            )
    with engine.begin() as tx:  # today's stock, as 0013's refresh derived it (the same rules)
        tx.execute(
            insert(mirror_stock).values(
                organisation_id="o-1",
                received=10,
                handed_out=6,
                in_stock=4,
                oldest_undistributed_delivery=dt.date(2026, 8, 14),
                last_report=dt.date(2026, 11, 2),
            )
        )


QUARTERS = (Quarter(2026, 2), Quarter(2026, 3), Quarter(2026, 4), Quarter(2027, 1))


def quarters_stock(model: ReadModel) -> dict[Quarter, list[dict[str, object]]]:
    return {q: [s.as_dict() for s in model.stock(q)] for q in QUARTERS}


def sets_due(engine: Engine) -> dict[str, tuple[object, object]]:
    with engine.connect() as connection:
        return {
            row.name: (row.last_full_at, row.stale_since)
            for row in connection.execute(
                select(mirror_sets.c.name, mirror_sets.c.last_full_at, mirror_sets.c.stale_since)
            )
        }


@pytest.mark.parametrize("kind", DATABASES)
def test_a_0013_read_model_moves_to_0014_with_each_quarters_stock_worked_out_from_its_stored_rows(
    kind: str, tmp_path: Path
) -> None:
    with database_url(kind, tmp_path) as url:
        engine = store_at(url, "0013")
        fill_baseline(engine)
        fill_read_model(engine)
        model = ReadModel(engine)
        today = [s.as_dict() for s in model.stock()]
        due = sets_due(engine)
        found = upgrade(engine, "0014")  # the head: what it added is derived in the same transaction
        assert found.stock_derived
        assert not model.stock_missing()
        assert [s.as_dict() for s in model.stock()] == today
        assert sets_due(engine) == due, "nothing is re-read from Tribe for it"
        upgraded = quarters_stock(model)
        assert {
            q: [(s["received"], s["handed_out"], s["in_stock"]) for s in rows] for q, rows in upgraded.items()
        } == {
            Quarter(2026, 2): [],
            Quarter(2026, 3): [(10, 4, 6)],
            Quarter(2026, 4): [(10, 6, 4)],
            Quarter(2027, 1): [(10, 6, 4)],
        }
        with engine.begin() as tx:  # what a full refresh derives from the same rows
            derive_stock(tx, ALL)
        assert quarters_stock(model) == upgraded
        assert [s.as_dict() for s in model.stock()] == today
        engine.dispose()


@pytest.mark.parametrize("kind", DATABASES)
def test_a_store_at_0014_whose_quarters_stock_was_left_empty_gets_it_from_store_upgrade_once(
    kind: str, tmp_path: Path
) -> None:
    """A store an earlier 0014 upgraded (the table left for a re-read of Tribe that never came): an
    upgrade at the head works it out; one more finds nothing missing and changes nothing."""
    with database_url(kind, tmp_path) as url:
        engine = store_at(url, "0014")
        fill_read_model(engine)
        model = ReadModel(engine)
        assert model.stock_missing()
        assert model.stock(Quarter(2026, 3)) == []
        assert upgrade(engine).stock_derived
        assert not model.stock_missing()
        assert [(s.received, s.handed_out, s.in_stock) for s in model.stock(Quarter(2026, 3))] == [(10, 4, 6)]
        assert not upgrade(engine).stock_derived
        engine.dispose()


def test_a_store_without_a_delivered_request_misses_no_stock(tmp_path: Path) -> None:
    with database_url("sqlite", tmp_path) as url:
        engine = store_at(url, "0014")
        assert not ReadModel(engine).stock_missing()
        assert not upgrade(engine).stock_derived
        engine.dispose()
