"""A SQLite store holds the console's session key, password hashes and the audit trail: it is made
readable by its owner only, whatever the umask, so that no other user on the machine can read it."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tribe_sync.store.journal import open_journal


@pytest.fixture
def open_umask() -> Iterator[None]:
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_sqlite_store_is_made_readable_by_its_owner_only_whatever_the_umask(
    tmp_path: Path, open_umask: None
) -> None:
    path = tmp_path / "state" / "journal.db"

    open_journal(f"sqlite:///{path}").engine.dispose()

    assert _mode(path) == 0o600
    assert _mode(path.parent) == 0o750


def test_an_existing_store_keeps_the_mode_its_operator_gave_it(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    open_journal(f"sqlite:///{path}").engine.dispose()
    path.chmod(0o640)

    open_journal(f"sqlite:///{path}").engine.dispose()

    assert _mode(path) == 0o640
