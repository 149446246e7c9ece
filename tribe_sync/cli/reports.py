"""`tribe-sync requests list`, `forecasts list`, `accountability report`: what staff look at."""

from __future__ import annotations

import csv
import io
from typing import Annotated

import typer

from tribe_sync.bootstrap import Services
from tribe_sync.cli.context import app_context
from tribe_sync.cli.options import parse_month
from tribe_sync.cli.output import emit_json, table
from tribe_sync.domain.calendar import Quarter
from tribe_sync.reports import accountability_rows, forecast_rows, parse_status, select_requests

requests = typer.Typer(help="Requests (aanvragen).", no_args_is_help=True)
forecasts = typer.Typer(help="Forecasts (prognoses).", no_args_is_help=True)
accountability = typer.Typer(
    help="Accountability (verantwoording): stock per organisation.", no_args_is_help=True
)

Json = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


@requests.command("list")
def list_requests(
    ctx: typer.Context,
    status: Annotated[
        str | None, typer.Option(help="WAITING, PROCESSING, ... (or the CRM code or Dutch label).")
    ] = None,
    org: Annotated[str | None, typer.Option(help="Organisation: its ID or part of its name.")] = None,
    month: Annotated[str | None, typer.Option(help="Delivery month, YYYY-MM.")] = None,
    as_json: Json = False,
) -> None:
    """Requests, oldest first, filtered by status, organisation and delivery month."""
    context = app_context(ctx)
    with Services(context.settings) as services:
        try:
            wanted = parse_status(status, services.schema) if status else None
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--status") from None
        target = parse_month(month, "--month") if month else None
        snapshot = services.crm.snapshot({"organisations", "requests"})
    chosen = select_requests(snapshot, status=wanted, organisation=org, month=target)
    names = {o.id: o.name for o in snapshot.organisations.values()}
    rows = [
        {
            "order_number": str(r.number),
            "id": r.id,
            "organisation": names.get(r.organisation_id, r.organisation_id),
            "status": r.status.name,
            "status_label": r.status.label,
            "quantity": r.quantity,
            "product": r.product_code,
            "month": r.month.code,
            "requested_on": r.requested_on.isoformat(),
            "delivery_date": r.delivery_date.isoformat() if r.delivery_date else None,
            "reference": r.reference,
        }
        for r in chosen
    ]
    if as_json:
        emit_json(rows)
        return
    table(
        context,
        f"Requests ({len(rows)})",
        ["order", "organisation", "status", "qty", "month", "requested", "delivery"],
        [
            (
                r["order_number"],
                r["organisation"],
                r["status_label"],
                r["quantity"],
                r["month"],
                r["requested_on"],
                r["delivery_date"],
            )
            for r in rows
        ],
    )


@forecasts.command("list")
def list_forecasts(
    ctx: typer.Context,
    year: Annotated[int | None, typer.Option(min=2000, max=2100, help="Only this year.")] = None,
    quarter: Annotated[int | None, typer.Option(min=1, max=4, help="Only this quarter (1-4).")] = None,
    as_json: Json = False,
) -> None:
    """Forecasts: which one counts (effective), which were replaced (superseded), which came late."""
    context = app_context(ctx)
    with Services(context.settings) as services:
        snapshot = services.crm.snapshot({"organisations", "forecasts"})
    names = {o.id: o.name for o in snapshot.organisations.values()}
    rows = [
        {
            "id": r.forecast.id,
            "organisation": names.get(r.forecast.organisation_id, r.forecast.organisation_id),
            "quarter": str(r.forecast.quarter),
            "product": r.forecast.product_code,
            "quantity": r.forecast.quantity,
            "submitted_on": r.forecast.submitted_on.isoformat(),
            "deadline": r.forecast.quarter.forecast_deadline.isoformat(),
            "state": r.state.value,
        }
        for r in forecast_rows(snapshot.forecasts, year=year, quarter=quarter)
    ]
    if as_json:
        emit_json(rows)
        return
    table(
        context,
        f"Forecasts ({len(rows)})",
        ["organisation", "quarter", "product", "qty", "submitted", "deadline", "state"],
        [
            (
                r["organisation"],
                r["quarter"],
                r["product"],
                r["quantity"],
                r["submitted_on"],
                r["deadline"],
                r["state"],
            )
            for r in rows
        ],
    )


@accountability.command("report")
def report(
    ctx: typer.Context,
    quarter: Annotated[
        str | None, typer.Option(help="As it stood at the end of this quarter (YYYY-Qn).")
    ] = None,
    as_json: Json = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV (for a spreadsheet).")] = False,
) -> None:
    """Per organisation: received, handed out, in stock, oldest undistributed delivery, last report."""
    context = app_context(ctx)
    if as_json and as_csv:
        raise typer.BadParameter("choose --json or --csv", param_hint="--csv")
    try:
        as_of = Quarter.parse(quarter) if quarter else None
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--quarter") from None
    with Services(context.settings) as services:
        snapshot = services.crm.snapshot({"organisations", "requests", "reports"})
    names = {o.id: o.name for o in snapshot.organisations.values()}
    rows = [
        {
            "organisation": names.get(s.organisation_id, s.organisation_id),
            "organisation_id": s.organisation_id,
            "received": s.received,
            "handed_out": s.handed_out,
            "in_stock": s.in_stock,
            "oldest_undistributed_delivery": _iso(s.oldest_undistributed_delivery),
            "last_report": _iso(s.last_report_on),
        }
        for s in accountability_rows(snapshot, as_of)
    ]
    if as_json:
        emit_json(rows)
    elif as_csv:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else ["organisation"], delimiter=";")
        writer.writeheader()
        writer.writerows(rows)
        typer.echo(buffer.getvalue(), nl=False)
    else:
        table(
            context,
            "Accountability" + (f" at the end of {as_of}" if as_of else ""),
            ["organisation", "received", "handed out", "in stock", "oldest undistributed", "last report"],
            [
                (
                    r["organisation"],
                    r["received"],
                    r["handed_out"],
                    r["in_stock"],
                    r["oldest_undistributed_delivery"],
                    r["last_report"],
                )
                for r in rows
            ],
        )


def _iso(value: object) -> str | None:
    return value.isoformat() if value is not None else None  # type: ignore[attr-defined]
