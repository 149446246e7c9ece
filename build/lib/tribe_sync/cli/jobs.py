"""`tribe-sync jobs …`: list the jobs and run one, for real or as a dry run."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.progress import Progress

from tribe_sync.bootstrap import Services
from tribe_sync.cli.context import AppContext, app_context
from tribe_sync.cli.options import parse_day
from tribe_sync.cli.output import emit_json, table
from tribe_sync.errors import ConfigError, TribeSyncError
from tribe_sync.jobs.base import Plan, Report
from tribe_sync.jobs.registry import JOBS
from tribe_sync.jobs.runner import run_job

app = typer.Typer(help="The scheduled jobs: list them, run one now.", no_args_is_help=True)


@app.command("list")
def list_jobs(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Every job with what it does and when the daemon runs it."""
    schedule = app_context(ctx).settings.schedule
    rows = [
        (name, job.description, getattr(schedule, name.replace("-", "_"), "")) for name, job in JOBS.items()
    ]
    if as_json:
        emit_json([{"name": n, "description": d, "schedule": c} for n, d, c in rows])
    else:
        table(app_context(ctx), "Jobs", ["job", "what it does", "schedule (cron)"], rows)


@app.command("run")
def run(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The job, e.g. close-delivery-months (see `jobs list`).")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Plan and show; write nothing anywhere.")
    ] = False,
    today: Annotated[
        str | None, typer.Option(help="The date to act as of (YYYY-MM-DD); default today.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")] = False,
) -> None:
    """Run one job now. Exit 0 done, 1 done with problems or failed changes, 2 usage or configuration."""
    job = JOBS.get(name)
    if job is None:
        raise typer.BadParameter(f"no job {name!r}; the jobs are: {', '.join(JOBS)}", param_hint="NAME")
    context = app_context(ctx)
    with Services(context.settings) as services:
        day = parse_day(today, services.today())
        try:
            with Progress(
                console=context.err, transient=True, disable=as_json or not sys.stderr.isatty()
            ) as bar:
                task = bar.add_task(f"{name}: applying", total=None)
                report = run_job(
                    job,
                    services,
                    day,
                    dry_run=dry_run,
                    progress=lambda n: bar.advance(task, n),
                    on_plan=lambda plan: bar.update(task, total=len(plan.changes)),
                )
        except TribeSyncError as exc:
            if not as_json or isinstance(exc, ConfigError):
                raise
            # --json promises one document on stdout, also when the run could not be done at all.
            emit_json(
                {
                    "job": name,
                    "today": day.isoformat(),
                    "dry_run": dry_run,
                    "changes": [],
                    "problems": [
                        {"code": "run_failed", "entity": "run", "record_id": None, "message": str(exc)}
                    ],
                    "held": [],
                    "summary": {"changes": 0, "problems": 1},
                    "error": str(exc),
                }
            )
            raise typer.Exit(1) from None
    if as_json:
        emit_json(report.as_json())
    else:
        show(context, report)
    raise typer.Exit(report.exit_code)


def show(context: AppContext, report: Report) -> None:
    plan: Plan = report.plan
    for step in plan.steps:
        rows = [
            (o.change.label, _arrow(o.change.before, o.change.after), o.change.reason, o.status, o.detail)
            for o in report.outcomes
            if o.change.step == step
        ]
        if rows:
            table(
                context,
                f"{plan.job} · {step} ({len(rows)})",
                ["record", "change", "why", "outcome", "detail"],
                rows,
            )
    if plan.held:
        table(
            context,
            f"Held back ({len(plan.held)})",
            ["step", "record", "reason", "what"],
            [(n.step, n.label, n.code, n.message) for n in plan.held],
        )
    if report.problems:
        table(
            context,
            f"Problems ({len(report.problems)})",
            ["problem", "record", "what is wrong"],
            [(p.code, f"{p.entity} {p.record_id or ''}".strip(), p.message) for p in report.problems],
        )
    summary = report.summary()
    mode = "dry run, nothing written" if report.dry_run else f"run {report.run_id}"
    context.err.print(
        f"{plan.job} for {plan.today} ({mode}): "
        + ", ".join(f"{k} {v}" for k, v in summary.items() if v or k == "changes")
    )


def _arrow(before: object, after: object) -> str:
    if not before:
        return f"new: {after}"
    return f"{before} -> {after}"
