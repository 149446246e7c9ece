"""`jobs plan|apply`, `plans …` and `runs …` through the real entry point, as staff would type them."""

from __future__ import annotations

import datetime as dt
import getpass
import io
import json
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.conftest import Cli
from tribe_sync.peoplefiles import FILE_MODE
from tribe_sync.sandbox.server import RunningSandbox, build_state, start

pytestmark = pytest.mark.sandbox

# The first of next month, the sandbox's data from a week before: after the real date, so applying
# needs --allow-future whenever the tests run (a fixed day turned into the past and the tests with it).
_NEXT = (dt.date.today().replace(day=1) + dt.timedelta(days=32)).replace(day=1)
DAY = _NEXT.isoformat()
ANCHOR = _NEXT - dt.timedelta(days=8)
PHASES = "Datastore_Phase_ActivitySalesOrder"


@pytest.fixture
def crm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSandbox]:
    """A sandbox of our own (these tests write), a journal and outbox in tmp_path."""
    with start(build_state(scale="small", seed=2, anchor=ANCHOR)) as running:
        monkeypatch.setenv("TRIBE_SYNC_CRM__API_URL", running.url)
        monkeypatch.setenv("TRIBE_SYNC_CRM__TOKEN_URL", f"{running.url}/oauth2/token")
        monkeypatch.setenv("TRIBE_SYNC_STORE__URL", f"sqlite:///{tmp_path / 'journal.db'}")
        monkeypatch.setenv("TRIBE_SYNC_PROGRAMME__OUTBOX_DIR", str(tmp_path / "outbox"))
        yield running


def test_a_saved_plan_applies_once_and_a_second_apply_writes_nothing(
    cli: Cli, crm: RunningSandbox, tmp_path: Path
) -> None:
    file = tmp_path / "plan.json"
    planned = cli("jobs", "plan", "progress-statuses", "--today", DAY, "--out", str(file), "--json")
    assert planned.code == 0, planned.err
    document = json.loads(planned.out)
    assert document["plan_format"] == 1
    assert json.loads(file.read_text())["checksum"] == document["checksum"]
    assert crm.state.calls("POST") == []
    assert crm.state.calls("PUT") == []

    only_checked = cli("jobs", "apply", str(file))
    assert only_checked.code == 0
    assert "--allow-future" in only_checked.err

    applied = cli("jobs", "apply", str(file), "--allow-future", "--json", "--by", "bram")
    assert applied.code in (0, 1), applied.err  # 1: the tenant's known bad records
    report = json.loads(applied.out)
    assert report["summary"]["applied"] == len(document["changes"]) > 0

    again = cli("jobs", "apply", str(file), "--allow-future", "--json")
    assert again.code == 0
    assert json.loads(again.out)["already_applied"] is True


def test_a_saved_plan_file_is_readable_by_its_owner_and_group_only_whatever_the_umask(
    cli: Cli, crm: RunningSandbox, tmp_path: Path
) -> None:
    file = tmp_path / "plan.json"
    previous = os.umask(0o000)
    try:
        assert cli("jobs", "plan", "progress-statuses", "--today", DAY, "--out", str(file)).code == 0
    finally:
        os.umask(previous)
    assert stat.S_IMODE(file.stat().st_mode) == FILE_MODE == 0o640
    assert not list(tmp_path.glob(".*.partial"))


def test_a_stale_plan_file_exits_3_naming_the_request_that_moved(
    cli: Cli, crm: RunningSandbox, tmp_path: Path
) -> None:
    file = tmp_path / "plan.json"
    assert cli("jobs", "plan", "progress-statuses", "--today", DAY, "--out", str(file)).code == 0
    change = next(c for c in json.loads(file.read_text())["changes"] if c["step"] == "allocation")
    closed = next(p["ID"] for p in crm.state.store.all(PHASES) if p["Code"] == "GESLOTEN")
    crm.state.store.update(
        "Activity_SalesOrder", change["request_id"], {"Phase": {"ID": closed}}, dt.datetime.now(dt.UTC)
    )

    refused = cli("jobs", "apply", str(file), "--allow-future")
    assert refused.code == 3
    said = " ".join(refused.err.split())
    assert said.startswith("geweigerd (verouderd): Toekennen en status bijwerken (progress-statuses) voor ")
    assert "Tribe is veranderd sinds het plan is gemaakt; er is niets geschreven." in said
    assert f"{change['label']} (Toekenning): niet meer gepland" in said
    assert f"Aanvraag {change['label']} is gewijzigd (laatst gewijzigd " in said
    assert "moved on" not in said, "the console's Dutch, not English"
    assert "refused" not in said
    as_json = cli("jobs", "apply", str(file), "--allow-future", "--json")
    assert as_json.code == 3
    document = json.loads(as_json.out)
    assert document["refused"] == "stale"
    assert any(change["label"] in line for line in document["difference"]), "the contract's fields stay"
    assert "the CRM has moved on" in document["message"]
    assert document["message_nl"].startswith("Toekennen en status bijwerken (progress-statuses) voor ")
    assert f"{change['label']} (Toekenning): niet meer gepland" in document["difference_nl"]
    assert crm.state.calls("PUT") == []


