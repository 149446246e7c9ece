"""`tribe-sync store …`: the store's schema, moved by its migrations."""

from __future__ import annotations

from typing import Annotated

import typer

from tribe_sync.cli.context import app_context
from tribe_sync.cli.output import emit_json
from tribe_sync.store.journal import safe_url, store_engine
from tribe_sync.store.schema import SchemaState, schema_status, upgrade

app = typer.Typer(help="The store (journal, claims, read model): its schema.", no_args_is_help=True)

Json = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


@app.command("upgrade")
def upgrade_store(ctx: typer.Context, as_json: Json = False) -> None:
    """Migrate the store to this version's schema (a store of before migrations is adopted first).

    Back the store up first; with replicas, stop the older versions: they refuse the new schema."""
    context = app_context(ctx)
    url = context.settings.store.url
    engine = store_engine(url)
    try:
        found = upgrade(engine)
    finally:
        engine.dispose()
    before = "none (new store)" if found.state is SchemaState.EMPTY else found.current or "before migrations"
    changed = found.state is not SchemaState.CURRENT
    derived = "; stock worked out from the read model's stored rows" if found.stock_derived else ""
    if as_json:
        emit_json(
            {
                "store": safe_url(url),
                "from": found.current,
                "to": found.head,
                "upgraded": changed,
                "stock_derived": found.stock_derived,
            }
        )
    elif changed:
        context.err.print(
            f"store at {safe_url(url)}: upgraded from {before} to {found.head}{derived}", highlight=False
        )
    else:
        context.err.print(f"store at {safe_url(url)}: already at {found.head}{derived}", highlight=False)


@app.command("status")
def status(ctx: typer.Context, as_json: Json = False) -> None:
    """The store's schema revision and the one this version needs; exit 2 if they differ."""
    context = app_context(ctx)
    url = context.settings.store.url
    engine = store_engine(url)
    try:
        found = schema_status(engine)
    finally:
        engine.dispose()
    if as_json:
        emit_json(
            {"store": safe_url(url), "state": found.state, "current": found.current, "head": found.head}
        )
    else:
        context.err.print(
            f"store at {safe_url(url)}: {found.state} (revision {found.current or '-'}, "
            f"this version needs {found.head})",
            highlight=False,
        )
    if found.state not in (SchemaState.CURRENT, SchemaState.EMPTY):
        raise typer.Exit(2)
