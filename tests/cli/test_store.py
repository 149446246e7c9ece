from __future__ import annotations

import json
import logging
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
    }
    again = cli("store", "upgrade")
    assert (again.code, "already at" in again.err) == (0, True)
    status = cli("store", "status", "--json")
    assert (status.code, json.loads(status.out)["state"]) == (0, "current")
