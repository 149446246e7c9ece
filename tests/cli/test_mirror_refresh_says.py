"""What `mirror refresh` says to the operator when it cannot simply run: another refresh under way
(said at once, and on giving up what to do, in local time, without claim names), and with `--json`
a failure is one document with an `error`, as `jobs run --json` has it."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest

from tests.cli.conftest import Cli
from tribe_sync.sandbox.server import RunningSandbox
from tribe_sync.store.journal import open_journal
from tribe_sync.store.readmodel.refresh import REFRESH_CLAIM

pytestmark = pytest.mark.sandbox

OTHER = "other-host:4242:ce9c8a"


def another_refresh_under_way(url: str, lasting: dt.timedelta) -> dt.datetime:
    """Another process holds the refresh claim for `lasting`; returns when it lapses."""
    journal = open_journal(url)
    now = dt.datetime.now(dt.UTC)
    journal.claim(REFRESH_CLAIM, OTHER, now, lasting)
    journal.close()
    return now + lasting


def test_a_refresh_says_at_once_that_it_waits_for_the_one_under_way_then_runs(
    cli: Cli, crm_env: RunningSandbox, store: str
) -> None:
    another_refresh_under_way(store, dt.timedelta(seconds=1))  # it ends (its claim lapses) soon
    result = cli("mirror", "refresh")
    assert result.code == 0, result.err
    assert result.err.splitlines()[0].startswith(
        "Another refresh of the read model is under way; waiting up to"
    )


def test_a_refresh_that_gives_up_waiting_says_what_to_do_in_local_time_without_claim_names(
    cli: Cli, crm_env: RunningSandbox, store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    lapses = another_refresh_under_way(store, dt.timedelta(minutes=20))
    monkeypatch.setenv("TRIBE_SYNC_MIRROR__REFRESH_WAIT_S", "0")
    result = cli("mirror", "refresh")
    said = " ".join(result.err.split())
    assert result.code == 1
    assert "another refresh of the read model is still under way" in said
    assert "`tribe-sync mirror status`" in said
    assert f"{lapses.astimezone(ZoneInfo('Europe/Amsterdam')):%H:%M:%S} local time" in said
    assert REFRESH_CLAIM not in said
    assert OTHER not in said
    assert "UTC" not in said

    document = json.loads(cli("mirror", "refresh", "--json").out)
    assert document["sets"] == []
    assert "still under way" in document["error"]


def test_refresh_json_that_fails_is_one_document_with_an_error_and_the_sets_it_finished(
    cli: Cli, failing: RunningSandbox, store: str
) -> None:
    failing.state.faults.update({"fail_rate": 1.0, "fail_statuses": (503,)})
    result = cli("mirror", "refresh", "--json")
    assert result.code == 1
    document = json.loads(result.out)
    assert set(document) == {"sets", "error"}
    assert "503" in document["error"]
    assert document["sets"] == []
