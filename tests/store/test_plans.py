"""The plan store on SQLite and PostgreSQL: statuses move forward once, re-plans never duplicate."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.databases import DATABASES, database_url
from tribe_sync.errors import PlanError
from tribe_sync.store.journal import Journal, open_journal
from tribe_sync.store.plans import PlanSource, PlanStatus, PlanStore, Trigger

T0 = dt.datetime(2027, 1, 4, 7, 0, tzinfo=dt.UTC)
TODAY = dt.date(2027, 1, 4)


@pytest.fixture(params=DATABASES)
def journal(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Journal]:
    with database_url(request.param, tmp_path) as url:
        journal = open_journal(url)
        yield journal
        journal.close()


@pytest.fixture
def store(journal: Journal) -> PlanStore:
    return PlanStore(journal.engine)


def document(today: dt.date = TODAY, changes: int = 2) -> dict[str, Any]:
    return {
        "plan_format": 1,
        "job": "progress-statuses",
        "today": today.isoformat(),
        "created_at": T0.isoformat(),
        "changes": [{"key": f"k{i}"} for i in range(changes)],
        "records": {},
    }


def test_a_submitted_plan_is_pending_with_who_and_when(store: PlanStore) -> None:
    row, new = store.submit(document(), "d1", by="anna", source=PlanSource.STAFF, at=T0)
    assert new
    assert (row.status, row.submitted_by, row.submitted_at, row.changes) == (
        PlanStatus.PENDING,
        "anna",
        T0,
        2,
    )
    assert store.get(row.id).document == document()


def test_an_identical_open_plan_for_the_same_job_and_day_is_not_stored_twice(store: PlanStore) -> None:
    first, _ = store.submit(document(), "d1", by="daemon", source=PlanSource.DAEMON, at=T0)
    again, new = store.submit(document(), "d1", by="daemon", source=PlanSource.DAEMON, at=T0)
    assert not new
    assert again.id == first.id
    other, new = store.submit(document(changes=3), "d2", by="daemon", source=PlanSource.DAEMON, at=T0)
    assert new
    assert other.id != first.id
    assert len(store.rows()) == 2


def test_a_status_moves_only_from_what_the_caller_expects(store: PlanStore) -> None:
    row, _ = store.submit(document(), "d1", by="anna", source=PlanSource.STAFF, at=T0)
    later = T0 + dt.timedelta(hours=1)
    assert store.move(row.id, (PlanStatus.PENDING,), PlanStatus.APPROVED, at=later, by="bram", note="ok")
    assert not store.move(row.id, (PlanStatus.PENDING,), PlanStatus.REJECTED, at=later, by="carla")
    decided = store.get(row.id)
    assert (decided.status, decided.decided_by, decided.decided_at, decided.note) == (
        PlanStatus.APPROVED,
        "bram",
        later,
        "ok",
    )


def test_the_list_filters_by_status_and_job_newest_first(store: PlanStore) -> None:
    one, _ = store.submit(document(), "d1", by="anna", source=PlanSource.STAFF, at=T0)
    two, _ = store.submit(
        document(TODAY + dt.timedelta(days=1)), "d1", by="anna", source=PlanSource.STAFF, at=T0
    )
    store.move(one.id, (PlanStatus.PENDING,), PlanStatus.REJECTED, at=T0, by="bram", note="nee")
    assert [r.id for r in store.rows()] == [two.id, one.id]
    assert [r.id for r in store.rows(status=PlanStatus.REJECTED)] == [one.id]
    assert store.rows(job="audit") == []
    assert [r.id for r in store.open_for("progress-statuses")] == [two.id]


def test_pending_plans_are_counted_with_the_age_of_the_oldest(store: PlanStore) -> None:
    assert store.pending_summary(T0) == (0, 0.0)
    store.submit(document(), "d1", by="daemon", source=PlanSource.DAEMON, at=T0)
    store.submit(
        document(changes=1), "d2", by="daemon", source=PlanSource.DAEMON, at=T0 + dt.timedelta(hours=1)
    )
    assert store.pending_summary(T0 + dt.timedelta(hours=2)) == (2, 7200.0)


def test_an_unknown_plan_is_a_plain_error_naming_the_list_command(store: PlanStore) -> None:
    with pytest.raises(PlanError, match="er is geen plan 42; `tribe-sync plans list` toont ze"):
        store.get(42)


def test_a_run_records_what_started_it_and_the_plan_it_applied(journal: Journal) -> None:
    run_id = journal.start_run("progress-statuses", TODAY, T0, trigger=Trigger.APPROVED_PLAN.value, plan_id=7)
    journal.mark(run_id, "status/x/PROCESSING", T0)
    journal.finish_run(run_id, T0, "ok", {"changes": 1})
    (run,) = journal.runs(since=T0)
    assert (run["trigger"], run["plan_id"]) == ("approved-plan", 7)
    assert journal.run(run_id) == {**run, "notes": None}, "one run also has its notes (none given here)"
    assert journal.runs(since=T0 + dt.timedelta(seconds=1)) == []
    assert journal.keys_of_plan(7) == {"status/x/PROCESSING"}
    assert journal.keys_of_plan(8) == set()


def test_summaries_count_changes_and_held_in_the_database_without_the_document(store: PlanStore) -> None:
    with_held = {**document(changes=3), "held": [{"code": "cap"}, {"code": "capacity"}]}
    first, _ = store.submit(with_held, "d1", by="anna", source=PlanSource.STAFF, at=T0)
    second, _ = store.submit(
        document(TODAY + dt.timedelta(days=1), changes=0), "d2", by="daemon", source=PlanSource.DAEMON, at=T0
    )
    store.move(first.id, (PlanStatus.PENDING,), PlanStatus.REJECTED, at=T0, by="bram", note="te vroeg")
    newest, oldest = store.summaries()
    assert (newest.id, newest.changes, newest.held, newest.status) == (second.id, 0, 0, PlanStatus.PENDING)
    assert (oldest.id, oldest.changes, oldest.held) == (first.id, 3, 2)
    assert (oldest.status, oldest.decided_by, oldest.note, oldest.decided_at) == (
        PlanStatus.REJECTED,
        "bram",
        "te vroeg",
        T0,
    )
    assert not hasattr(oldest, "document")


def test_a_plan_is_shown_without_the_digest_of_the_records_it_read(store: PlanStore) -> None:
    saved = {**document(changes=3), "held": [{"code": "cap"}], "records": {"requests": {"r-1": "2027-01-01"}}}
    row, _ = store.submit(saved, "d1", by="anna", source=PlanSource.STAFF, at=T0)
    shown = store.shown(row.id)
    assert shown.document == {k: v for k, v in saved.items() if k != "records"}
    assert (shown.changes, shown.status, shown.submitted_by) == (3, PlanStatus.PENDING, "anna")
    bare = store.shown(row.id, document=False)
    assert (bare.document, bare.submitted_at) == ({}, T0)
    assert [(s.changes, s.held) for s in store.summaries()] == [(3, 1)]