def test_plan_approve_apply_then_see_who_decided(cli: Cli, crm: RunningSandbox, tmp_path: Path) -> None:
    submitted = cli("jobs", "plan", "progress-statuses", "--today", DAY, "--submit", "--by", "anna", "--json")
    assert submitted.code == 0, submitted.err
    plan_id = json.loads(submitted.out)["plan_id"]

    listed = json.loads(cli("plans", "list", "--status", "pending", "--json").out)
    assert [(p["id"], p["job"], p["today"], p["status"]) for p in listed["plans"]] == [
        (plan_id, "progress-statuses", DAY, "pending")
    ]
    own = cli("plans", "approve", str(plan_id), "--by", "anna")
    assert own.code == 2
    assert "moet iemand anders het goedkeuren" in own.err

    approved = cli(
        "plans", "approve", str(plan_id), "--by", "bram", "--note", "prognoses nagekeken", "--apply", "--json"
    )
    assert approved.code == 0, approved.err
    assert json.loads(approved.out)["dry_run"] is True, "a plan for a later day is only checked"
    applied = cli("plans", "apply", str(plan_id), "--allow-future", "--json")
    assert applied.code in (0, 1), applied.err
    run_id = json.loads(applied.out)["run_id"]

    runs = json.loads(cli("runs", "list", "--job", "progress-statuses", "--json").out)["runs"]
    (run,) = runs
    assert (run["trigger"], run["plan_id"]) == ("approved-plan", plan_id)
    assert run_id == run["id"]
    shown = json.loads(cli("runs", "show", str(run["id"]), "--json").out)
    assert (shown["plan"]["submitted_by"], shown["plan"]["decided_by"], shown["plan"]["note"]) == (
        "anna",
        "bram",
        "prognoses nagekeken",
    )
    assert shown["changes"]
    assert all(c["actor"] == "staff:bram" for c in shown["changes"])
    notes = shown["notes"]
    assert set(notes) == {"problems", "held"}, "the run keeps what it found and held back"
    assert len(notes["problems"]) == run["counts"]["problems"]
    assert len(notes["held"]) == run["counts"]["held"]
    assert all(set(p) == {"code", "label"} for p in notes["problems"]), "never a problem's message"
    assert json.loads(cli("plans", "show", str(plan_id), "--json").out)["status"] == "applied"


def test_a_rejected_plan_is_refused_with_exit_3(cli: Cli, crm: RunningSandbox) -> None:
    plan_id = json.loads(
        cli("jobs", "plan", "close-delivery-months", "--submit", "--by", "anna", "--json").out
    )["plan_id"]
    assert cli("plans", "reject", str(plan_id), "--reason", "nog niet", "--by", "bram").code == 0
    refused = cli("plans", "apply", str(plan_id))
    assert refused.code == 3
    assert f"geweigerd (afgewezen): plan {plan_id} is afgewezen door bram: nog niet" in refused.err
    again = cli("plans", "approve", str(plan_id), "--by", "carla")
    assert again.code == 2
    assert (
        f"fout: plan {plan_id} heeft de status “afgewezen”; alleen een plan dat wacht op goedkeuring kan "
        "worden goedgekeurd" in " ".join(again.err.split())
    ), "the plan's status in staff's words, not 'is rejected; only a pending plan can be approved'"


