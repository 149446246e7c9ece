"""The jobs against a live sandbox: convergence, crash safety, respect for people's changes."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.jobs.conftest import TODAY, Env, make_env
from tribe_sync.jobs import progress as progress_module
from tribe_sync.jobs import runner
from tribe_sync.jobs.handoff import read_handoff_file
from tribe_sync.jobs.registry import JOBS
from tribe_sync.jobs.runner import run_job

PROGRESS = JOBS["progress-statuses"]
CLOSING = JOBS["close-delivery-months"]


def files(env: Env) -> list[Path]:
    return sorted(env.outbox.glob("*.csv")) if env.outbox.exists() else []


def test_a_second_run_changes_nothing(env: Env) -> None:
    for job in (CLOSING, PROGRESS):
        first = run_job(job, env.services, TODAY)
        assert first.summary()["applied"] > 0
        assert first.summary()["failed"] == 0
        writes = len(env.writes())
        second = run_job(job, env.fresh_services(), TODAY)
        assert second.outcomes == []
        assert len(env.writes()) == writes
    assert len(files(env)) == 1


def test_a_dry_run_writes_nothing_to_the_crm_the_journal_or_the_outbox(env: Env) -> None:
    report = run_job(PROGRESS, env.services, TODAY, dry_run=True)
    assert report.summary()["planned"] > 0
    assert env.writes() == []
    assert env.services.journal.runs() == []
    assert files(env) == []


def test_the_run_and_every_change_are_journalled_with_who_and_why(env: Env) -> None:
    report = run_job(CLOSING, env.services, TODAY)
    (run,) = env.services.journal.runs("close-delivery-months")
    assert run["outcome"] == report.outcome
    assert run["counts"]["applied"] == len(report.outcomes)
    trail = env.services.journal.audit_trail(run_id=run["id"])
    assert len(trail) == len(report.outcomes)
    assert {entry["actor"] for entry in trail} == {"job:close-delivery-months"}
    assert all(entry["reason"] for entry in trail)


def test_a_crash_after_the_handoff_file_before_the_status_writes_never_writes_a_second_file(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    def killed(*_args: Any) -> Any:
        raise KeyboardInterrupt("killed between the file and the status writes")

    monkeypatch.setattr(progress_module, "apply_in_order", killed)
    with pytest.raises(KeyboardInterrupt):
        run_job(PROGRESS, env.services, TODAY)
    (written,) = files(env)
    handed_off = {row["ordernummer"] for row in read_handoff_file(written)}
    assert handed_off

    monkeypatch.undo()
    rerun = run_job(PROGRESS, env.fresh_services(), TODAY)
    assert files(env) == [written], "no second file for the same requests"
    moved = {c.label for c in (o.change for o in rerun.outcomes) if c.step == "hand-off"}
    assert handed_off <= moved
    assert all(o.status in ("applied", "done-already") for o in rerun.outcomes)
    assert run_job(PROGRESS, env.fresh_services(), TODAY).outcomes == []


def test_a_crash_before_the_file_was_renamed_hands_the_requests_off_on_the_next_run(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    def killed(*_args: Any) -> Any:
        raise KeyboardInterrupt("killed while writing the file")

    monkeypatch.setattr(progress_module, "write_handoff_file", killed)
    with pytest.raises(KeyboardInterrupt):
        run_job(PROGRESS, env.services, TODAY)
    assert files(env) == []
    pending = env.services.journal.keys_with_prefix("handoff/")
    assert pending
    assert {state for state, _ in pending.values()} == {"pending"}

    monkeypatch.undo()
    rerun = run_job(PROGRESS, env.fresh_services(), TODAY)
    (written,) = files(env)
    assert len(read_handoff_file(written)) == sum(1 for o in rerun.outcomes if o.change.step == "hand-off")
    assert {state for state, _ in env.services.journal.keys_with_prefix("handoff/").values()} == {"done"}


def test_a_status_a_person_changed_after_the_snapshot_is_skipped_and_reported(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = runner.load_snapshot
    touched: list[str] = []

    def snapshot_then_a_person_acts(*args: Any, **kwargs: Any) -> Any:
        snapshot = real(*args, **kwargs)
        state = env.sandbox.state
        plan = PROGRESS.plan(snapshot, TODAY, env.services.settings, env.services.schema)
        target = next(c.target_id for c in plan.changes if c.step == "allocation")
        closed = next(
            r for r in state.store.all("Datastore_Phase_ActivitySalesOrder") if r["Code"] == "GESLOTEN"
        )
        state.store.update("Activity_SalesOrder", target, {"Phase": {"ID": closed["ID"]}}, state.now())
        touched.append(target)
        return snapshot

    monkeypatch.setattr(runner, "load_snapshot", snapshot_then_a_person_acts)
    report = run_job(PROGRESS, env.services, TODAY)
    (target,) = touched
    outcome = next(o for o in report.outcomes if o.change.target_id == target)
    assert outcome.status == "skipped"
    assert any(p.code == "status_changed_meanwhile" and p.record_id == target for p in report.problems)
    assert env.phase_of(target) == "GESLOTEN", "never forced back"
    assert report.exit_code == 1


@pytest.mark.parametrize("scale", ["small", "realistic"])
def test_crm_calls_are_one_paged_read_per_set_plus_one_per_change(tmp_path: Path, scale: str) -> None:
    for env in make_env(tmp_path, scale=scale):
        report = run_job(PROGRESS, env.services, TODAY)
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
        steps = Counter(o.change.step for o in report.outcomes if o.change.expect_status is not None)
        phase_reads = sum(math.ceil(n / 40) for n in steps.values())
        assert calls["PUT"] + calls["POST"] == len(report.outcomes)
        assert calls["GET"] <= pages + phase_reads
