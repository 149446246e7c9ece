"""`tribe-sync months …`: staff's own actions on delivery months, journalled by name."""

from __future__ import annotations

import getpass
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer
from rich.text import Text

from tribe_sync.bootstrap import Services
from tribe_sync.cli.context import AppContext, app_context
from tribe_sync.cli.options import parse_month
from tribe_sync.cli.output import emit_json, table
from tribe_sync.cli.views import (
    Fresh,
    emit_list,
    other_sets_problems_line,
    problems_in,
    problems_table,
    read_model_as_of,
)
from tribe_sync.cli.wording import entity_words, job_words, reason_words
from tribe_sync.errors import LockHeldError
from tribe_sync.month_closers import closed_by_names, closed_by_words
from tribe_sync.store.readmodel.refresh import MirrorSet

if TYPE_CHECKING:
    from tribe_sync.jobs.executor import Report
    from tribe_sync.jobs.plan import Plan

# The executor, the plans and the month rules are imported by the commands that write: `months list`
# reads the read model only, and importing them was a fifth of its start-up.

MONTH_SETS = (MirrorSet.MONTHS, MirrorSet.REQUESTS)

months = typer.Typer(
    help="Delivery months: list them; close or reopen one on staff's word.", no_args_is_help=True
)

Json = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Show what would change; write nothing.")]
MonthArg = Annotated[str, typer.Argument(help="The month: 2027-01 or januari 2027.")]
Reason = Annotated[str, typer.Option(help="Why (kept in the CRM and the audit trail).")]
Who = Annotated[
    str | None,
    typer.Option(
        "--by",
        help="Who decides (for the audit trail); default: your login. Once the console has accounts, a "
        "user with role approver or admin (`tribe-sync users list`).",
    ),
]


@months.command("list")
def list_months(ctx: typer.Context, fresh: Fresh = False, as_json: Json = False) -> None:
    """Every delivery month: open or closed, capacity, requested so far, and who closed it why."""
    context = app_context(ctx)
    with Services(context.settings) as services:
        as_of = read_model_as_of(context, services, MONTH_SETS, fresh=fresh)
        rows = services.read_model.months()
        journal = services.existing_journal()
        names = closed_by_names(journal, rows)
        said = closed_by_words(journal, rows)
        problems = list(services.read_model.problems([s.value for s in MONTH_SETS]))
    if as_json:
        emit_list(
            "months",
            ({**r.as_dict(), "closed_by_name": names.get(r.month)} for r in rows),
            problems,
            as_of,
        )
        return
    table(
        context,
        "Leveringsmaanden",
        ["maand", "open", "capaciteit", "aanvragen", "aangevraagd", "gesloten door", "reden"],
        [
            (
                r.label,
                "ja" if r.is_open else "nee",
                r.capacity if r.capacity is not None else "geen limiet",
                r.requests,
                r.requested,
                said.get(r.month, ""),
                r.closed_reason,
            )
            for r in rows
        ],
    )
    # The months' own problems; the requests' (a phone number, a postcode) are counted, not shown.
    shown, others = problems_in(problems, (MirrorSet.MONTHS,))
    problems_table(context, shown)
    other_sets_problems_line(context, others, "aanvragen", "tribe-sync requests list")


def _set_month(
    ctx: typer.Context, month: str, reason: str, who: str | None, dry_run: bool, as_json: bool, open_: bool
) -> None:
    from tribe_sync.jobs.staff import CLOSING_JOB, month_plan  # noqa: PLC0415 - see the imports
    from tribe_sync.plans.service import decider  # noqa: PLC0415

    context = app_context(ctx)
    target = parse_month(month, None)  # the message says the value; "MONTH" would mean nothing to staff
    if not reason.strip():
        raise typer.BadParameter("zeg waarom (dat komt in de audit trail)", param_hint="--reason")
    with Services(context.settings) as services:
        # Once the console has accounts, only an approver or admin decides, named by --by (checked
        # before the CRM is read, so a refusal writes nothing); a dry run decides nothing.
        actor = who or getpass.getuser()
        if not dry_run:
            verb = "een maand te heropenen" if open_ else "een maand te sluiten"
            actor = decider(services, actor, verb=verb)
        snapshot = services.crm.snapshot({"months"})
        try:
            plan = month_plan(snapshot, target, services.today(), open_=open_, reason=reason.strip())
        except LookupError:
            raise typer.BadParameter(f"er is geen leveringsmaand {target.label} in Tribe") from None
        if not plan.changes:
            context.err.print(f"{target.label} is al {'open' if open_ else 'gesloten'}; er is niets te doen.")
        report = apply_staff_plan(context, services, plan, f"staff:{actor}", CLOSING_JOB, dry_run)
    _report(context, report, as_json)


def apply_staff_plan(
    context: AppContext, services: Services, plan: Plan, actor: str, job: str, dry_run: bool
) -> Report:
    """Through the executor, under the claim of the job that writes the same records: while that job
    runs the command is refused (exit 1, in Dutch, nothing written), and what it decides the job will
    not undo."""
    from tribe_sync.jobs.executor import Report  # noqa: PLC0415 - see the imports

    if dry_run:
        return Report.planned(plan)
    if not plan.changes:  # nothing to write; not a dry run either, so the output must not say it was
        return Report(plan.job, plan.today, False, plan, [], list(plan.problems))
    try:
        report = services.executor().apply(plan, actor=actor, claim=f"job:{job}", trigger="staff")
    except LockHeldError as exc:
        zone = ZoneInfo(services.settings.programme.timezone)
        latest = f" (uiterlijk {exc.until.astimezone(zone):%H:%M} uur)" if exc.until else ""
        context.err.print(
            Text.assemble(
                ("fout: ", "red"),
                f"{job_words(job)} is nu bezig; er is niets vastgelegd. Probeer het opnieuw als die "
                f"klaar is{latest}.",
            )
        )
        raise typer.Exit(1) from None
    # Staff expect the next list to show what they just did, however young the read model is.
    services.mirror.mark_stale((MirrorSet.MONTHS, MirrorSet.REQUESTS), services.clock())
    return report


@months.command("close")
def close_month(
    ctx: typer.Context,
    month: MonthArg,
    reason: Reason,
    who: Who = None,
    dry_run: DryRun = False,
    as_json: Json = False,
) -> None:
    """Close a month for new requests; the closing job will keep it closed."""
    _set_month(ctx, month, reason, who, dry_run, as_json, open_=False)


@months.command("open")
def open_month(
    ctx: typer.Context,
    month: MonthArg,
    reason: Reason,
    who: Who = None,
    dry_run: DryRun = False,
    as_json: Json = False,
) -> None:
    """Reopen a month; the closing job leaves a month staff reopened open."""
    _set_month(ctx, month, reason, who, dry_run, as_json, open_=True)


def _report(context: AppContext, report: Report, as_json: bool) -> None:
    from tribe_sync.jobs.plan import OUTCOME_WORDS  # noqa: PLC0415 - see the imports

    if as_json:
        emit_json(report.as_json())
    elif report.outcomes:
        table(
            context,
            "Wijzigingen",
            ["betreft", "wijziging", "waarom", "uitkomst"],
            [
                (o.change.label, o.change.describe(), reason_words(o.change.reason), OUTCOME_WORDS[o.status])
                for o in report.outcomes
            ],
        )
    for found in report.problems:
        context.err.print(f"{found.label or entity_words(found.entity)}: {found.message_nl}", highlight=False)
    if report.error:
        context.err.print(Text.assemble(("fout: ", "red"), report.error))
    raise typer.Exit(report.exit_code())