def test_a_plan_too_old_to_approve_is_refused_in_dutch_saying_when_it_was_made(
    cli: Cli, crm: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan_id = json.loads(
        cli("jobs", "plan", "close-delivery-months", "--submit", "--by", "anna", "--json").out
    )["plan_id"]
    monkeypatch.setenv("TRIBE_SYNC_APPROVAL__MAX_AGE_HOURS", "1e-9")  # any plan made before is too old
    refused = cli("plans", "approve", str(plan_id), "--by", "bram", "--apply")
    assert refused.code == 3
    said = " ".join(refused.err.split())
    assert said.startswith("geweigerd (verlopen): Leveringsmaanden sluiten (close-delivery-months) voor ")
    assert "uur en daarom verlopen; er is niets geschreven." in said
    assert "Het is gemaakt op " in said
    assert "Maak een nieuw plan met `tribe-sync jobs plan close-delivery-months`." in said
    assert "refused" not in said
    assert "expired" not in said
    assert json.loads(cli("plans", "show", str(plan_id), "--json").out)["status"] == "expired"


def test_approving_a_plan_for_a_later_day_with_apply_says_in_dutch_how_to_apply_it_and_allow_future_does(
    cli: Cli, crm: RunningSandbox
) -> None:
    first = cli("jobs", "plan", "progress-statuses", "--today", DAY, "--submit", "--by", "anna", "--json")
    plan_id = str(json.loads(first.out)["plan_id"])

    only_checked = cli("plans", "approve", plan_id, "--by", "bram", "--apply")
    assert only_checked.code == 0, "a later day only plans, as the contract says"
    said = " ".join(only_checked.err.split())
    assert "na vandaag: gecontroleerd, nog actueel, niet uitgevoerd" in said
    assert f"`tribe-sync plans apply {plan_id} --allow-future`" in said, "a command that exists"
    assert crm.state.calls("PUT") == []
    assert crm.state.calls("POST") == []
    assert cli("plans", "apply", plan_id, "--allow-future").code in (0, 1)

    second = cli(
        "jobs", "plan", "close-delivery-months", "--today", DAY, "--submit", "--by", "anna", "--json"
    )
    other_id = str(json.loads(second.out)["plan_id"])
    applied = cli("plans", "approve", other_id, "--by", "bram", "--apply", "--allow-future", "--json")
    assert applied.code in (0, 1), applied.err
    assert json.loads(applied.out)["dry_run"] is False
    assert json.loads(cli("plans", "show", other_id, "--json").out)["status"] == "applied"


def test_an_unknown_plan_or_status_is_a_usage_error(cli: Cli, crm: RunningSandbox) -> None:
    unknown = cli("plans", "show", "99")
    assert unknown.code == 2
    assert "fout: er is geen plan 99; `tribe-sync plans list` toont ze" in unknown.err
    assert cli("plans", "list", "--status", "maybe").code == 2
    no_run = cli("runs", "show", "99")
    assert no_run.code == 2
    assert "fout: er is geen run 99; `tribe-sync runs list` toont ze" in no_run.err


def test_with_console_accounts_a_login_or_a_viewer_cannot_approve_and_nothing_is_written(
    cli: Cli, crm: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, role in (("anna", "approver"), ("vera", "viewer")):
        monkeypatch.setattr(sys, "stdin", io.StringIO("lang genoeg wachtwoord\n"))
        assert cli("users", "add", name, "--role", role, "--password-stdin").code == 0
    submitted = cli("jobs", "plan", "close-delivery-months", "--submit", "--by", "bram", "--json")
    plan_id = str(json.loads(submitted.out)["plan_id"])
    monkeypatch.setattr(getpass, "getuser", lambda: "root")

    as_login = cli("plans", "approve", plan_id)
    assert as_login.code == 2
    assert "root is geen gebruiker van de console" in as_login.err
    assert "--by NAAM" in as_login.err
    as_viewer = cli("plans", "reject", plan_id, "--by", "vera", "--reason", "nee")
    assert as_viewer.code == 2
    assert "vera is lezer" in " ".join(as_viewer.err.split())
    assert "Traceback" not in as_login.err + as_viewer.err
    assert json.loads(cli("plans", "show", plan_id, "--json").out)["status"] == "pending"

    assert cli("plans", "approve", plan_id, "--by", "Anna").code == 0
    assert json.loads(cli("plans", "show", plan_id, "--json").out)["decided_by"] == "anna"


def test_runs_list_of_an_unknown_job_is_a_usage_error_naming_the_jobs(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIBE_SYNC_STORE__URL", f"sqlite:///{tmp_path / 'journal.db'}")
    result = cli("runs", "list", "--job", "nope")
    assert result.code == 2
    err = " ".join(result.err.replace("│", " ").split())
    assert "no job 'nope'; the jobs are: close-delivery-months, progress-statuses" in err
    assert "months close" in err
    assert cli("runs", "list", "--job", "months close", "--json").code == 0


def test_a_plan_that_changes_nothing_is_not_submitted_there_is_nothing_to_approve(
    cli: Cli, crm: RunningSandbox, tmp_path: Path
) -> None:
    file = tmp_path / "plan.json"
    assert cli("jobs", "plan", "progress-statuses", "--today", DAY, "--out", str(file)).code == 0
    assert cli("jobs", "apply", str(file), "--allow-future").code in (0, 1)
    again = cli("jobs", "plan", "progress-statuses", "--today", DAY, "--submit", "--json")
    assert again.code == 0, again.err
    document = json.loads(again.out)
    assert document["changes"] == [], "everything was applied already"
    assert document["plan_id"] is None
    assert "niets goed te keuren" in again.err
    assert json.loads(cli("plans", "list", "--status", "pending", "--json").out)["plans"] == []
