"""The jobs through the real client against a live sandbox: convergence, the journal, and calls.
Crash safety and people's changes meanwhile are tested on the in-memory CRM (`test_executor.py`)."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import pytest

from tests.jobs.conftest import TODAY, Env, make_env
from tribe_sync.jobs.plan import MoveStatus, Outcome
from tribe_sync.jobs.registry import JOBS

pytestmark = pytest.mark.sandbox  # a live sandbox server on loopback (not in make test-fast)

PROGRESS = JOBS["progress-statuses"]
CLOSING = JOBS["close-delivery-months"]


def files(env: Env) -> list[Path]:
    return sorted(env.outbox.glob("*.csv")) if env.outbox.exists() else []


def test_a_second_run_changes_nothing(env: Env) -> None:
    for job in (CLOSING, PROGRESS):
        first = env.services.executor().run_job(job, TODAY)
        assert first.summary()["applied"] > 0
        assert first.summary()["failed"] == 0
        writes = len(env.writes())
        second = env.fresh_services().executor().run_job(job, TODAY)
        assert second.outcomes == []
        assert len(env.writes()) == writes
    assert len(files(env)) == 1


def test_a_dry_run_writes_nothing_to_the_crm_the_journal_or_the_outbox(env: Env) -> None:
    report = env.services.executor(dry_run=True).run_job(PROGRESS, TODAY, dry_run=True)
    assert report.summary()["planned"] > 0
    assert env.writes() == []
    assert env.services.journal.runs() == []
    assert files(env) == []


def test_the_run_and_every_change_are_journalled_with_who_and_why(env: Env) -> None:
    report = env.services.executor().run_job(CLOSING, TODAY)
    (run,) = env.services.journal.runs("close-delivery-months")
    assert run["outcome"] == report.outcome
    assert run["counts"]["applied"] == len(report.outcomes)
    trail = env.services.journal.audit_trail(run_id=run["id"])
    assert len(trail) == len(report.outcomes)
    assert {entry["actor"] for entry in trail} == {"job:close-delivery-months"}
    assert all(entry["reason"] for entry in trail)


@pytest.mark.parametrize("scale", ["small", "realistic"])
def test_crm_calls_are_one_paged_read_per_set_plus_one_per_change(tmp_path: Path, scale: str) -> None:
    for env in make_env(tmp_path, scale=scale):
        report = env.services.executor().run_job(PROGRESS, TODAY)
        calls = Counter(c.method for c in env.sandbox.state.calls())
        store = env.sandbox.state.store
        read_sets = [
            "Relationship_Organization_CommercialRelationship_Customer",
            "Relationship_Person_Contact_Standard",
            "Activity_SalesOrder",
            "_03c472ca__4495__48b4__b8d8__89d2b47a5c1d",
            "_77dde229__df88__4e4d__ac23__86e5cc86ba64",
            "Product",
            "Relationship_Organization_Supplier",
            "Datastore_Phase_ActivitySalesOrder",
            "Datastore_Phase_ActivityTask",
            "ac9130f4__547c__47d3__8e3a__655f20731ab2",
            "ca3ab343__ac33__4b68__be9b__f77c6519a9d5",
        ]
        pages = sum(math.ceil(len(store.all(s)) / 100) + 1 for s in read_sets) + 1  # + our tasks (none yet)
        task_checks = math.ceil(sum(1 for o in report.outcomes if o.change.kind == "create_task") / 40)
        steps = Counter(o.change.step for o in report.outcomes if isinstance(o.change, MoveStatus))
        phase_reads = sum(math.ceil(n / 40) for n in steps.values())
        writes = [o for o in report.outcomes if o.change.kind != "hand_off"]
        assert all(o.status is Outcome.APPLIED for o in report.outcomes)
        assert calls["PUT"] + calls["POST"] == len(writes)
        assert calls["GET"] <= pages + phase_reads + task_checks
