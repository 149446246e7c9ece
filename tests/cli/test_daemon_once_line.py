"""`daemon --once` says per job what happened in one clean line, also when a run failed early."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.cli.conftest import Cli
from tribe_sync.cli.daemon import once_line
from tribe_sync.jobs.executor import Report
from tribe_sync.sandbox.server import RunningSandbox


def test_a_run_that_failed_before_any_change_reads_as_outcome_and_reason_without_stray_commas() -> None:
    report = Report("audit", dt.date(2026, 11, 24), False, None, run_id=3, error="nothing answers at the CRM")
    assert once_line(report) == "audit: failed (nothing answers at the CRM)"


def test_a_run_without_changes_reads_as_its_outcome_alone() -> None:
    report = Report("audit", dt.date(2026, 11, 24), False, None, run_id=4)
    assert once_line(report) == f"audit: {report.outcome}"


@pytest.mark.sandbox
def test_a_job_parked_for_approval_is_one_line_naming_its_plan(
    cli: Cli, crm_env: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIBE_SYNC_STORE__URL", f"sqlite:///{tmp_path / 'journal.db'}")
    monkeypatch.setenv("TRIBE_SYNC_PROGRAMME__OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.setenv("TRIBE_SYNC_APPROVAL__JOBS", '["close-delivery-months"]')
    result = cli("daemon", "--once")
    assert result.code in (0, 1), result.err
    (line,) = [x for x in result.err.splitlines() if x.startswith("close-delivery-months:")]
    assert line.startswith("close-delivery-months: plan 1 waits for approval (")
    assert "nothing written" in line
    assert "`tribe-sync plans approve 1`" in line
    assert "nothing was due" not in result.err


@pytest.mark.sandbox
def test_a_job_under_approval_that_cannot_even_be_planned_says_so_and_exits_non_zero(
    cli: Cli, crm_env: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIBE_SYNC_STORE__URL", f"sqlite:///{tmp_path / 'journal.db'}")
    monkeypatch.setenv("TRIBE_SYNC_PROGRAMME__OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.setenv("TRIBE_SYNC_APPROVAL__JOBS", '["audit"]')
    monkeypatch.setenv("TRIBE_SYNC_CRM__TOKEN_URL", f"{crm_env.url}/no-token-here")
    result = cli("daemon", "--once")
    assert result.code != 0
    (line,) = [x for x in result.err.splitlines() if x.startswith("audit:")]
    assert line.startswith("audit: failed (could not plan for approval: ")
    assert "nothing was due" not in result.err
