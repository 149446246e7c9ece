"""`tribe-sync users add|list|remove|passwd`: accounts for the console, passwords only from stdin."""

from __future__ import annotations

import datetime as dt
import getpass
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


class Terminal(io.StringIO):
    """Standard input that is a terminal (nothing is read from it: the password is asked for)."""

    def isatty(self) -> bool:
        return True


def answers(monkeypatch: pytest.MonkeyPatch, *typed_in: str) -> list[str]:
    """The person at the terminal types `typed_in`, one per hidden prompt; returns the prompts."""
    monkeypatch.setattr(sys, "stdin", Terminal())
    prompts: list[str] = []
    given = iter(typed_in)

    def ask(prompt: str = "") -> str:
        prompts.append(prompt)
        return next(given)

    monkeypatch.setattr(getpass, "getpass", ask)
    return prompts


def test_on_a_terminal_the_password_is_asked_twice_hidden(
    cli: Cli, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    prompts = answers(monkeypatch, "correct horse battery", "correct horse battery")
    added = cli("users", "add", "piet", "--role", "viewer")
    assert added.code == 0, added.err
    assert prompts == ["Password: ", "The same password again: "]
    store = UserStore(open_journal(store_url), lambda: dt.datetime.now(dt.UTC))
    assert store.verify("piet", "correct horse battery") is not None


def test_two_different_passwords_make_no_account(
    cli: Cli, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers(monkeypatch, "correct horse battery", "correct horse batterY")
    differ = cli("users", "add", "piet", "--role", "viewer")
    assert differ.code == 2
    assert "the two passwords differ; nothing was changed" in differ.err
    assert json.loads(cli("users", "list", "--json").out) == {"users": []}


def test_without_a_terminal_or_password_stdin_it_says_how_to_pipe_the_password(
    cli: Cli, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    typed(monkeypatch, "")
    result = cli("users", "add", "piet", "--role", "viewer")
    assert result.code == 2
    err = " ".join(result.err.replace("│", " ").split())
    assert "no terminal to ask the password on" in err
    assert "--password-stdin" in err
    assert "Traceback" not in err
