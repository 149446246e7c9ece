"""Runs one job: snapshot, pure plan, then apply (or, dry, only the plan), journalled as one run."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from tribe_sync.bootstrap import Services
from tribe_sync.errors import InterruptedRun, LockHeldError
from tribe_sync.jobs.base import ApplyContext, Job, Plan, Report
from tribe_sync.jobs.snapshot import load_snapshot

__all__ = ["run_job"]


def run_job(
    job: Job,
    services: Services,
    today: dt.date,
    *,
    dry_run: bool = False,
    actor: str | None = None,
    progress: Callable[[int], None] | None = None,
    on_plan: Callable[[Plan], None] | None = None,
) -> Report:
    """Plan from a fresh snapshot; unless `dry_run`, apply and journal. A dry run writes nothing,
    neither to the CRM nor to the journal."""
    snapshot = load_snapshot(services.client, services.schema, job.parts, job.task_prefixes)
    journal = services.existing_journal() if dry_run else services.journal
    for prefix in job.journal_prefixes:
        snapshot.journal_keys |= set(journal.keys_with_prefix(prefix)) if journal else set()
    plan = job.plan(snapshot, today, services.settings, services.schema)
    if on_plan is not None:
        on_plan(plan)
    if dry_run:
        return Report.planned(plan)
    journal = services.journal
    claim = f"job:{job.name}"
    ttl = dt.timedelta(seconds=services.settings.daemon.job_claim_ttl_s)
    try:
        journal.claim(claim, services.holder, services.clock(), ttl)
    except LockHeldError as held:  # a run is under way, unless its process died (SIGKILL, power)
        dead = held.holder
        if not (
            dead
            and services.is_dead(dead)
            and journal.take_over(claim, dead, services.holder, services.clock(), ttl)
        ):
            raise
    try:
        run_id = journal.start_run(job.name, today, services.clock(), holder=services.holder)
        ctx = ApplyContext.for_run(services, snapshot, run_id, actor or f"job:{job.name}", progress)
        try:
            outcomes, problems = job.apply(plan, ctx)
        except InterruptedRun:
            journal.finish_run(
                run_id,
                services.clock(),
                "interrupted",
                {"changes": len(plan.changes)},
                error="stopped on request between two changes",
            )
            raise
        except BaseException as exc:
            journal.finish_run(
                run_id,
                services.clock(),
                "failed",
                {"changes": len(plan.changes)},
                error=f"{type(exc).__name__}: {exc}",
            )
            raise
        report = Report(plan, False, outcomes, plan.problems + problems, run_id)
        journal.finish_run(run_id, services.clock(), report.outcome, report.summary())
        return report
    finally:
        journal.release(claim, services.holder)
