"""`tribe-sync demo`: everything at work against a private sandbox, with no configuration."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Annotated

import typer

from tribe_sync.cli.context import app_context
from tribe_sync.cli.output import emit_json, table
from tribe_sync.demo import run_demo
from tribe_sync.domain.statuses import RequestStatus


def demo(
    ctx: typer.Context,
    today: Annotated[str | None, typer.Option(help="The date to act on (YYYY-MM-DD); default today.")] = None,
    scale: Annotated[str, typer.Option(help="Sandbox data size: small, realistic or large.")] = "realistic",
    seed: Annotated[int, typer.Option(help="Seed of the sandbox data.")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Start a sandbox CRM on a free port, read the whole tenant through the client and mappers, report."""
    context = app_context(ctx)
    try:
        day = dt.date.fromisoformat(today) if today else dt.date.today()
    except ValueError:
        raise typer.BadParameter("use YYYY-MM-DD", param_hint="--today") from None
    context.err.print(f"Starting a {scale} sandbox CRM and reading the whole tenant ({day}) ...")
    result = run_demo(context.settings, today=day, scale=scale, seed=seed)
    snap = result.snapshot
    if as_json:
        emit_json(
            {
                "today": day.isoformat(),
                "requests_per_status": {s.name: result.per_status.get(s, 0) for s in RequestStatus},
                "months": {
                    m.code: {"requests": n, "devices": d, "capacity": c, "open": o}
                    for m, (n, d, c, o) in result.per_month.items()
                },
                "problems": [p.as_dict() for p in result.problems],
                "crm_calls": result.calls,
            }
        )
        return
    table(
        context,
        "Requests per status",
        ["status", "label", "requests"],
        [(s.name, s.label, result.per_status.get(s, 0)) for s in RequestStatus],
    )
    table(
        context,
        "Delivery months",
        ["month", "requests", "devices", "capacity", "open"],
        [
            (m.label, n, d, c if c is not None else "no limit", "yes" if o else "no")
            for m, (n, d, c, o) in result.per_month.items()
        ],
    )
    names = {o.id: o.name for o in snap.organisations.values()}
    table(
        context,
        "Stock per organisation (top 10)",
        ["organisation", "received", "handed out", "in stock", "oldest undistributed", "last report"],
        [
            (
                names.get(s.organisation_id, s.organisation_id),
                s.received,
                s.handed_out,
                s.in_stock,
                s.oldest_undistributed_delivery,
                s.last_report_on,
            )
            for s in result.stock[:10]
        ],
    )
    counts = Counter(p.code for p in result.problems)
    table(
        context,
        f"Problems found ({len(result.problems)})",
        ["problem", "records", "example"],
        [
            (code, n, next(str(p) for p in result.problems if p.code == code))
            for code, n in counts.most_common()
        ],
    )
    context.err.print(
        f"{len(snap.requests)} requests, {len(snap.forecasts)} forecasts, {len(snap.reports)} reports, "
        f"{len(snap.organisations)} organisations read in {result.calls} CRM calls."
    )
