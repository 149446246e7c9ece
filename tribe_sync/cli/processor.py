"""`tribe-sync processor import FILE`: record what a processor confirmed, checked whole first."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Annotated, Any

import typer

from tribe_sync.bootstrap import Services
from tribe_sync.cli.context import AppContext, app_context
from tribe_sync.cli.output import emit_json, table
from tribe_sync.cli.staff import apply_staff_plan
from tribe_sync.cli.wording import day_words
from tribe_sync.domain.confirmations import (
    CheckedFile,
    Verdict,
    check_confirmations,
    order_numbers,
    problems_count,
    read_confirmation_file,
)
from tribe_sync.domain.counts import counted
from tribe_sync.jobs import keys
from tribe_sync.jobs.executor import Report
from tribe_sync.jobs.plan import Plan
from tribe_sync.jobs.staff import PROGRESS_JOB, confirmation_plan

__all__ = ["app"]

app = typer.Typer(help="What processors send back.", no_args_is_help=True)

EXAMPLES = """
Examples:

  tribe-sync processor import bevestiging.csv --dry-run

  tribe-sync processor import bevestiging.csv

The file: columns ordernummer, bevestigd_op and optionally leverdatum; dates as 2026-12-03 or
03-12-2026; UTF-8, UTF-16 or Windows-1252; `;`, `,` or tab between fields (or what a first line
`sep=;` from Excel declares).

  ordernummer;bevestigd_op;leverdatum

  AD2026-00412;03-12-2026;10-12-2026
"""


@app.command("import", epilog=EXAMPLES)
def import_confirmations(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(help="The processor's CSV: ordernummer, bevestigd_op and optionally leverdatum."),
    ],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and show; write nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Record a processor's confirmations. Every line is checked first; if one is wrong, nothing is
    written. A confirmation never replaces a newer one the CRM already holds."""
    context = app_context(ctx)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise typer.BadParameter(
            f"{file} is niet te lezen ({_why_unreadable(exc)})", param_hint="bestand"
        ) from None
    parsed = read_confirmation_file(data)
    with Services(context.settings) as services:
        found, unreadable = (
            services.crm.look_up_requests(order_numbers(parsed.lines)) if parsed.lines else ({}, {})
        )
        today = services.today()
        checked = check_confirmations(parsed, found, unreadable, today=today)
        plan = confirmation_plan(checked, today, file.name)
        report = None
        if checked.ok:
            report = apply_staff_plan(
                context, services, plan, f"processor-import:{file.name}", PROGRESS_JOB, dry_run
            )
    if as_json:
        emit_json(_document(file, checked, plan, report))
    else:
        _print(context, file, checked, report)
    if report is None:
        raise typer.Exit(2)
    raise typer.Exit(report.exit_code())


def _why_unreadable(exc: OSError) -> str:
    """Why a file could not be read, in the words of someone who picked it."""
    return {
        errno.ENOENT: "dat bestand is er niet",
        errno.EACCES: "geen toestemming om het te lezen",
        errno.EISDIR: "dat is een map, geen bestand",
    }.get(exc.errno or 0, exc.strerror or "onbekende fout")


def _document(file: Path, checked: CheckedFile, plan: Plan, report: Report | None) -> dict[str, Any]:
    """The contract's document (`job`, `today`, `dry_run`, `changes`, `problems`, `held`, `summary`),
    with the file's own facts; a file with errors has them as problems and no changes."""
    document = (report or Report(plan.job, plan.today, True, plan)).as_json()
    document["file"] = file.name
    document["encoding"] = checked.parsed.encoding
    document["problems"] = [
        {"code": "confirmation_file", "entity": "file", "label": e.order_number, **e.as_dict()}
        for e in checked.errors
    ] + document["problems"]
    document["held"] = [n.as_dict() for n in plan.held]
    document["summary"] = {
        **document["summary"],
        **checked.summary(),
        "problems": len(document["problems"]),
        "written": report is not None,
    }
    if report is None or report.dry_run:
        document["summary"]["written"] = False
    return document


def _print(context: AppContext, file: Path, checked: CheckedFile, report: Report | None) -> None:
    err = context.err
    for error in checked.errors:
        err.print(f"{file.name}: {error}", highlight=False, markup=False, soft_wrap=True)
    if report is None:
        err.print(
            f"{problems_count(len(checked.errors))} in {file.name}; er is niets vastgelegd.", highlight=False
        )
        return
    outcomes = {o.change.key: o for o in report.outcomes}
    rows = []
    for decision in checked.decisions:
        key = keys.confirmation(decision.request.id, decision.confirmed_on)
        outcome = outcomes.get(key)
        if decision.verdict is Verdict.RECORD and outcome is not None:
            result = outcome.detail_nl or _OUTCOME_WORDS.get(str(outcome.status), "mislukt")
        elif decision.verdict is Verdict.OLDER:
            newer = day_words(decision.request.processor_confirmed_on)
            result = f"nieuwere bevestiging ({newer}) blijft staan"
        else:
            result = "stond er al zo"
        rows.append(
            (
                decision.line.line,
                decision.line.order_number,
                day_words(decision.confirmed_on),
                day_words(decision.delivery_date),
                result,
            )
        )
    # Dates in words as every other staff table has them (`--json` keeps them ISO); what becomes of
    # each line under "uitkomst", as in the other commands' change tables.
    table(
        context,
        f"Bevestigingen uit {file.name}",
        ["regel", "aanvraag", "bevestigd op", "leverdatum", "uitkomst"],
        rows,
    )
    summary = checked.summary()
    # Dutch, as the table above it: the words of its last column, counted.
    recorded = "worden vastgelegd (proefrun, niets geschreven)" if report.dry_run else "vastgelegd"
    err.print(
        f"{counted(summary['lines'], 'regel', 'regels')}: {summary['record']} {recorded}, "
        f"{summary['unchanged']} stonden er "
        f"al zo, {summary['older']} ouder dan de bevestiging in Tribe (die blijft staan).",
        highlight=False,
    )
    if report.error:
        err.print(f"fout: {report.error}", highlight=False, markup=False)


_OUTCOME_WORDS = {"planned": "wordt vastgelegd", "applied": "vastgelegd", "done-already": "stond er al zo"}
