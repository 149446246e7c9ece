"""`tribe-sync`: composes the command groups; maps errors to exit codes at the edge only.

Exit codes (docs/design.md): 0 done (known bad records are reported, not failures; `--strict` makes
them 1), 1 a change failed or the run could not be done, 2 usage or configuration error, 3 a plan was
refused. The rule for a run lives in one place, `jobs.executor.Report.exit_code`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from tribe_sync.cli.context import AppContext, configure_logging, current_context
from tribe_sync.cli.examples import add_examples
from tribe_sync.cli.failures import describe_failure
from tribe_sync.cli.usage import plain_bad_values
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


def _demo(app: typer.Typer) -> None:
    from tribe_sync.cli.demo import demo  # noqa: PLC0415 - imported when asked for

    app.command("demo")(demo)


def _daemon(app: typer.Typer) -> None:
    from tribe_sync.cli.daemon import daemon  # noqa: PLC0415

    app.command("daemon")(daemon)


def _console(app: typer.Typer) -> None:
    from tribe_sync.cli.console import console  # noqa: PLC0415

    app.command("console")(console)


def _users(app: typer.Typer) -> None:
    from tribe_sync.cli.console import users  # noqa: PLC0415

    app.add_typer(users, name="users")


def _crm(app: typer.Typer) -> None:
    from tribe_sync.cli import crm  # noqa: PLC0415

    app.add_typer(crm.app, name="crm")


def _jobs(app: typer.Typer) -> None:
    from tribe_sync.cli import jobs, plans  # noqa: PLC0415

    if not any(c.name == "plan" for c in jobs.app.registered_commands):  # once per process
        jobs.app.command("plan")(plans.jobs_plan)
        jobs.app.command("apply")(plans.jobs_apply)
    app.add_typer(jobs.app, name="jobs")


def _plans(app: typer.Typer) -> None:
    from tribe_sync.cli import plans  # noqa: PLC0415

    app.add_typer(plans.plans, name="plans")


def _runs(app: typer.Typer) -> None:
    from tribe_sync.cli import plans  # noqa: PLC0415

    app.add_typer(plans.runs, name="runs")


def _months(app: typer.Typer) -> None:
    from tribe_sync.cli import staff  # noqa: PLC0415

    app.add_typer(staff.months, name="months")


def _processor(app: typer.Typer) -> None:
    from tribe_sync.cli import processor  # noqa: PLC0415

    app.add_typer(processor.app, name="processor")


def _requests(app: typer.Typer) -> None:
    from tribe_sync.cli import reports  # noqa: PLC0415

    app.add_typer(reports.requests, name="requests")


def _forecasts(app: typer.Typer) -> None:
    from tribe_sync.cli import reports  # noqa: PLC0415

    app.add_typer(reports.forecasts, name="forecasts")


def _accountability(app: typer.Typer) -> None:
    from tribe_sync.cli import reports  # noqa: PLC0415

    app.add_typer(reports.accountability, name="accountability")


def _sandbox(app: typer.Typer) -> None:
    from tribe_sync.cli import sandbox  # noqa: PLC0415

    app.add_typer(sandbox.app, name="sandbox")


def _store(app: typer.Typer) -> None:
    from tribe_sync.cli import store  # noqa: PLC0415

    app.add_typer(store.app, name="store")


def _mirror(app: typer.Typer) -> None:
    from tribe_sync.cli import mirror  # noqa: PLC0415

    app.add_typer(mirror.app, name="mirror")


# In the order `--help` lists them.
GROUPS: dict[str, Callable[[typer.Typer], None]] = {
    "demo": _demo,
    "daemon": _daemon,
    "console": _console,
    "users": _users,
    "crm": _crm,
    "jobs": _jobs,
    "plans": _plans,
    "runs": _runs,
    "months": _months,
    "processor": _processor,
    "requests": _requests,
    "forecasts": _forecasts,
    "accountability": _accountability,
    "sandbox": _sandbox,
    "store": _store,
    "mirror": _mirror,
}
_VALUED = frozenset({"--config"})  # global options that take a value


def compose(names: Iterable[str] = GROUPS) -> typer.Typer:
    """The app with the command groups `names` (default all) registered."""
    made = _new_app()
    for name in names:
        GROUPS[name](made)
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
        command = plain_bad_values(add_examples(typer.main.get_command(app)))
        command(prog_name="tribe-sync")
    except (TribeSyncError, OSError, RuntimeError, ValueError, LookupError, TypeError) as exc:
        context = current_context()
        failure = describe_failure(exc, context.loaded_settings if context else None)
        err.print(Text.assemble((f"{failure.title}: ", "red"), failure.message))
        sys.exit(failure.exit_code)
