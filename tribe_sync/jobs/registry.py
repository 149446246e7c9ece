"""Every job by its public name (the names are part of the CLI contract: README, docs/programme.md)."""

from __future__ import annotations

from tribe_sync.jobs.audit import Audit
from tribe_sync.jobs.close_months import CloseDeliveryMonths
from tribe_sync.jobs.executor import Job
from tribe_sync.jobs.progress import ProgressStatuses
from tribe_sync.jobs.reminders import AccountabilityReminders, ForecastReminders

__all__ = ["JOBS", "OTHER_RUNS"]

JOBS: dict[str, Job] = {
    job.name: job
    for job in (
        CloseDeliveryMonths(),
        ProgressStatuses(),
        AccountabilityReminders(),
        ForecastReminders(),
        Audit(),
    )
}

# The journal's runs that are not jobs: staff commands (`months close|open`, `processor import`) and
# the daemon's task that a plan waits for approval. `runs list --job` accepts these names too.
OTHER_RUNS: tuple[str, ...] = ("months close", "months open", "processor import", "approval-notice")
