from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.conftest import Cli
from tests.store.migrations import legacy_store
from tribe_sync.store.schema import head_revision


@pytest.fixture
def legacy_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'journal.db'}"
    legacy_store(url).dispose()
    monkeypatch.setenv("TRIBE_SYNC_STORE__URL", url)
    return url


@pytest.fixture
def _daemon_log_level() -> Iterator[None]:
    """`daemon` raises tribe_sync's log level for the process; give later tests theirs back."""
    logger = logging.getLogger("tribe_sync")
    level = logger.level
    yield
    logger.setLevel(level)


@pytest.mark.usefixtures("_daemon_log_level")
def test_a_command_on_a_store_of_before_migrations_exits_2_naming_store_upgrade(
    cli: Cli, legacy_url: str
) -> None:
    result = cli("daemon", "--once")
    assert result.code == 2
    assert "tribe-sync store upgrade" in " ".join(result.err.split())
    assert "Traceback" not in result.err


def test_store_upgrade_adopts_an_old_store_once_and_then_says_it_is_current(
    cli: Cli, legacy_url: str
) -> None:
    assert cli("store", "status").code == 2
    first = cli("store", "upgrade", "--json")
    assert first.code == 0
    assert json.loads(first.out) == {
        "store": legacy_url,
        "from": None,
        "to": head_revision(),
        "upgraded": True,
        "stock_derived": False,  # its read model holds no delivered request
    }
    again = cli("store", "upgrade")
    assert (again.code, "already at" in again.err) == (0, True)
    status = cli("store", "status", "--json")
    assert (status.code, json.loads(status.out)["state"]) == (0, "current")


def test_two_processes_started_from_different_folders_share_one_journal_by_default(tmp_path: Path) -> None:
    exe = Path(sys.executable).parent / "tribe-sync"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIBE_SYNC_")}
    env["XDG_STATE_HOME"] = str(tmp_path / "state")
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()

    made = subprocess.run(
        [exe, "store", "upgrade", "--json"], cwd=first, env=env, capture_output=True, text=True, check=True
    )
    seen = subprocess.run(
        [exe, "store", "status", "--json"], cwd=second, env=env, capture_output=True, text=True, check=True
    )

    store = json.loads(made.stdout)["store"]
    assert store == json.loads(seen.stdout)["store"]
    assert json.loads(seen.stdout)["state"] == "current"  # the second process found the first's store
    assert store == f"sqlite:///{tmp_path / 'state' / 'tribe-sync' / 'journal.db'}"
    assert list(first.iterdir()) == list(second.iterdir()) == []
