"""Which commands the warm process may serve: the read-only staff views, nothing else."""

from __future__ import annotations

import pytest

from tribe_sync.cli.warm.client import is_view, warm_allowed

SERVED = [
    "requests list",
    "requests list --json --status nieuw",
    "requests show AD2025-00001",
    "months list",
    "forecasts list --quarter 2027-Q1",
    "accountability report --quarter 2026-Q4 --json",
    "--config settings.toml months list",
    "--config=settings.toml -vv --log-json months list",
    "requests list --nope",  # a usage error is the view's to say (exit 2, in Dutch)
]
NOT_SERVED = [
    "",
    "--version",
    "--help",
    "--install-completion",
    "months",
    "months --help",
    "months list --help",
    "months close 2027-01",
    "months open 2027-01",
    "requests",
    "jobs list",
    "jobs run audit",
    "mirror refresh",
    "mirror status",
    "plans list",
    "console",
    "sandbox serve",
    "demo",
    "daemon --once",
    "--config",
    "--unknown months list",
    "list months",
]


@pytest.mark.parametrize("command", SERVED)
def test_a_read_only_staff_view_is_served_warm(command: str) -> None:
    assert is_view(command.split(), {})


@pytest.mark.parametrize("command", NOT_SERVED)
def test_anything_else_runs_in_its_own_process(command: str) -> None:
    assert not is_view(command.split(), {})


def test_shell_completion_is_never_served_warm() -> None:
    assert not is_view(["months", "list"], {"_TRIBE_SYNC_COMPLETE": "complete_bash"})


@pytest.mark.parametrize(
    ("value", "allowed"),
    [(None, True), ("on", True), ("1", True), ("off", False), (" OFF ", False), ("0", False)]
    + [(said, False) for said in ("false", "False", "no", "n")],
)
def test_tribe_sync_warm_off_switches_it_off(value: str | None, allowed: bool) -> None:
    assert warm_allowed({} if value is None else {"TRIBE_SYNC_WARM": value}) is allowed
