"""What a run says about itself: at -v (INFO) one line per step with counts, at -vv (DEBUG) one per change."""

from __future__ import annotations

import logging

import pytest

from tests.jobs.conftest import TODAY, Env
from tribe_sync.jobs.registry import JOBS


@pytest.mark.sandbox
def test_a_run_that_writes_logs_its_plan_and_one_line_per_step_at_info_and_one_per_change_at_debug(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="tribe_sync.executor")
    report = env.services.executor().run_job(JOBS["progress-statuses"], TODAY)
    assert report.outcomes, "the fixture plans changes to write"
    ours = [r for r in caplog.records if r.name == "tribe_sync.executor"]
    info = [r.getMessage() for r in ours if r.levelno == logging.INFO]
    assert info[0] == (
        f"progress-statuses: planned {len(report.outcomes)} change(s), {len(report.problems)} problem(s), "
        f"{len(report.held)} held back"
    )
    steps = list(dict.fromkeys(o.change.step for o in report.outcomes))
    for step in steps:
        n = sum(1 for o in report.outcomes if o.change.step == step)
        assert f"progress-statuses: step {step}: {n} change(s): {n} applied" in info
    debug = [r.getMessage() for r in ours if r.levelno == logging.DEBUG]
    assert len(debug) == len(report.outcomes)
    first = report.outcomes[0].change
    assert f"progress-statuses: {first.step} {first.kind} {first.label}: applied" in debug
