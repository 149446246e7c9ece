from __future__ import annotations

import datetime as dt
import logging
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tribe_sync.cli.main import run
from tribe_sync.sandbox.server import RunningSandbox, build_state, start


@dataclass
class Result:
    code: int
    out: str
    err: str


Cli = Callable[..., Result]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    """Run `tribe-sync ARGS` through the real entry point, exit-code mapping included.

    The entry point sets up logging for the process (and `daemon` raises tribe_sync's level): later
    tests get the loggers back as they were."""
    ours = logging.getLogger("tribe_sync")
    root = logging.getLogger()
    saved = (ours.level, root.level, list(root.handlers))

    def invoke(*args: str) -> Result:
        monkeypatch.setattr(sys, "argv", ["tribe-sync", *args])
        monkeypatch.setenv("COLUMNS", "200")
        try:
            run()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    yield invoke
    ours.setLevel(saved[0])
    root.setLevel(saved[1])
    root.handlers[:] = saved[2]


@pytest.fixture(scope="module")
def live_sandbox() -> Iterator[RunningSandbox]:
    with start(build_state(scale="small", seed=2, anchor=dt.date(2026, 11, 23))) as running:
        yield running


@pytest.fixture
def crm_env(live_sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> RunningSandbox:
    """Point the CLI's settings at the module's sandbox through the environment, as an operator would."""
    monkeypatch.setenv("TRIBE_SYNC_CRM__API_URL", live_sandbox.url)
    monkeypatch.setenv("TRIBE_SYNC_CRM__TOKEN_URL", f"{live_sandbox.url}/oauth2/token")
    return live_sandbox


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """A store of the test's own (a SQLite file), and a client that does not retry: a failing Tribe
    fails at once."""
    url = f"sqlite:///{tmp_path / 'journal.db'}"
    monkeypatch.setenv("TRIBE_SYNC_STORE__URL", url)
    monkeypatch.setenv("TRIBE_SYNC_CRM__MAX_RETRIES", "0")
    return url


@pytest.fixture
def failing(crm_env: RunningSandbox) -> Iterator[RunningSandbox]:
    """The module's sandbox, to be told to fail; told to stop failing afterwards."""
    yield crm_env
    crm_env.state.faults.update({"fail_rate": 0.0})
