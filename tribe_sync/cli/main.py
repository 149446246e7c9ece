"""`tribe-sync`: composes the command groups; maps errors to exit codes at the edge only.

Exit codes (docs/design.md): 0 done (known bad records are reported, not failures; `--strict` makes
them 1), 1 a change failed or the run could not be done, 2 usage or configuration error, 3 a plan was
refused. The rule for a run lives in one place, `jobs.executor.Report.exit_code`.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from tribe_sync.cli.context import AppContext, configure_logging, current_context
from tribe_sync.cli.examples import add_examples
from tribe_sync.cli.failures import describe_failure
from tribe_sync.cli.usage import plain_bad_values, staff_usage_in_dutch
from tribe_sync.errors import TribeSyncError

__all__ = ["app", "compose", "run"]  # noqa: F822 - `app` is made on first use (module __getattr__)


def _new_app() -> typer.Typer:
    made = typer.Typer(
        name="tribe-sync",
        help="The integration layer around allemaal digitaal's Tribe CRM tenant.",
        no_args_is_help=True,
        add_completion=True,
        pretty_exceptions_enable=False,
    )
    made.callback()(main)
    return made


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import version as package_version  # noqa: PLC0415 - a tenth of start-up

        typer.echo(f"tribe-sync {package_version('tribe-sync')}")
        raise typer.Exit(0)


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


# Each command group is imported only when it is the one asked for: a list command then loads the
# store and the read model, not the executor, the sandbox, the daemon or the console (`--version`
# and a list took seconds when every command imported everything). `--help`, completion and an
# unknown name compose them all.


def _jobs(app: typer.Typer) -> None:
    from tribe_sync.cli import jobs, plans  # noqa: PLC0415 - imported when asked for

    if not any(c.name == "plan" for c in jobs.app.registered_commands):  # once per process
        jobs.app.command("plan")(plans.jobs_plan)
        jobs.app.command("apply")(plans.jobs_apply)
    app.add_typer(jobs.app, name="jobs")


# Every name on the command line, in the order `--help` lists them, and where it lives:
# (module in tribe_sync.cli, attribute); a Typer there is a group, a function a single command.
_PLACES: dict[str, tuple[str, str]] = {
    "demo": ("demo", "demo"),
    "daemon": ("daemon", "daemon"),
    "console": ("console", "console"),
    "users": ("console", "users"),
    "crm": ("crm", "app"),
    "jobs": ("jobs", "app"),
    "plans": ("plans", "plans"),
    "runs": ("plans", "runs"),
    "months": ("staff", "months"),
    "processor": ("processor", "app"),
    "requests": ("reports", "requests"),
    "forecasts": ("reports", "forecasts"),
    "accountability": ("reports", "accountability"),
    "sandbox": ("sandbox", "app"),
    "store": ("store", "app"),
    "mirror": ("mirror", "app"),
}
GROUPS = tuple(_PLACES)


def _register(name: str, app: typer.Typer) -> None:
    """Import the one module `name` lives in and add it to `app`."""
    if name == "jobs":  # jobs also carries plan and apply, which live with the plans commands
        _jobs(app)
        return
    module, attribute = _PLACES[name]
    found = getattr(importlib.import_module(f"tribe_sync.cli.{module}"), attribute)
    if isinstance(found, typer.Typer):
        app.add_typer(found, name=name)
    else:
        app.command(name)(found)


_VALUED = frozenset({"--config"})  # global options that take a value


def compose(names: Iterable[str] = GROUPS) -> typer.Typer:
    """The app with the command groups `names` (default all) registered."""
    made = _new_app()
    for name in names:
        _register(name, made)
    return made


_whole: list[typer.Typer] = []


def _asked_for(argv: list[str]) -> str | None:
    """The command group named on the command line after the global options, if it is one of ours."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in _VALUED:
            skip = True
        elif not arg.startswith("-"):
            return arg if arg in GROUPS else None
    return None


def __getattr__(name: str) -> typer.Typer:
    """`from tribe_sync.cli.main import app`: the whole app (the help and docs tests walk it)."""
    if name == "app":
        if not _whole:
            _whole.append(compose())
        return _whole[0]
    raise AttributeError(name)


def run() -> None:
    err = Console(stderr=True, soft_wrap=True, highlight=False)
    try:
        completing = any(key.endswith("_COMPLETE") for key in os.environ)
        asked = None if completing else _asked_for(sys.argv[1:])
        version_only = asked is None and "--version" in sys.argv[1:]
        app = compose([asked] if asked else () if version_only else GROUPS)
        command = staff_usage_in_dutch(plain_bad_values(add_examples(typer.main.get_command(app))), err)
        command(prog_name="tribe-sync")
    except (TribeSyncError, OSError, RuntimeError, ValueError, LookupError, TypeError) as exc:
        context = current_context()
        failure = describe_failure(exc, context.loaded_settings if context else None)
        err.print(Text.assemble((f"{failure.title}: ", "red"), failure.message))
        sys.exit(failure.exit_code)
