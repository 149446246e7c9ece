"""Whatever people do in the CRM between refreshes (create, update, nested update, break, delete),
delta refreshes followed by one full refresh leave the read model equal to a fresh full read; and
after every delta, what it derived (stock and the problems its rules find, forecast states, month
problems) for what it touched equals deriving it all again from the rows it holds."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.store.readmodel.conftest import make_mirror
from tribe_sync.domain.accountability import STOCK_PROBLEMS
from tribe_sync.sandbox import tenant as t
from tribe_sync.sandbox.server import RunningSandbox, build_state, start
from tribe_sync.store.readmodel.derived import (
    ALL,
    derive_forecast_states,
    derive_month_problems,
    derive_stock,
)
from tribe_sync.store.readmodel.queries import ReadModel
from tribe_sync.store.readmodel.refresh import Mirror, MirrorSet
from tribe_sync.store.tables import mirror_forecasts, mirror_problems, mirror_stock

pytestmark = pytest.mark.sandbox

REQUESTS = "Activity_SalesOrder"
READ_ONLY = {"ID", "_Type", "_Name", "CreationDate", "LastMutationDate"}

edits = st.one_of(
    st.tuples(st.just("reference"), st.integers(0, 10_000), st.text("ABCXYZ0123-", min_size=1, max_size=8)),
    st.tuples(st.just("quantity"), st.integers(0, 10_000), st.integers(1, 40)),  # nested: the product line
    st.tuples(st.just("break"), st.integers(0, 10_000), st.none()),
    st.tuples(st.just("delete"), st.integers(0, 10_000), st.none()),
    st.tuples(st.just("create"), st.integers(0, 10_000), st.integers(90_000, 99_999)),
    st.tuples(st.just("refresh"), st.none(), st.none()),
)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[RunningSandbox]:
    with start(build_state(scale="small", seed=9, anchor=dt.date(2026, 11, 23))) as running:
        yield running


def apply(sandbox: RunningSandbox, edit: tuple[str, Any, Any]) -> None:
    kind, index, value = edit
    store = sandbox.state.store
    now = sandbox.state.now()
    records = store.all(REQUESTS)
    record = records[index % len(records)]
    if kind == "reference":
        store.update(REQUESTS, record["ID"], {t.R_REFERENCE: value}, now)
    elif kind == "quantity" and record.get("ProductLines"):
        store.update("ProductLine", record["ProductLines"][0], {"Quantity": value}, now)
    elif kind == "break":
        store.update(REQUESTS, record["ID"], {"ProductLines": []}, now)
    elif kind == "delete" and len(records) > 20:
        store.delete(REQUESTS, record["ID"])
    elif kind == "create":
        navs = t.SETS[REQUESTS].navs
        body = {
            k: ([{"ID": x} for x in v] if isinstance(v, list) else {"ID": v}) if k in navs and v else v
            for k, v in record.items()
            if k not in READ_ONLY
        }
        store.create(REQUESTS, {**body, "Number": f"AD2026-{value:05d}"}, now)


def snapshot(mirror: Mirror) -> dict[str, Any]:
    model = ReadModel(mirror.engine)
    return {
        "requests": sorted((r.as_dict() for r in model.requests()), key=lambda r: r["id"]),
        "problems": sorted(sorted(p.as_dict().items(), key=str) for p in model.problems()),
        "months": [m.as_dict() for m in model.months()],
        "stock": [s.as_dict() for s in model.stock()],
    }


def derived(mirror: Mirror) -> dict[str, Any]:
    model = ReadModel(mirror.engine)
    return {
        "stock": [s.as_dict() for s in model.stock()],
        "states": {f.id: f.state for f in model.forecasts()},
        "month_problems": sorted(
            p.record_id for p in model.problems(["requests"]) if p.code == "month_closed_at_submission"
        ),
        "stock_problems": sorted(
            (p.set_name, p.record_id, p.code, p.message_nl)
            for p in model.problems()
            if p.code in STOCK_PROBLEMS
        ),
    }


def assert_derived_as_if_from_scratch(mirror: Mirror) -> None:
    """What a delta worked out for the organisations it touched equals working it all out again
    from the rows the read model holds (then rolled back)."""
    kept = derived(mirror)
    with mirror.engine.connect() as connection:
        tx = connection.begin()
        derive_stock(connection, ALL)
        derive_forecast_states(connection, ALL)
        derive_month_problems(connection, dt.datetime.now(dt.UTC))
        s, f, p = mirror_stock, mirror_forecasts, mirror_problems
        stock = connection.execute(select(s).order_by(s.c.in_stock.desc(), s.c.organisation_id)).all()
        states = dict(connection.execute(select(f.c.id, f.c.state)).all())
        months = sorted(
            connection.execute(
                select(p.c.record_id).where(p.c.code == "month_closed_at_submission")
            ).scalars()
        )
        problems = sorted(
            tuple(row)
            for row in connection.execute(
                select(p.c.set_name, p.c.record_id, p.c.code, p.c.message_nl).where(
                    p.c.code.in_(sorted(STOCK_PROBLEMS))
                )
            )
        )
        tx.rollback()
    assert [(r.organisation_id, r.in_stock, r.received) for r in stock] == [
        (s["organisation_id"], s["in_stock"], s["received"]) for s in kept["stock"]
    ]
    assert {k: str(v) for k, v in states.items()} == {k: v.value for k, v in kept["states"].items()}
    assert months == kept["month_problems"]
    assert problems == kept["stock_problems"]


# The edits touch requests and their product lines, so the deltas in between refresh requests (a
# delta of every set costs the test minutes under load); the final full refresh covers every set,
# which matters: deleting a request empties the reference of its accountability reports.
SETS = [MirrorSet.REQUESTS]


@settings(
    max_examples=10,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(edits, min_size=1, max_size=10))
def test_deltas_then_a_full_refresh_equal_a_fresh_full_read(
    sandbox: RunningSandbox, steps: list[tuple[str, Any, Any]]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        kept, kept_client = make_mirror(f"sqlite:///{Path(folder) / 'kept.db'}", sandbox)
        fresh, fresh_client = make_mirror(f"sqlite:///{Path(folder) / 'fresh.db'}", sandbox)
        try:
            kept.refresh(full=True)
            for step in steps:
                if step[0] == "refresh":
                    kept.refresh(SETS)
                    assert_derived_as_if_from_scratch(kept)
                else:
                    apply(sandbox, step)
            kept.refresh(SETS)
            kept.refresh(full=True)
            fresh.refresh(full=True)
            assert snapshot(kept) == snapshot(fresh)
        finally:
            for client, mirror in ((kept_client, kept), (fresh_client, fresh)):
                client.close()
                mirror.engine.dispose()
