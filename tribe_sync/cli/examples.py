"""Examples under every command's `--help`, kept in one place so that they read as one voice.

Attached to the click commands once the typer app is composed (`add_examples`); a command that has
its own epilog keeps it. `tests/cli/test_help.py` holds every command to having examples, and the docs
check runs every command named in the docs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["EXAMPLES", "add_examples", "walk"]

EXAMPLES: Mapping[str, tuple[str, ...]] = {
    "": (
        "tribe-sync demo",
        "tribe-sync --config /etc/tribe-sync.toml jobs list",
        "tribe-sync -v jobs run progress-statuses --dry-run",
    ),
    "demo": ("tribe-sync demo", "tribe-sync demo --today 2026-12-01 --days 21 --scale small"),
    "daemon": ("tribe-sync daemon", "tribe-sync daemon --once"),
    "crm": ("tribe-sync crm check",),
    "crm check": ("tribe-sync crm check", "tribe-sync crm check --json"),
    "jobs": ("tribe-sync jobs list", "tribe-sync jobs run close-delivery-months --dry-run"),
    "jobs list": ("tribe-sync jobs list", "tribe-sync jobs list --json"),
    "jobs run": (
        "tribe-sync jobs run progress-statuses --dry-run",
        "tribe-sync jobs run progress-statuses",
        "tribe-sync jobs run audit --today 2026-12-01 --json",
    ),
    "jobs plan": (
        "tribe-sync jobs plan progress-statuses --out plan.json",
        "tribe-sync jobs plan progress-statuses --submit",
    ),
    "jobs apply": ("tribe-sync jobs apply plan.json", "tribe-sync jobs apply plan.json --json --by bram"),
    "months": ("tribe-sync months list", 'tribe-sync months close 2027-02 --reason "vol" --by anna'),
    "months list": ("tribe-sync months list", "tribe-sync months list --json"),
    "months close": (
        'tribe-sync months close 2027-02 --reason "vol" --by anna',
        'tribe-sync months close 2027-02 --reason "vol" --dry-run',
    ),
    "months open": ('tribe-sync months open 2026-12 --reason "nalevering" --by anna',),
    "processor": ("tribe-sync processor import bevestiging.csv --dry-run",),
    "processor import": (
        "tribe-sync processor import bevestiging.csv --dry-run",
        "tribe-sync processor import bevestiging.csv",
    ),
    "requests": ("tribe-sync requests list --status WAITING",),
    "requests list": (
        "tribe-sync requests list --status WAITING --month 2027-01",
        'tribe-sync requests list --org "Buurthuis De Linde" --json',
    ),
    "requests show": ("tribe-sync requests show AD2026-00412",),
    "forecasts": ("tribe-sync forecasts list",),
    "forecasts list": ("tribe-sync forecasts list", "tribe-sync forecasts list --json"),
    "accountability": ("tribe-sync accountability report",),
    "accountability report": ("tribe-sync accountability report", "tribe-sync accountability report --csv"),
    "sandbox": ("tribe-sync sandbox serve",),
    "sandbox serve": (
        "tribe-sync sandbox serve",
        "tribe-sync sandbox serve --scale realistic --seed 1 --latency-ms 30 --fail-rate 0.05",
    ),
    "store": ("tribe-sync store status", "tribe-sync store upgrade"),
    "store status": ("tribe-sync store status", "tribe-sync store status --json"),
    "store upgrade": ("tribe-sync store upgrade",),
    "plans": ("tribe-sync plans list --status pending", "tribe-sync plans approve 12 --by anna"),
    "plans list": ("tribe-sync plans list --status pending",),
    "plans show": ("tribe-sync plans show 12",),
    "plans approve": (
        'tribe-sync plans approve 12 --by anna --note "gezien"',
        "tribe-sync plans approve 12 --by anna --apply",
    ),
    "plans reject": ('tribe-sync plans reject 12 --reason "maand klopt niet"',),
    "plans apply": ("tribe-sync plans apply 12", "tribe-sync plans apply 12 --json"),
    "runs": ("tribe-sync runs list --job progress-statuses",),
    "runs list": (
        "tribe-sync runs list --job progress-statuses --json",
        "tribe-sync runs list --since 2027-01-01",
    ),
    "runs show": ("tribe-sync runs show 42",),
    "mirror": ("tribe-sync mirror status", "tribe-sync mirror refresh"),
    "mirror refresh": ("tribe-sync mirror refresh", "tribe-sync mirror refresh --full"),
    "mirror status": ("tribe-sync mirror status --json",),
    "console": ("tribe-sync console", "tribe-sync console --host 127.0.0.1 --port 8780"),
    "users": ('echo "$PASSWORD" | tribe-sync users add anna --role approver --password-stdin',),
    "users add": ('echo "$PASSWORD" | tribe-sync users add anna --role approver --password-stdin',),
    "users list": ("tribe-sync users list",),
    "users remove": ("tribe-sync users remove anna",),
    "users passwd": ('echo "$PASSWORD" | tribe-sync users passwd anna --password-stdin',),
}


def walk(command: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every command under `command` (a click command, as typer builds it: typer carries its own
    copy of click), with its path (`""` for the root, `"months close"`)."""
    yield path, command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        if not sub.hidden:
            yield from walk(sub, f"{path} {name}".strip())


def add_examples(root: Any) -> Any:
    """Give each command without an epilog its examples (typer renders the epilog under the help),
    and take the value placeholder off its flags."""
    for path, command in walk(root):
        lines = EXAMPLES.get(path)
        if lines and not command.epilog:
            command.epilog = "Examples:\n\n" + "\n\n".join(f"  {line}" for line in lines)
        _no_placeholder_on_flags(command)
    return root


def _no_placeholder_on_flags(command: Any) -> None:
    """Typer's help shows the Python type after every option, `<bool>` after `--log-json` and `--help`
    too, as if a flag took a value. An empty metavar shows nothing there; options that take a value
    keep theirs (typer carries its own copy of click, hence no isinstance). `--help` is made here
    (click caches it per command) so that it is one of them."""
    help_option = command.get_help_option(command.context_class(command))
    for param in [*command.params, *([help_option] if help_option is not None else [])]:
        flag = getattr(param, "is_flag", False) or getattr(param, "count", False)
        if flag and param.metavar is None:
            param.metavar = ""
