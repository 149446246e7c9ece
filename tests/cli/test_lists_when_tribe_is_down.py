"""Staff lists read the read model: when Tribe cannot be read, or another process is refreshing it,
a list shows the copy it holds and says how old it is; only with nothing stored yet, or `--fresh`
(staff asked for Tribe itself), is that an error, said in words that name the sets, never their IDs
in Tribe."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.cli.conftest import Cli
from tribe_sync.sandbox.server import RunningSandbox
from tribe_sync.store.journal import open_journal
from tribe_sync.store.readmodel.refresh import REFRESH_CLAIM

pytestmark = pytest.mark.sandbox

NOTHING_THERE = "http://127.0.0.1:9"  # the discard port: nothing listens on loopback


def nothing_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIBE_SYNC_CRM__API_URL", NOTHING_THERE)
    monkeypatch.setenv("TRIBE_SYNC_CRM__TOKEN_URL", f"{NOTHING_THERE}/oauth2/token")


def answers_503(sandbox: RunningSandbox) -> None:
    sandbox.state.faults.update({"fail_rate": 1.0, "fail_statuses": (503,)})


def stored_views(cli: Cli) -> list[tuple[str, ...]]:
    """Fill the read model, and every view is due for a refresh from then on."""
    assert cli("mirror", "refresh").code == 0
    number = json.loads(cli("requests", "list", "--json", "--limit", "1").out)["requests"][0]["order_number"]
    return [("requests", "list", "--limit", "2"), ("months", "list"), ("requests", "show", number)]


def test_when_nothing_answers_at_tribe_a_list_shows_the_stored_copy_and_how_old_it_is(
    cli: Cli, crm_env: RunningSandbox, store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    views = stored_views(cli)
    expected = [cli(*view).out for view in views]
    monkeypatch.setenv("TRIBE_SYNC_MIRROR__MAX_AGE_S", "0")
    nothing_answers(monkeypatch)
    for view, shown in zip(views, expected, strict=True):
        result = cli(*view)
        assert result.code == 0, (view, result.err)
        assert (
            "Tribe is niet bereikbaar (niets antwoordt op 127.0.0.1:9); dit zijn de gegevens van"
            in result.err
        )
        assert " oud)" in result.err
        assert result.out == shown


def test_when_tribe_answers_with_an_error_a_list_shows_the_stored_copy(
    cli: Cli, failing: RunningSandbox, store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    views = stored_views(cli)
    monkeypatch.setenv("TRIBE_SYNC_MIRROR__MAX_AGE_S", "0")
    answers_503(failing)
    for view in views:
        result = cli(*view)
        assert result.code == 0, (view, result.err)
        assert "Tribe is niet bereikbaar (" in result.err
        assert "odata" not in result.err


def test_with_nothing_stored_yet_a_list_fails_naming_the_sets_in_words_and_exits_as_for_the_crm(
    cli: Cli, failing: RunningSandbox, store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers_503(failing)
    result = cli("months", "list")
    assert result.code == 1, "Tribe was there but failed: the run could not be done"
    assert "de leveringsmaanden en aanvragen zijn nog nooit uit Tribe gelezen" in result.err
    assert "odata" not in result.err
    assert "_03c4" not in result.err

    nothing_answers(monkeypatch)
    result = cli("requests", "list")
    assert result.code == 2, "nothing ever answered there: a setting is wrong"
    assert "nog nooit uit Tribe gelezen" in result.err
    assert "crm.token_url" in result.err, "the operator is told which setting to check"


def test_fresh_asks_tribe_itself_so_then_tribe_down_is_an_error_that_points_at_the_stored_copy(
    cli: Cli, failing: RunningSandbox, store: str
) -> None:
    stored_views(cli)
    answers_503(failing)
    result = cli("requests", "list", "--fresh")
    assert result.code == 1
    assert "Tribe is niet bereikbaar (" in result.err
    assert "Zonder --fresh toont dit de gegevens die er al zijn" in result.err
    assert "odata" not in result.err


def test_the_first_list_on_an_empty_store_says_at_once_that_it_reads_tribe_for_the_first_time(
    cli: Cli, crm_env: RunningSandbox, store: str
) -> None:
    result = cli("months", "list")
    assert result.code == 0
    first = result.err.splitlines()[0]
    assert first.startswith("De leveringsmaanden en aanvragen worden voor het eerst uit Tribe gelezen")
    assert "voor het eerst" not in cli("months", "list").err


def test_a_list_does_not_wait_for_another_process_s_refresh_and_shows_what_is_there_meanwhile(
    cli: Cli, crm_env: RunningSandbox, store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    views = stored_views(cli)
    journal = open_journal(store)
    journal.claim(REFRESH_CLAIM, "other-host:1:abc", dt.datetime.now(dt.UTC), dt.timedelta(minutes=5))
    journal.close()
    monkeypatch.setenv("TRIBE_SYNC_MIRROR__MAX_AGE_S", "0")
    monkeypatch.setenv("TRIBE_SYNC_MIRROR__REFRESH_WAIT_S", "3600")  # were it to wait, it would hang
    result = cli(*views[0])
    assert result.code == 0
    assert (
        "Tribe wordt op dit moment door een ander proces opnieuw gelezen, dit is wat er al is" in result.err
    )


def test_with_a_stored_copy_a_list_asks_a_failing_tribe_once_instead_of_waiting_out_its_retries(
    cli: Cli, failing: RunningSandbox, store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Retries with back-off take minutes (`crm.max_retries`, up to `crm.max_retry_wait_s`): staff
    would wait that long for a list the store holds. Only a first fill or `--fresh` waits them out."""
    views = stored_views(cli)
    monkeypatch.setenv("TRIBE_SYNC_MIRROR__MAX_AGE_S", "0")
    monkeypatch.setenv("TRIBE_SYNC_CRM__MAX_RETRIES", "5")
    monkeypatch.setenv("TRIBE_SYNC_CRM__BACKOFF_BASE_S", "0.01")  # were it to retry, it would be quick
    answers_503(failing)
    before = len(failing.state.calls("GET"))
    result = cli(*views[1])  # months list: the months and the requests, a delta each
    assert result.code == 0, result.err
    assert "Tribe is niet bereikbaar (Tribe antwoordt met foutcode 503)" in result.err
    asked = failing.state.calls("GET")[before:]
    assert 1 <= len(asked) <= 2, f"one try per set, no retry: {[c.path for c in asked]}"


def test_with_a_stored_copy_a_list_waits_for_a_stalled_tribe_only_as_long_as_view_timeout_s(
    cli: Cli, failing: RunningSandbox, store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    views = stored_views(cli)
    monkeypatch.setenv("TRIBE_SYNC_MIRROR__MAX_AGE_S", "0")
    monkeypatch.setenv("TRIBE_SYNC_MIRROR__VIEW_TIMEOUT_S", "0.5")
    failing.state.faults.update({"stall_rate": 1.0, "stall_s": 30.0})
    try:
        result = cli(*views[0])
    finally:
        failing.state.faults.update({"stall_rate": 0.0, "stall_s": 0.0})
    assert result.code == 0, result.err
    assert "Tribe is niet bereikbaar (Tribe antwoordt niet op tijd)" in result.err
