"""Every job by its public name (the names are part of the CLI contract: README, docs/programme.md)."""

from __future__ import annotations

from tribe_sync.jobs.audit import Audit
from tribe_sync.jobs.close_months import CloseDeliveryMonths
from tribe_sync.jobs.executor import Job
from tribe_sync.jobs.progress import ProgressStatuses
from tribe_sync.jobs.reminders import AccountabilityReminders, ForecastReminders

__all__ = ["JOBS"]

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
