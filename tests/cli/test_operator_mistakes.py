"""Each mistake an operator makes in the settings or at start-up ends in one message that names the key,
where it was set and what to do, with exit code 2: never a traceback, never half a minute of silence."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.cli.conftest import Cli
from tests.conftest import ROOT
from tests.databases import postgres_url
from tribe_sync.config import load_settings
from tribe_sync.sandbox.server import RunningSandbox


def assert_one_message(err: str) -> None:
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) <= 4, err


def test_a_plain_postgresql_url_means_the_driver_tribe_sync_installs(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[store]\nurl = "postgresql://sync@db.example/tribe"\n')
    assert load_settings(path).store.url == "postgresql+psycopg://sync@db.example/tribe"


def test_a_psycopg2_url_is_refused_naming_the_key_and_the_form_to_write(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIBE_SYNC_STORE__URL", "postgresql+psycopg2://sync@db.example/tribe")
    result = cli("months", "list")
    assert result.code == 2
    assert "TRIBE_SYNC_STORE__URL: store.url: the driver in postgresql+psycopg2://" in result.err
    assert "write postgresql://USER@HOST/DATABASE" in result.err
    assert_one_message(result.err)


def test_a_postgresql_url_without_the_postgres_extra_says_how_to_install_it(tmp_path: Path) -> None:
    # A fresh process in which psycopg cannot be imported, as on a machine without the extra.
    path = tmp_path / "c.toml"
    path.write_text('[store]\nurl = "postgresql://sync@db.example/tribe"\n')
    code = "import sys; sys.modules['psycopg'] = None; from tribe_sync.cli.main import run; run()"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIBE_SYNC_")}
    result = subprocess.run(
        [sys.executable, "-c", code, "--config", str(path), "months", "list"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
        timeout=60,
    )
    assert result.returncode == 2
    assert f"{path}: store.url: PostgreSQL needs the postgres extra" in result.stderr
    assert "pip install 'tribe-sync[postgres]'" in result.stderr
    assert_one_message(result.stderr)


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def test_a_daemon_whose_port_is_taken_says_so_before_running_anything(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, taken_port: int
) -> None:
    monkeypatch.setenv("TRIBE_SYNC_DAEMON__PORT", str(taken_port))
    monkeypatch.setenv("TRIBE_SYNC_STORE__URL", f"sqlite:///{tmp_path}/journal.db")
    result = cli("daemon")
    assert result.code == 2
    assert f"port {taken_port} on 127.0.0.1 is already in use" in result.err
    assert "daemon.port (set by TRIBE_SYNC_DAEMON__PORT)" in result.err
    assert_one_message(result.err)
    assert not (tmp_path / "journal.db").exists(), "nothing ran before the port was checked"


def test_a_console_whose_port_is_taken_says_so_before_any_address(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, taken_port: int
) -> None:
    monkeypatch.setenv("TRIBE_SYNC_CONSOLE__PORT", str(taken_port))
    monkeypatch.setenv("TRIBE_SYNC_STORE__URL", f"sqlite:///{tmp_path}/journal.db")
    result = cli("console")
    assert result.code == 2
    assert f"port {taken_port} on 127.0.0.1 is already in use" in result.err
    assert "console.port (set by TRIBE_SYNC_CONSOLE__PORT)" in result.err
    assert "http://" not in result.err
    assert_one_message(result.err)

    given = cli("console", "--port", str(taken_port))
    assert given.code == 2
    assert "give a free --port" in given.err
    assert_one_message(given.err)


def test_the_demo_console_whose_port_is_taken_says_so_before_the_simulation(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, taken_port: int
) -> None:
    monkeypatch.setenv("TRIBE_SYNC_CONSOLE__PORT", str(taken_port))
    result = cli("demo", "--console", "--days", "1")
    assert result.code == 2
    assert f"port {taken_port} on 127.0.0.1 is already in use" in result.err
    assert "console.port (set by TRIBE_SYNC_CONSOLE__PORT)" in result.err
    assert "http://" not in result.err
    assert "sandbox" not in result.err, "nothing was simulated"
    assert_one_message(result.err)


@pytest.mark.sandbox
def test_a_wrong_token_url_is_named_at_once_not_after_half_a_minute_of_retries(
    cli: Cli, crm_env: RunningSandbox, monkeypatch: pytest.MonkeyPatch, taken_port: int
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # bound, never listening: connections are refused
        monkeypatch.setenv("TRIBE_SYNC_CRM__TOKEN_URL", f"http://127.0.0.1:{port}/oauth2/token")
        result = cli("crm", "check")
    assert result.code == 2
    assert f"nothing answers at http://127.0.0.1:{port}/oauth2/token" in result.err
    assert "Check crm.token_url (set by TRIBE_SYNC_CRM__TOKEN_URL)" in result.err
    assert "crm.api_url" not in result.err
    assert "retrying" not in result.err
    assert_one_message(result.err)


@pytest.mark.sandbox
def test_a_token_url_that_is_not_a_token_endpoint_is_named(
    cli: Cli, crm_env: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIBE_SYNC_CRM__TOKEN_URL", f"{crm_env.url}/oauth/token")
    result = cli("crm", "check")
    assert result.code == 2
    assert "Check crm.token_url (set by TRIBE_SYNC_CRM__TOKEN_URL)" in result.err
    assert_one_message(result.err)


def test_one_template_part_set_by_the_environment_keeps_the_other_part(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIBE_SYNC_TEMPLATES__DELIVERY_DATE__SUBJECT", "Leverdatum $order_number")
    settings = load_settings(None)
    assert settings.templates.delivery_date.subject == "Leverdatum $order_number"
    assert settings.templates.delivery_date.body.startswith("Beste $contact_name")
    assert cli("jobs", "list").code == 0


def test_a_bad_template_part_from_the_environment_names_the_variable_not_the_file(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[programme]\nlead_days = 5\n")
    monkeypatch.setenv("TRIBE_SYNC_TEMPLATES__FORECAST_REMINDER__SUBJECT", "Prognose $kwartaal")
    result = cli("--config", str(path), "jobs", "list")
    assert result.code == 2
    assert "TRIBE_SYNC_TEMPLATES__FORECAST_REMINDER__SUBJECT: templates:" in result.err
    assert "unknown placeholder(s) $kwartaal" in result.err
    assert str(path) not in result.err
    assert_one_message(result.err)


def test_a_missing_settings_file_says_what_to_do(cli: Cli, tmp_path: Path) -> None:
    result = cli("--config", str(tmp_path / "absent.toml"), "jobs", "list")
    assert result.code == 2
    assert "no such configuration file" in result.err
    assert "copy config.example.toml" in result.err


def test_a_store_that_cannot_be_reached_names_store_url_and_where_it_was_set(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        monkeypatch.setenv("TRIBE_SYNC_STORE__URL", f"postgresql://sync@127.0.0.1:{port}/tribe")
        result = cli("store", "status")
        listed = cli("runs", "list")
    assert result.code == listed.code == 2
    assert "Connection refused" in result.err
    assert "Check store.url (set by TRIBE_SYNC_STORE__URL)." in listed.err
    assert "Check store.url (set by TRIBE_SYNC_STORE__URL)." in result.err
    assert_one_message(result.err)


@pytest.mark.sandbox
def test_a_job_run_against_a_wrong_token_url_names_the_key_and_exits_2_as_a_journalled_failed_run(
    cli: Cli, crm_env: RunningSandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TRIBE_SYNC_STORE__URL", f"sqlite:///{tmp_path}/journal.db")
    monkeypatch.setenv("TRIBE_SYNC_CRM__TOKEN_URL", f"{crm_env.url}/oauth/token")  # answers 404
    result = cli("jobs", "run", "progress-statuses", "--json")
    assert result.code == 2
    error = json.loads(result.out)["error"]
    assert "does not behave like an OAuth2 token endpoint" in error
    assert "Check crm.token_url (set by TRIBE_SYNC_CRM__TOKEN_URL)" in error
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        monkeypatch.setenv("TRIBE_SYNC_CRM__TOKEN_URL", f"http://127.0.0.1:{closed.getsockname()[1]}/token")
        result = cli("jobs", "run", "progress-statuses")
    assert result.code == 2
    assert "configuration error: nothing answers at http://127.0.0.1:" in result.err
    assert "Check crm.token_url (set by TRIBE_SYNC_CRM__TOKEN_URL)" in result.err
    assert "ConnectError" not in result.err
    runs = json.loads(cli("runs", "list", "--json").out)["runs"]
    assert [r["outcome"] for r in runs] == ["failed", "failed"]


@pytest.mark.sandbox
def test_the_daemon_once_against_a_wrong_token_url_names_the_key_and_exits_2(
    cli: Cli, crm_env: RunningSandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TRIBE_SYNC_STORE__URL", f"sqlite:///{tmp_path}/journal.db")
    monkeypatch.setenv("TRIBE_SYNC_CRM__TOKEN_URL", f"{crm_env.url}/oauth/token")
    result = cli("daemon", "--once")
    assert result.code == 2
    assert "Check crm.token_url (set by TRIBE_SYNC_CRM__TOKEN_URL)" in result.err
    assert "token request failed (404) unknown_error" not in result.err


@pytest.mark.postgres
def test_a_store_that_refuses_the_role_in_store_url_is_a_configuration_error_naming_the_key(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    with postgres_url() as url:  # a server that answers, asked for a role it does not have
        wrong = make_url(url).set(username="no_such_role_tribe_sync")
        monkeypatch.setenv("TRIBE_SYNC_STORE__URL", wrong.render_as_string(hide_password=False))
        result = cli("months", "list")
    assert result.code == 2
    assert 'role "no_such_role_tribe_sync" does not exist' in result.err
    assert "Check store.url (set by TRIBE_SYNC_STORE__URL)." in result.err
    assert_one_message(result.err)
