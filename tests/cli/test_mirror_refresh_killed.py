"""A `mirror refresh` that is stopped leaves no claim in the way of the next one: SIGTERM releases it
on the way out, and after SIGKILL the next refresh on this host sees the holder is gone and takes it
over instead of waiting for it to expire (30 minutes)."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from threading import Lock

import pytest
from sqlalchemy import select

from tests.cli.conftest import Cli
from tribe_sync.bootstrap import Services
from tribe_sync.config import Settings
from tribe_sync.sandbox.server import RunningSandbox, build_state, start
from tribe_sync.store.journal import open_journal, store_engine
from tribe_sync.store.readmodel.refresh import REFRESH_CLAIM, MirrorSet
from tribe_sync.store.tables import claims, mirror_sets

pytestmark = pytest.mark.sandbox

EXE = Path(sys.executable).parent / "tribe-sync"


@pytest.fixture
def slow_sandbox() -> Iterator[RunningSandbox]:
    """Every call takes a while, so a full refresh is still under way when it is stopped."""
    state = build_state(scale="small", seed=3, anchor=dt.date(2026, 11, 23))
    state.faults.latency_ms = 150
    with start(state) as running:
        yield running


def holder_of_claim(url: str) -> str | None:
    engine = store_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(select(claims.c.holder).where(claims.c.name == REFRESH_CLAIM)).scalar()
    finally:
        engine.dispose()


def refresh_under_way(
    sandbox: RunningSandbox, url: str, stderr: int = subprocess.DEVNULL
) -> subprocess.Popen[bytes]:
    open_journal(url).close()  # the store exists before the refresh starts
    env = {
        **os.environ,
        "TRIBE_SYNC_CRM__API_URL": sandbox.url,
        "TRIBE_SYNC_CRM__TOKEN_URL": f"{sandbox.url}/oauth2/token",
        "TRIBE_SYNC_STORE__URL": url,
    }
    process = subprocess.Popen(
        [str(EXE), "mirror", "refresh", "--full"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
    )
    deadline = time.monotonic() + 120
    while holder_of_claim(url) is None:
        assert process.poll() is None, "the refresh ended before it was stopped"
        assert time.monotonic() < deadline, "the refresh never took its claim"
        time.sleep(0.1)
    return process


def settings_for(sandbox: RunningSandbox, url: str) -> Settings:
    return Settings(
        crm={"api_url": sandbox.url, "token_url": f"{sandbox.url}/oauth2/token"},  # type: ignore[arg-type]
        store={"url": url},  # type: ignore[arg-type]
    )


def test_after_sigkill_the_next_refresh_takes_the_dead_holder_s_claim_over(
    slow_sandbox: RunningSandbox, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'journal.db'}"
    process = refresh_under_way(slow_sandbox, url)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    dead = holder_of_claim(url)
    assert dead is not None
    assert dead.split(":")[1] == str(process.pid)

    with Services(settings_for(slow_sandbox, url)) as services:
        # No waiting at all: a live holder would make this raise LockHeldError.
        mirror = replace(services.mirror, wait=dt.timedelta(0), _lock=Lock())
        [done] = mirror.refresh([MirrorSet.MONTHS])
        assert done.read > 0
    assert holder_of_claim(url) is None


def test_sigterm_ends_the_refresh_and_releases_its_claim(
    slow_sandbox: RunningSandbox, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'journal.db'}"
    process = refresh_under_way(slow_sandbox, url)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 128 + signal.SIGTERM
    assert holder_of_claim(url) is None


def sets_refreshed(url: str) -> set[str]:
    engine = store_engine(url)
    try:
        with engine.connect() as connection:
            return set(connection.execute(select(mirror_sets.c.name)).scalars())
    finally:
        engine.dispose()


def test_ctrl_c_says_it_was_interrupted_which_sets_are_kept_and_which_keep_their_previous_state(
    slow_sandbox: RunningSandbox, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'journal.db'}"
    process = refresh_under_way(slow_sandbox, url, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while "organisations" not in sets_refreshed(url):  # the first set is done, the next one under way
        assert process.poll() is None, "the refresh ended before it was stopped"
        assert time.monotonic() < deadline, "the first set was never finished"
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    said = err.decode()
    assert process.returncode == 130
    [line] = [line for line in said.splitlines() if line.startswith("interrupted: ")]
    assert "organisations refreshed and kept" in line
    assert "partly read" in line
    assert "run it again to finish" in line
    assert "Traceback" not in said
    assert holder_of_claim(url) is None


def test_mirror_status_after_a_killed_refresh_says_it_was_stopped_and_which_sets_were_never_read(
    slow_sandbox: RunningSandbox, tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'journal.db'}"
    process = refresh_under_way(slow_sandbox, url)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    monkeypatch.setenv("TRIBE_SYNC_CRM__API_URL", slow_sandbox.url)
    monkeypatch.setenv("TRIBE_SYNC_CRM__TOKEN_URL", f"{slow_sandbox.url}/oauth2/token")
    monkeypatch.setenv("TRIBE_SYNC_STORE__URL", url)
    document = json.loads(cli("mirror", "status", "--json").out)
    assert document["refresh_under_way"]["holder_gone"] is True
    assert document["refresh_under_way"]["holder"].split(":")[1] == str(process.pid)
    never = [s["set"] for s in document["sets"] if s["last_delta_at"] is None]
    assert never, "killed at once: the sets after the first were not read"
    shown = cli("mirror", "status")
    assert shown.code == 0, shown.err
    text = " ".join(shown.out.split())
    assert "A refresh was stopped before it finished" in text
    assert f"Never read: {', '.join(never)}." in text
    assert "never read" in text, "a set never read has no last refresh and no count of 0 records"


def test_mirror_status_during_another_process_s_refresh_says_one_is_under_way(
    tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'journal.db'}"
    journal = open_journal(url)
    journal.claim(REFRESH_CLAIM, "elsewhere:1:daemon", dt.datetime.now(dt.UTC), dt.timedelta(minutes=30))
    journal.close()
    monkeypatch.setenv("TRIBE_SYNC_STORE__URL", url)
    document = json.loads(cli("mirror", "status", "--json").out)
    assert document["refresh_under_way"]["holder"] == "elsewhere:1:daemon"
    assert document["refresh_under_way"]["holder_gone"] is False
    text = " ".join(cli("mirror", "status").out.split())
    assert "A refresh is under way (elsewhere:1:daemon)" in text
