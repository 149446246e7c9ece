"""`tribe-sync jobs …`: list the jobs and run one, for real or as a dry run."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from tribe_sync.bootstrap import Services
from tribe_sync.cli.context import AppContext, app_context
from tribe_sync.cli.options import parse_job, parse_planning_day
from tribe_sync.cli.output import emit_json, table
from tribe_sync.cli.wording import (
    dutch_date,
    entity_words,
    held_reason_words,
    held_words,
    job_words,
    reason_words,
    step_words,
    summary_words,
)
from tribe_sync.config import Settings
from tribe_sync.console.labels import HELD, UNCAPPED, UNCAPPED_WHY, is_uncapped
from tribe_sync.domain.problems import Problem
from tribe_sync.errors import ConfigError, TribeSyncError
from tribe_sync.jobs.executor import Report
from tribe_sync.jobs.plan import OUTCOME_WORDS, Plan
from tribe_sync.jobs.registry import JOBS

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


Strict = Annotated[bool, typer.Option("--strict", help="Exit 1 when known bad records were reported, too.")]
AllowFuture = Annotated[
    bool, typer.Option("--allow-future", help="Write even when --today is after the real date.")
]


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
    strict: Strict = False,
    allow_future: AllowFuture = False,
) -> None:
    """Run one job now. Exit 0 done (bad records reported), 1 a change failed or the run could not be
    done (--strict: also when bad records were reported), 2 usage or configuration."""
    job = parse_job(name)
    context = app_context(ctx)
    with Services(context.settings) as services:
        day = parse_planning_day(today, services.today())
        dry_run = only_plan_in_future(context, day, services.today(), dry_run, allow_future)
        try:
            with progress_bar(context, disable=as_json or not sys.stderr.isatty()) as bar:
                task = bar.add_task(f"{name}: reading the CRM and planning", total=None)

                def planned(plan: Plan) -> None:
                    verb = "planned (dry run)" if dry_run else "applying"
                    bar.update(task, total=len(plan.changes), description=f"{name}: {verb}")

                report = services.executor(dry_run=dry_run).run_job(
                    job,
                    day,
                    dry_run=dry_run,
                    progress=lambda n: bar.advance(task, n),
                    on_plan=planned,
                    trigger="staff",
                )
        except TribeSyncError as exc:  # the claim is held, or the store cannot be opened
            if not as_json or isinstance(exc, ConfigError):
                raise
            report = Report(name, day, dry_run, None, error=str(exc))
    if as_json:
        emit_json(with_links(report.as_json(), context.settings))
    else:
        show(context, report)
    raise typer.Exit(report.exit_code(strict=strict))


def progress_bar(context: AppContext, *, disable: bool) -> Progress:
    """A bar that says what it does, how many of how many, and how long it has still to go."""
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=context.err,
        transient=True,
        disable=disable,
    )


def only_plan_in_future(
    context: AppContext, day: dt.date, real: dt.date, dry_run: bool, allow_future: bool
) -> bool:
    """A `--today` after the real date only plans, unless `--allow-future`: closing December "because
    it has begun" on 24 November is never what someone meant."""
    if day > real and not allow_future and not dry_run:
        context.err.print(
            f"--today {day} is after today ({real}): only planning, nothing is written. "
            "Add --allow-future to write.",
            highlight=False,
        )
        return True
    return dry_run


def with_links(document: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """Each problem of a `--json` document with the link to its record in Tribe (`crm.record_url`)."""
    for found in document.get("problems", []):
        found["url"] = settings.crm.record_link(found.get("record_id"))
    return document


def show(context: AppContext, report: Report) -> None:
    def link(found: Problem) -> str | None:
        return context.settings.crm.record_link(found.record_id)

    plan = report.plan
    steps = plan.steps if plan else ()
    for step in steps:
        rows = [
            (
                o.change.label,
                o.change.describe(),
                reason_words(o.change.reason),
                OUTCOME_WORDS[o.status],
                o.detail_nl or o.detail,
            )
            for o in report.outcomes
            if o.change.step == step
        ]
        if rows:
            table(
                context,
                f"{job_words(report.job)} · {step_words(step)} ({len(rows)})",
                ["betreft", "wijziging", "waarom", "uitkomst", "toelichting"],
                rows,
            )
    # An organisation allocated without a quarterly cap was not held back: a note of its own.
    uncapped = [n for n in report.held if is_uncapped(n.code, n.message)]
    held = [n for n in report.held if not is_uncapped(n.code, n.message)]
    if held:
        table(
            context,
            f"{HELD} ({len(held)})",
            ["stap", "betreft", "reden", "toelichting"],
            [
                (step_words(n.step), n.label, held_reason_words(n.code), held_words(n.code, n.message))
                for n in held
            ],
        )
    if uncapped:
        table(
            context,
            f"{UNCAPPED} ({len(uncapped)})",
            ["organisatie", "toelichting"],
            [(n.label, UNCAPPED_WHY) for n in uncapped],
        )
    if report.problems:
        table(
            context,
            f"Problemen ({len(report.problems)})",
            ["betreft", "wat is er mis", "code", "in Tribe"],
            [
                (p.label or entity_words(p.entity), p.message_nl, p.code, link(p) or "")
                for p in report.problems
            ],
        )
    if report.plan is None and report.error:
        # It never got as far as a plan (Tribe could not be read, the login failed): a summary with
        # zero changes would read as a finished run. Say it was not done, then why.
        mode = "proefrun" if report.dry_run else f"run {report.run_id}"
        what = f"{job_words(report.job)} voor {dutch_date(report.today)} ({mode})"
        context.err.print(f"{what}: niet gedaan; er is niets geschreven", highlight=False)
    else:
        mode = "proefrun, niets geschreven" if report.dry_run else f"run {report.run_id}"
        what = f"{job_words(report.job)} voor {dutch_date(report.today)} ({mode})"
        # The counts as the tables above count them: what was allocated without a cap is not held.
        counts = {**report.summary(), "held": len(held), "uncapped": len(uncapped)}
        context.err.print(f"{what}: {summary_words(counts)}", highlight=False)
    if report.error:
        title = "configuration error" if report.config_error else "the run failed"
        context.err.print(f"[red]{title}:[/red] {report.error}", highlight=False, soft_wrap=True)
