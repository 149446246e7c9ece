"""`tribe-sync`: composes the command groups; maps errors to exit codes at the edge only.

Exit codes (docs/design.md): 0 done (known bad records are reported, not failures; `--strict` makes
them 1), 1 a change failed or the run could not be done, 2 usage or configuration error, 3 a plan was
refused. The rule for a run lives in one place, `jobs.executor.Report.exit_code`.
"""

from __future__ import annotations

import sys
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from tribe_sync.cli import crm, jobs, mirror, plans, processor, reports, sandbox, staff, store
from tribe_sync.cli.console import console, users
from tribe_sync.cli.context import AppContext, configure_logging, current_context
from tribe_sync.cli.daemon import daemon
from tribe_sync.cli.demo import demo
from tribe_sync.cli.examples import add_examples
from tribe_sync.cli.failures import describe_failure
from tribe_sync.cli.usage import plain_bad_values
from tribe_sync.errors import TribeSyncError

__all__ = ["app", "run"]

app = typer.Typer(
    name="tribe-sync",
    help="The integration layer around allemaal digitaal's Tribe CRM tenant.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"tribe-sync {package_version('tribe-sync')}")
        raise typer.Exit(0)


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
    debug_http: Annotated[
        bool, typer.Option("--debug-http", help="Also log every HTTP exchange of the client library.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", is_eager=True, callback=_print_version, help="Print the version and exit."),
    ] = False,
) -> None:
    configure_logging(verbose, log_json, debug_http)
    ctx.obj = AppContext(config_path=config)


app.command("demo")(demo)
app.command("daemon")(daemon)
app.command("console")(console)
app.add_typer(users, name="users")
app.add_typer(crm.app, name="crm")
jobs.app.command("plan")(plans.jobs_plan)
jobs.app.command("apply")(plans.jobs_apply)
app.add_typer(jobs.app, name="jobs")
app.add_typer(plans.plans, name="plans")
app.add_typer(plans.runs, name="runs")
app.add_typer(staff.months, name="months")
app.add_typer(processor.app, name="processor")
app.add_typer(reports.requests, name="requests")
app.add_typer(reports.forecasts, name="forecasts")
app.add_typer(reports.accountability, name="accountability")
app.add_typer(sandbox.app, name="sandbox")
app.add_typer(store.app, name="store")
app.add_typer(mirror.app, name="mirror")


def run() -> None:
    err = Console(stderr=True, soft_wrap=True, highlight=False)
    try:
        command = plain_bad_values(add_examples(typer.main.get_command(app)))
        command(prog_name="tribe-sync")
    except (TribeSyncError, OSError, RuntimeError, ValueError, LookupError, TypeError) as exc:
        context = current_context()
        failure = describe_failure(exc, context.loaded_settings if context else None)
        err.print(Text.assemble((f"{failure.title}: ", "red"), failure.message))
        sys.exit(failure.exit_code)
