"""`tribe-sync daemon [--once]`: the service, or one pass of every due job for cron users."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from tribe_sync.bootstrap import Services
from tribe_sync.cli.context import app_context
from tribe_sync.daemon import LEADER, Daemon
from tribe_sync.jobs.executor import Report
from tribe_sync.store.plans import PlanRow


def daemon(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="Run every due job once and exit (for cron).")] = False,
) -> None:
    """Run every job on its schedule until SIGTERM; with --once, run what is due now and exit."""
    context = app_context(ctx)
    if logging.getLogger("tribe_sync").getEffectiveLevel() > logging.INFO:
        logging.getLogger("tribe_sync").setLevel(logging.INFO)  # a service says what it does
    runner = Daemon(Services(context.settings))
    if not once:
        runner.run_forever()
        return
    try:
        reports = runner.run_due()
        if not runner.is_leader:
            context.err.print("another daemon leads; it runs the jobs. Nothing was run.")
        for report in reports:
            context.err.print(once_line(report), highlight=False, markup=False)
        for row in runner.waiting.values():
            context.err.print(waiting_line(row), highlight=False, markup=False)
        # A tick that failed before any run was recorded (planning for approval, the store away).
        reported = {r.job for r in reports}
        unreported = [
            f"{job}: failed ({last.get('error', 'see the log above')})"
            for job, last in runner.last.items()
            if last.get("outcome") == "failed" and job not in reported
        ]
        for line in unreported:
            context.err.print(line, highlight=False, markup=False)
        if runner.is_leader and not reports and not runner.waiting and not unreported:
            context.err.print("nothing was due.")
    finally:
        if runner.role == LEADER:
            runner.services.journal.release(LEADER, runner.services.holder)
        runner.services.close()
    raise typer.Exit(max([*(r.exit_code() for r in reports), 1 if unreported else 0]))


def once_line(report: Report) -> str:
    """One line per job for `daemon --once`: its outcome, the counts that are not zero, and why it failed."""
    counts = ", ".join(f"{k} {v}" for k, v in report.summary().items() if v)
    return (
        f"{report.job}: {report.outcome}"
        + (f", {counts}" if counts else "")
        + (f" ({report.error})" if report.error else "")
    )


def waiting_line(row: PlanRow) -> str:
    """One line for a job under approval whose plan was parked instead of run."""
    changes = f"{row.changes} change" + ("" if row.changes == 1 else "s")
    return (
        f"{row.job}: plan {row.id} waits for approval ({changes}, nothing written); approve it with "
        f"`tribe-sync plans approve {row.id}` or on the console's Plannen page"
    )
