"""A staff command with nothing to write (an older processor file, a month already closed) is no dry run."""

from __future__ import annotations

import datetime as dt
from typing import cast

from tribe_sync.bootstrap import Services
from tribe_sync.cli.context import AppContext
from tribe_sync.cli.staff import apply_staff_plan
from tribe_sync.jobs.plan import Plan

NO_CONTEXT = cast(AppContext, None)  # nothing to write: nothing is said either


def test_a_plan_without_changes_applied_for_real_is_not_reported_as_a_dry_run() -> None:
    plan = Plan("processor import", dt.date(2026, 11, 24), ())
    # Nothing to write: the services are never reached.
    services = cast(Services, None)
    report = apply_staff_plan(
        NO_CONTEXT, services, plan, "processor-import:x.csv", "progress-statuses", False
    )
    assert report.dry_run is False
    assert report.as_json()["dry_run"] is False
    assert report.outcomes == []


def test_a_plan_without_changes_asked_as_a_dry_run_stays_a_dry_run() -> None:
    plan = Plan("processor import", dt.date(2026, 11, 24), ())
    report = apply_staff_plan(
        NO_CONTEXT, cast(Services, None), plan, "processor-import:x.csv", "progress-statuses", True
    )
    assert report.dry_run is True
