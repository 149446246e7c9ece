"""`tribe-sync months …` and `tribe-sync processor import`: staff's own actions, journalled by name."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer

from tribe_sync.bootstrap import Services
from tribe_sync.cli.context import AppContext, app_context
from tribe_sync.cli.options import parse_month
from tribe_sync.cli.output import emit_json, table
from tribe_sync.jobs.base import Change, Outcome
from tribe_sync.jobs.staff import (
    apply_staff_changes,
    month_change,
    month_rows,
    parse_confirmations,
    plan_confirmations,
    requests_by_number,
    staff_snapshot,
)

months = typer.Typer(
    help="Delivery months: list them; close or reopen one on staff's word.", no_args_is_help=True
)
processor = typer.Typer(help="What processors send back.", no_args_is_help=True)

Json = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Show what would change; write nothing.")]
MonthArg = Annotated[str, typer.Argument(help="The month, YYYY-MM.")]
Reason = Annotated[str, typer.Option(help="Why (kept in the CRM and the audit trail).")]
Who = Annotated[
    str | None, typer.Option("--by", help="Who does this (for the audit trail); default: your login.")
]


@months.command("list")
def list_months(ctx: typer.Context, as_json: Json = False) -> None:
    """Every delivery month: open or closed, capacity, requested so far, and who closed it why."""
    context = app_context(ctx)
    with Services(context.settings) as services:
        rows = month_rows(staff_snapshot(services))
    if as_json:
        emit_json(
            [
                {
                    "month": r.month.month.code,
                    "label": r.month.month.label,
                    "open": r.month.is_open,
                    "capacity": r.month.capacity,
                    "requests": r.requests,
                    "requested": r.requested,
                    "closed_by": r.month.closed_by,
                    "closed_reason": r.month.closed_reason,
                }
                for r in rows
            ]
        )
        return
    table(
        context,
        "Delivery months",
        ["month", "open", "capacity", "requests", "requested", "closed by", "reason"],
        [
            (
                r.month.month.label,
                "yes" if r.month.is_open else "no",
                r.month.capacity if r.month.capacity is not None else "no limit",
                r.requests,
                r.requested,
                r.month.closed_by,
                r.month.closed_reason,
            )
            for r in rows
        ],
    )


def _set_month(
    ctx: typer.Context, month: str, reason: str, who: str | None, dry_run: bool, as_json: bool, open_: bool
) -> None:
    context = app_context(ctx)
    target = parse_month(month)
    if not reason.strip():
        raise typer.BadParameter("say why, for the audit trail", param_hint="--reason")
    with Services(context.settings) as services:
        snapshot = staff_snapshot(services, with_requests=False)
        try:
            change = month_change(services, snapshot, target, open_=open_, reason=reason.strip())
        except LookupError as exc:
            raise typer.BadParameter(str(exc), param_hint="MONTH") from None
        if change is None:
            context.err.print(f"{target.label} is already {'open' if open_ else 'closed'}; nothing to do.")
            outcomes: list[Outcome] = []
        elif dry_run:
            outcomes = [Outcome(change, "planned")]
        else:
            actor = f"staff:{who or getpass.getuser()}"
            _, outcomes, _ = apply_staff_changes(
                services, f"months {'open' if open_ else 'close'}", [change], actor, snapshot
            )
    _report(context, outcomes, as_json)


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


@processor.command("import")
def import_confirmations(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="The processor's CSV: order number, confirmed date, delivery date.")
    ],
    dry_run: DryRun = False,
    as_json: Json = False,
) -> None:
    """Record a processor's confirmations. Every row is checked first; if one is wrong, nothing is written."""
    context = app_context(ctx)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise typer.BadParameter(f"cannot read {file}: {exc}", param_hint="FILE") from None
    rows, errors = parse_confirmations(text)
    with Services(context.settings) as services:
        if not errors:
            found = requests_by_number(services, [r.order_number for r in rows])
            plan = plan_confirmations(rows, found, services, file.name)
            errors = plan.errors
        if errors:
            for error in errors:
                context.err.print(f"[red]{file.name}[/red] {error}", highlight=False)
            context.err.print(f"{len(errors)} problem(s); nothing was written.")
            raise typer.Exit(2)
        if dry_run:
            outcomes = [Outcome(c, "planned") for c in plan.changes]
        else:
            _, outcomes, _ = apply_staff_changes(
                services, "processor import", plan.changes, f"processor-import:{file.name}"
            )
    _report(context, outcomes, as_json)


def _report(context: AppContext, outcomes: list[Outcome], as_json: bool) -> None:
    changes: list[Change] = [o.change for o in outcomes]
    if as_json:
        emit_json(
            {
                "changes": [
                    {**c.as_dict(), "outcome": o.status, "detail": o.detail}
                    for c, o in zip(changes, outcomes, strict=True)
                ]
            }
        )
    elif outcomes:
        table(
            context,
            "Changes",
            ["record", "change", "why", "outcome"],
            [
                (o.change.label, f"{o.change.before} -> {o.change.after}", o.change.reason, o.status)
                for o in outcomes
            ],
        )
    if any(o.status in ("failed", "skipped") for o in outcomes):
        raise typer.Exit(1)
