"""`tribe-sync users add|list|remove|passwd`: accounts for the console, passwords only from stdin."""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import Cli
from tribe_sync.store.journal import open_journal
from tribe_sync.store.users import UserStore


@pytest.fixture
def store_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'journal.db'}"
    monkeypatch.setenv("TRIBE_SYNC_STORE__URL", url)
    return url


def typed(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))


def test_an_admin_adds_lists_changes_and_removes_an_account(
    cli: Cli, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    typed(monkeypatch, "correct horse battery\n")
    added = cli("users", "add", "Anna", "--role", "approver", "--password-stdin")
    assert added.code == 0
    assert "anna" in added.err
    listed = json.loads(cli("users", "list", "--json").out)
    assert [(u["name"], u["role"]) for u in listed["users"]] == [("anna", "approver")]
    assert "horse" not in json.dumps(listed)
    assert "argon2" not in json.dumps(listed)

    store = UserStore(open_journal(store_url), lambda: dt.datetime.now(dt.UTC))
    assert store.verify("anna", "correct horse battery") is not None

    typed(monkeypatch, "een heel ander wachtwoord\n")
    assert cli("users", "passwd", "anna", "--password-stdin").code == 0
    assert store.verify("anna", "correct horse battery") is None
    assert store.verify("anna", "een heel ander wachtwoord") is not None

    assert cli("users", "remove", "anna").code == 0
    assert json.loads(cli("users", "list", "--json").out) == {"users": []}


def test_passwords_are_stored_as_argon2id_hashes(
    cli: Cli, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    typed(monkeypatch, "correct horse battery\n")
    cli("users", "add", "bob", "--role", "viewer", "--password-stdin")
    journal = open_journal(store_url)
    with journal.engine.begin() as tx:
        (stored,) = tx.exec_driver_sql("SELECT password_hash FROM tribe_sync_users").one()
    assert stored.startswith("$argon2id$")
    assert "horse" not in stored


def test_bad_account_commands_are_usage_errors_and_change_nothing(
    cli: Cli, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("users", "add", "anna", "--role", "approver").code == 2, "no password from stdin"
    typed(monkeypatch, "kort\n")
    assert cli("users", "add", "anna", "--role", "approver", "--password-stdin").code == 2
    typed(monkeypatch, "correct horse battery\n")
    assert cli("users", "add", "anna", "--role", "koning", "--password-stdin").code == 2
    typed(monkeypatch, "correct horse battery\n")
    assert cli("users", "add", "an na", "--role", "viewer", "--password-stdin").code == 2
    typed(monkeypatch, "correct horse battery\n")
    assert cli("users", "add", "anna", "--role", "viewer", "--password-stdin").code == 0
    typed(monkeypatch, "correct horse battery\n")
    duplicate = cli("users", "add", "anna", "--role", "admin", "--password-stdin")
    assert duplicate.code == 2
    assert "already" in duplicate.err
    assert cli("users", "remove", "niemand").code == 2
    typed(monkeypatch, "correct horse battery\n")
    assert cli("users", "passwd", "niemand", "--password-stdin").code == 2
    assert [u["role"] for u in json.loads(cli("users", "list", "--json").out)["users"]] == ["viewer"]
    assert "Traceback" not in duplicate.err
