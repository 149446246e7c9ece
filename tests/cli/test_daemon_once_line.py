"""`daemon --once` says per job what happened in one clean line, also when a run failed early."""

from __future__ import annotations

import datetime as dt

from tribe_sync.cli.daemon import once_line
from tribe_sync.jobs.executor import Report


def test_a_run_that_failed_before_any_change_reads_as_outcome_and_reason_without_stray_commas() -> None:
    report = Report("audit", dt.date(2026, 11, 24), False, None, run_id=3, error="nothing answers at the CRM")
    assert once_line(report) == "audit: failed (nothing answers at the CRM)"


def test_a_run_without_changes_reads_as_its_outcome_alone() -> None:
    report = Report("audit", dt.date(2026, 11, 24), False, None, run_id=4)
    assert once_line(report) == f"audit: {report.outcome}"
