"""The command line as staff expect it: examples under every --help, a version, shell completion, and
logs that show our own steps at -v/-vv and library internals only when asked."""

from __future__ import annotations

from importlib.metadata import version

import pytest
import typer

from tests.cli.conftest import Cli
from tribe_sync.cli.examples import walk
from tribe_sync.cli.main import app
from tribe_sync.sandbox.server import RunningSandbox

COMMANDS = [path for path, _ in walk(typer.main.get_command(app))]


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: p or "tribe-sync")
def test_every_command_has_help_with_examples(cli: Cli, path: str) -> None:
    result = cli(*path.split(), "--help")
    assert result.code == 0, result.err
    assert "Examples:" in result.out
    assert f"tribe-sync {path}".strip() in result.out.split("Examples:")[1]


def test_the_version_is_the_installed_package_version(cli: Cli) -> None:
    result = cli("--version")
    assert result.code == 0
    assert result.out.strip() == f"tribe-sync {version('tribe-sync')}"


def test_shell_completion_can_be_installed(cli: Cli) -> None:
    result = cli("--help")
    assert "--install-completion" in result.out
    assert "--show-completion" in result.out


@pytest.mark.sandbox
def test_very_verbose_shows_our_steps_but_not_the_http_library_until_asked(
    cli: Cli, crm_env: RunningSandbox
) -> None:
    quiet = cli("-vv", "crm", "check")
    assert quiet.code == 0, quiet.err
    assert "tribe_sync" in quiet.err
    assert "httpcore" not in quiet.err
    loud = cli("-vv", "--debug-http", "crm", "check")
    assert "httpcore" in loud.err


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: p or "tribe-sync")
def test_no_help_shows_a_value_placeholder_after_a_flag(cli: Cli, path: str) -> None:
    result = cli(*path.split(), "--help")
    assert result.code == 0
    assert "<bool>" not in result.out
    for line in result.out.splitlines():
        if "-v " in line and "--verbose" in line:
            assert "<int>" not in line, "-v is counted, it takes no value"


def test_a_wrong_forecast_state_says_our_message_and_the_states_without_pydantics_prefix(cli: Cli) -> None:
    result = cli("forecasts", "list", "--state", "laat")
    assert result.code == 2
    text = " ".join(result.err.replace("│", " ").split())
    assert "'laat' is geen stand van een prognose; kies uit telt, vervangen, te laat" in text
    assert "Value error" not in text
