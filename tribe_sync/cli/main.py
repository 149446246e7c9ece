"""`tribe-sync`: composes the command groups; maps errors to exit codes at the edge only.

Exit codes: 0 done, 1 done with problems or failed changes (or the CRM failed), 2 usage or
configuration error.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from tribe_sync.cli import crm, jobs, reports, sandbox, staff, store
from tribe_sync.cli.context import AppContext, configure_logging
from tribe_sync.cli.daemon import daemon
from tribe_sync.cli.demo import demo
from tribe_sync.errors import ConfigError, TransportError, TribeSyncError

__all__ = ["app", "run"]

app = typer.Typer(
    name="tribe-sync",
    help="The integration layer around allemaal digitaal's Tribe CRM tenant.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def main(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", envvar="TRIBE_SYNC_CONFIG", help="Settings file (TOML); see config.example.toml."
        ),
    ] = None,
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, help="-v for INFO, -vv for DEBUG.")
    ] = 0,
    log_json: Annotated[bool, typer.Option("--log-json", help="Log as JSON lines.")] = False,
) -> None:
    configure_logging(verbose, log_json)
    ctx.obj = AppContext(config_path=config)


app.command("demo")(demo)
app.command("daemon")(daemon)
app.add_typer(crm.app, name="crm")
app.add_typer(jobs.app, name="jobs")
app.add_typer(staff.months, name="months")
app.add_typer(staff.processor, name="processor")
app.add_typer(reports.requests, name="requests")
app.add_typer(reports.forecasts, name="forecasts")
app.add_typer(reports.accountability, name="accountability")
app.add_typer(sandbox.app, name="sandbox")
app.add_typer(store.app, name="store")


def run() -> None:
    err = Console(stderr=True)
    try:
        app()
    except ConfigError as exc:
        err.print(f"[red]configuration error:[/red] {exc}", highlight=False)
        sys.exit(2)
    except TransportError as exc:
        err.print(
            f"[red]error:[/red] cannot reach the CRM: {exc}. Is crm.api_url right? For a local sandbox "
            "run `tribe-sync sandbox serve`.",
            highlight=False,
        )
        sys.exit(1)
    except TribeSyncError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        sys.exit(1)
