"""`tribe-sync crm …`: look at the CRM itself."""

from __future__ import annotations

from typing import Annotated

import typer

from tribe_sync.bootstrap import Services
from tribe_sync.cli.context import app_context
from tribe_sync.cli.output import emit_json, table
from tribe_sync.errors import ResponseValidationError
from tribe_sync.mappers.metadata import Finding, check_metadata

app = typer.Typer(
    help="Look at the CRM: does the tenant have what the mapping expects?", no_args_is_help=True
)


@app.command("check")
def check(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    show_all: Annotated[bool, typer.Option("--all", help="List present fields too.")] = False,
) -> None:
    """Compare the configured tenant mapping with the CRM's $metadata; exit 1 if anything is missing."""
    context = app_context(ctx)
    with Services(context.settings) as services:
        csdl = services.client.metadata()
    try:
        findings = check_metadata(csdl, services.schema)
    except ValueError as exc:
        raise ResponseValidationError(str(exc)) from exc
    bad = [f for f in findings if not f.ok]
    if as_json:
        emit_json({"ok": not bad, "findings": [vars(f) for f in findings]})
    else:
        shown = findings if show_all else bad
        rows = [(f.entity_set, f.field or "(set)", f.expected, f.status, f.actual) for f in shown]
        if rows:  # everything present: the line below says so, an empty table says nothing
            table(
                context, "Tenant mapping vs $metadata", ["set", "field", "expected", "status", "found"], rows
            )
        context.err.print(_verdict(findings, bad), highlight=False)
    if bad:
        raise typer.Exit(1)


def _verdict(findings: list[Finding], bad: list[Finding]) -> str:
    sets = sum(1 for f in findings if f.field is None)
    fields = len(findings) - sets
    if not bad:
        return (
            f"All {len(findings)} sets and fields the tenant mapping names are present in the CRM "
            f"({sets} sets, {fields} fields)."
        )
    return f"{len(findings) - len(bad)} of {len(findings)} present; {len(bad)} missing or wrong."
