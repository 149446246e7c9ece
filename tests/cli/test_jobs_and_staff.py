from __future__ import annotations

import datetime as dt
import getpass
import io
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.conftest import Cli
from tribe_sync.domain.calendar import planning_window
from tribe_sync.sandbox.server import RunningSandbox, build_state, start
from tribe_sync.store.journal import open_journal

pytestmark = pytest.mark.sandbox  # a live sandbox server on loopback (not in make test-fast)


@pytest.fixture
def tenant(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSandbox]:
    """A fresh sandbox (these commands write) and a private journal and outbox, set as an operator would."""
    with start(build_state(scale="small", seed=6, anchor=dt.date(2026, 12, 1))) as sandbox:
        monkeypatch.setenv("TRIBE_SYNC_CRM__API_URL", sandbox.url)
        monkeypatch.setenv("TRIBE_SYNC_CRM__TOKEN_URL", f"{sandbox.url}/oauth2/token")
        monkeypatch.setenv("TRIBE_SYNC_STORE__URL", f"sqlite:///{tmp_path / 'journal.db'}")
        monkeypatch.setenv("TRIBE_SYNC_PROGRAMME__OUTBOX_DIR", str(tmp_path / "outbox"))
        yield sandbox


def test_jobs_list_names_every_job_with_its_schedule(cli: Cli) -> None:
    result = cli("jobs", "list", "--json")
    assert result.code == 0
    jobs = {j["name"]: j for j in json.loads(result.out)}
    assert {"close-delivery-months", "progress-statuses"} <= set(jobs)
    assert jobs["close-delivery-months"]["schedule"] == "5 7-18 * * mon-fri"


def test_jobs_run_json_is_the_documented_contract(cli: Cli, tenant: RunningSandbox) -> None:
    result = cli("jobs", "run", "close-delivery-months", "--today", "2026-12-01", "--allow-future", "--json")
    document = json.loads(result.out)
    assert set(document) >= {"job", "today", "dry_run", "changes", "problems", "summary"}
    assert (document["job"], document["today"], document["dry_run"]) == (
        "close-delivery-months",
        "2026-12-01",
        False,
    )
    assert document["changes"]
    assert {"key", "label", "reason", "before", "after", "outcome"} <= set(document["changes"][0])
    assert document["problems"], "the sandbox holds known bad records"
    assert result.code == 0, "known bad records are reported, not failures"
    strict = cli(
        "jobs", "run", "close-delivery-months", "--today", "2026-12-01", "--allow-future", "--strict"
    )
    assert strict.code == 1, "--strict makes them exit 1"


def test_a_today_after_the_real_date_only_plans_unless_allow_future(cli: Cli, tenant: RunningSandbox) -> None:
    far = (dt.date.today() + dt.timedelta(days=40)).isoformat()
    result = cli("jobs", "run", "close-delivery-months", "--today", far, "--json")
    assert result.code == 0
    assert json.loads(result.out)["dry_run"] is True
    assert "--allow-future" in result.err
    assert [c for c in tenant.state.calls() if c.method != "GET"] == []
    written = json.loads(
        cli("jobs", "run", "close-delivery-months", "--today", far, "--allow-future", "--json").out
    )
    assert written["dry_run"] is False
    assert {c["outcome"] for c in written["changes"]} == {"applied"}


def test_a_dry_run_plans_the_same_changes_and_writes_nothing(cli: Cli, tenant: RunningSandbox) -> None:
    dry = json.loads(
        cli("jobs", "run", "progress-statuses", "--today", "2026-12-01", "--dry-run", "--json").out
    )
    assert dry["dry_run"] is True
    assert {c["outcome"] for c in dry["changes"]} == {"planned"}
    assert [c for c in tenant.state.calls() if c.method != "GET"] == []
    real = json.loads(
        cli("jobs", "run", "progress-statuses", "--today", "2026-12-01", "--allow-future", "--json").out
    )
    assert [c["key"] for c in real["changes"]] == [c["key"] for c in dry["changes"]]


@pytest.mark.parametrize("dry_run", [True, False])
def test_a_run_that_could_not_log_in_to_tribe_prints_no_summary_only_what_went_wrong(
    cli: Cli, tenant: RunningSandbox, monkeypatch: pytest.MonkeyPatch, dry_run: bool
) -> None:
    monkeypatch.setenv("TRIBE_SYNC_CRM__CLIENT_SECRET", "wrong")
    result = cli("jobs", "run", "audit", *(["--dry-run"] if dry_run else []))
    assert result.code == 2
    said = " ".join(result.err.split())
    assert "crm.client_secret" in said
    assert "proefrun, niets geschreven" not in said, "no summary of a run that never read the CRM"
    assert "wijzigingen 0" not in said
    assert ("(proefrun): " if dry_run else "(run ") in said
    assert "niet gedaan; er is niets geschreven" in said
    assert "Traceback" not in said


def test_bad_job_names_and_dates_are_usage_errors(cli: Cli) -> None:
    assert cli("jobs", "run", "no-such-job").code == 2
    result = cli("jobs", "run", "audit-everything", "--today", "2026-12-01")
    assert result.code == 2
    assert "close-delivery-months" in result.err
    assert cli("jobs", "run", "progress-statuses", "--today", "tomorrow").code == 2


@pytest.mark.parametrize("command", ["run", "plan"])
@pytest.mark.parametrize("day", ["2019-01-01", "2099-01-01"])
def test_a_today_outside_the_planning_window_is_a_usage_error_naming_the_range(
    cli: Cli, command: str, day: str
) -> None:
    first, last = planning_window(dt.date.today())
    result = cli(
        "jobs", command, "progress-statuses", "--today", day, "--dry-run" if command == "run" else "--json"
    )
    assert result.code == 2
    err = " ".join(result.err.replace("│", " ").split())
    assert f"{day} is outside the days a job can be planned for: {first} to {last}" in err
    assert "Traceback" not in err


def test_staff_close_and_reopen_a_month_and_the_job_respects_the_reopening(
    cli: Cli, tenant: RunningSandbox
) -> None:
    assert cli("months", "close", "2027-02", "--reason", "vol genoeg", "--by", "anna").code == 0
    listed = {m["month"]: m for m in json.loads(cli("months", "list", "--json").out)["months"]}
    assert (listed["2027-02"]["open"], listed["2027-02"]["closed_by"]) == (False, "staff")
    assert listed["2027-02"]["closed_by_name"] == "anna", "the name given, not just `staff`"
    assert "medewerker (anna)" in cli("months", "list").out
    assert cli("months", "open", "2026-12", "--reason", "nalevering", "--by", "anna").code == 0
    run = json.loads(
        cli("jobs", "run", "close-delivery-months", "--today", "2026-12-01", "--allow-future", "--json").out
    )
    assert "december 2026" not in [c["label"] for c in run["changes"]]
    assert any(h["code"] == "reopened_by_staff" for h in run["held"])
    assert cli("months", "close", "2031-01", "--reason", "x").code == 2


def test_months_close_takes_the_month_as_the_table_shows_it(cli: Cli, tenant: RunningSandbox) -> None:
    result = cli("months", "close", "Februari 2027", "--reason", "vol", "--dry-run", "--json")
    assert result.code == 0, result.err
    assert [c["month"] for c in json.loads(result.out)["changes"]] == ["2027-02"]


@pytest.mark.parametrize("command", ["close", "open"])
def test_months_close_or_open_of_a_month_tribe_does_not_have_says_so_in_dutch(
    cli: Cli, tenant: RunningSandbox, command: str
) -> None:
    result = cli("months", command, "2030-01", "--reason", "vol", "--dry-run")
    assert result.code == 2
    said = " ".join(result.err.split())
    assert "fout: er is geen leveringsmaand januari 2030 in Tribe" in said
    assert "MONTH" not in said
    assert "CRM" not in said


def test_months_list_says_a_month_staff_reopened_is_open_and_who_reopened_it(
    cli: Cli, tenant: RunningSandbox
) -> None:
    assert cli("months", "close", "2027-02", "--reason", "vol", "--by", "anna").code == 0
    assert cli("months", "open", "2027-02", "--reason", "nalevering", "--by", "piet").code == 0
    row = next(line for line in cli("months", "list").out.splitlines() if "februari 2027" in line)
    assert "heropend door medewerker (piet)" in row
    assert "medewerker (anna)" not in row
    listed = {m["month"]: m for m in json.loads(cli("months", "list", "--json").out)["months"]}
    assert (listed["2027-02"]["open"], listed["2027-02"]["closed_by"]) == (True, "staff")


def test_with_console_accounts_only_an_approver_named_by_by_may_close_or_open_a_month(
    cli: Cli, tenant: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, role in (("anna", "approver"), ("piet", "viewer")):
        monkeypatch.setattr(sys, "stdin", io.StringIO("lang genoeg wachtwoord\n"))
        assert cli("users", "add", name, "--role", role, "--password-stdin").code == 0
    monkeypatch.setattr(getpass, "getuser", lambda: "root")
    writes = len(tenant.state.calls("PUT")) + len(tenant.state.calls("POST"))

    refused = [
        cli("months", "close", "2027-02", "--reason", "x", "--by", "piet"),
        cli("months", "open", "2026-12", "--reason", "x", "--by", "niemand"),
        cli("months", "close", "2027-02", "--reason", "x"),
    ]
    assert [r.code for r in refused] == [2, 2, 2]
    said = [" ".join(r.err.split()) for r in refused]
    assert "piet is lezer" in said[0]
    assert "niemand is geen gebruiker van de console" in said[1]
    assert "root is geen gebruiker van de console" in said[2]
    assert all("--by NAAM" in s and "Traceback" not in s for s in said)
    assert len(tenant.state.calls("PUT")) + len(tenant.state.calls("POST")) == writes, "nothing written"
    listed = {m["month"]: m for m in json.loads(cli("months", "list", "--json").out)["months"]}
    assert listed["2027-02"]["open"] is True

    assert cli("months", "close", "2027-02", "--reason", "vol", "--by", "Anna").code == 0
    listed = {m["month"]: m for m in json.loads(cli("months", "list", "--json").out)["months"]}
    assert (listed["2027-02"]["open"], listed["2027-02"]["closed_by_name"]) == (False, "anna")


def confirmations(tmp_path: Path, tenant: RunningSandbox, cli: Cli) -> tuple[Path, list[str]]:
    cli("jobs", "run", "progress-statuses", "--today", "2026-12-01", "--allow-future")
    (handoff,) = (tmp_path / "outbox").glob("*.csv")
    numbers = [line.split(";")[0] for line in handoff.read_text(encoding="utf-8-sig").splitlines()[1:3]]
    return tmp_path / "bevestiging.csv", numbers


def test_a_processor_confirmation_file_is_imported_and_the_job_moves_the_requests_on(
    cli: Cli, tenant: RunningSandbox, tmp_path: Path
) -> None:
    path, numbers = confirmations(tmp_path, tenant, cli)
    path.write_text(
        f"ordernummer;bevestigd_op;leverdatum\n{numbers[0]};03-12-2026;2026-12-10\n{numbers[1]};2026-12-03;\n"
    )
    result = cli("processor", "import", str(path), "--json")
    assert result.code == 0, result.err
    assert [c["outcome"] for c in json.loads(result.out)["changes"]] == ["applied", "applied"]
    run = json.loads(
        cli("jobs", "run", "progress-statuses", "--today", "2026-12-10", "--allow-future", "--json").out
    )
    moved = {(c["label"], c["after"].get("status")) for c in run["changes"]}
    assert (numbers[0], "AWAITING_DELIVERY_DATE") in moved
    assert (numbers[0], "CLOSED") in moved, "its delivery date is reached the same day"
    assert (numbers[1], "AWAITING_DELIVERY_DATE") in moved


def test_the_reasons_staff_read_for_a_confirmation_and_a_delivery_are_dutch_and_json_keeps_its_own(
    cli: Cli, tenant: RunningSandbox, tmp_path: Path
) -> None:
    path, numbers = confirmations(tmp_path, tenant, cli)
    path.write_text(f"ordernummer;bevestigd_op;leverdatum\n{numbers[0]};2026-12-03;2026-12-10\n")
    assert cli("processor", "import", str(path)).code == 0
    run = cli("jobs", "run", "progress-statuses", "--today", "2026-12-10", "--allow-future")
    assert run.code == 0, run.err
    table = " ".join(run.out.split())
    assert "bevestigd door de verwerker op 3 december 2026" in table
    assert "geleverd op 10 december 2026" in table
    assert "confirmed on" not in table
    assert "delivered on" not in table
    run_id = json.loads(cli("runs", "list", "--job", "progress-statuses", "--json").out)["runs"][0]["id"]
    shown = cli("runs", "show", str(run_id))
    assert "geleverd op 10 december 2026" in " ".join(shown.out.split())
    assert "delivered on" not in shown.out
    document = json.loads(cli("runs", "show", str(run_id), "--json").out)
    delivered = next(c for c in document["changes"] if c["after"].get("status") == "CLOSED")
    assert delivered["reason"] == "delivered on 2026-12-10", "--json keeps the journal's words"
    assert delivered["reason_nl"] == "geleverd op 10 december 2026"


def test_a_confirmation_file_with_one_bad_row_writes_nothing_and_exits_2(
    cli: Cli, tenant: RunningSandbox, tmp_path: Path
) -> None:
    path, numbers = confirmations(tmp_path, tenant, cli)
    before = len([c for c in tenant.state.calls() if c.method != "GET"])
    path.write_text(
        f"ordernummer;bevestigd_op\n{numbers[0]};2026-12-03\nAD2026-99999;2026-12-03\n{numbers[1]};gisteren\n"
    )
    result = cli("processor", "import", str(path))
    assert result.code == 2
    assert "regel 4: bevestigd_op 'gisteren' is geen datum" in result.err
    assert "regel 3: AD2026-99999 is geen bekende aanvraag" in result.err, "every line is checked"
    assert "2 problemen in" in result.err
    assert "er is niets vastgelegd" in result.err
    assert len([c for c in tenant.state.calls() if c.method != "GET"]) == before
    path.write_text(f"ordernummer;bevestigd_op\n{numbers[0]};2026-12-03\nAD2026-99999;2026-12-03\n")
    result = cli("processor", "import", str(path))
    assert result.code == 2
    assert "AD2026-99999 is geen bekende aanvraag" in result.err
    assert "1 probleem in" in result.err
    assert cli("processor", "import", str(tmp_path / "absent.csv")).code == 2


def test_an_older_confirmation_file_never_replaces_a_newer_one_and_json_has_the_whole_document(
    cli: Cli, tenant: RunningSandbox, tmp_path: Path
) -> None:
    path, numbers = confirmations(tmp_path, tenant, cli)
    path.write_text(f"ordernummer;bevestigd_op;leverdatum\n{numbers[0]};2026-12-04;2026-12-11\n")
    assert cli("processor", "import", str(path)).code == 0
    older = tmp_path / "oud.csv"
    older.write_text(
        f"ordernummer;bevestigd_op;leverdatum\n{numbers[0]};2026-12-02;2026-12-09\n{numbers[1]};2026-12-02;\n"
    )
    before = len([c for c in tenant.state.calls() if c.method != "GET"])
    result = cli("processor", "import", str(older), "--json")
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert {"job", "today", "dry_run", "changes", "problems", "held", "summary"} <= set(document)
    assert [c["label"] for c in document["changes"]] == [numbers[1]]
    assert document["held"][0]["code"] == "confirmation_older"
    assert document["held"][0]["label"] == numbers[0]
    assert document["summary"]["older"] == 1
    assert document["summary"]["record"] == 1
    assert len([c for c in tenant.state.calls() if c.method != "GET"]) == before + 1


def test_a_confirmation_file_with_an_unknown_column_is_refused_naming_it(
    cli: Cli, tenant: RunningSandbox, tmp_path: Path
) -> None:
    path, numbers = confirmations(tmp_path, tenant, cli)
    path.write_text(f"ordernummer;bevestigd_op;delivery\n{numbers[0]};2026-12-03;2026-12-10\n")
    result = cli("processor", "import", str(path), "--json")
    assert result.code == 2
    [problem] = json.loads(result.out)["problems"]
    assert problem["line"] == 1
    assert "onbekende kolom 'delivery'" in problem["message"]


def test_a_template_error_is_a_configuration_error_before_anything_runs(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[templates.audit_staff]\nsubject = "$datum"\nbody = "x"\n')
    result = cli("--config", str(path), "jobs", "run", "audit", "--dry-run")
    assert result.code == 2
    assert "audit_staff.subject: unknown placeholder(s) $datum" in result.err


def test_with_json_a_run_that_a_setting_makes_impossible_still_prints_one_document_and_exits_2(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TRIBE_SYNC_CRM__API_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("TRIBE_SYNC_CRM__TOKEN_URL", "http://127.0.0.1:9/oauth2/token")
    monkeypatch.setenv("TRIBE_SYNC_CRM__MAX_RETRIES", "0")
    monkeypatch.setenv("TRIBE_SYNC_STORE__URL", f"sqlite:///{tmp_path / 'journal.db'}")
    result = cli("jobs", "run", "audit", "--today", "2026-12-01", "--allow-future", "--json")
    assert result.code == 2, "nothing answers at crm.token_url: a configuration error"
    document = json.loads(result.out)
    assert (document["job"], document["today"], document["changes"]) == ("audit", "2026-12-01", [])
    assert document["problems"][0]["code"] == "run_failed"
    assert "127.0.0.1:9" in document["error"]
    assert "Check crm.token_url (set by TRIBE_SYNC_CRM__TOKEN_URL)" in document["error"]


def test_problems_are_named_as_staff_find_them_in_tribe_with_a_link(
    cli: Cli, tenant: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIBE_SYNC_CRM__RECORD_URL", "https://app.tribecrm.nl/entity/{id}")
    result = cli("jobs", "run", "audit", "--today", "2026-12-01", "--dry-run", "--json")
    assert result.code == 0, result.err
    problems = json.loads(result.out)["problems"]
    assert problems
    for found in problems:
        assert found["url"] == f"https://app.tribecrm.nl/entity/{found['record_id']}"
    requests = [p for p in problems if p["entity"] == "request"]
    assert requests
    assert all(p["label"].startswith("AD") for p in requests if p["code"] != "invalid_order_number")
    late = [p for p in problems if p["code"] == "late_forecast"]
    assert late
    for found in late:  # "Bibliotheek Noord, K1 2027"; the JSON keeps the ISO quarter
        year, number = found["quarter"].split("-Q")
        assert found["label"] == f"{found['organisation']}, K{number} {year}"
    human = cli("jobs", "run", "audit", "--today", "2026-12-01", "--dry-run")
    assert "https://app.tribecrm.nl/entity/" in human.out
    assert "None" not in human.out


def test_a_staff_command_while_the_job_runs_is_refused_and_writes_nothing(
    cli: Cli, tenant: RunningSandbox, tmp_path: Path
) -> None:
    journal = open_journal(f"sqlite:///{tmp_path / 'journal.db'}")
    now = dt.datetime.now(dt.UTC)
    journal.claim("job:close-delivery-months", "elsewhere:1:x", now, dt.timedelta(hours=1))
    result = cli("months", "open", "2026-12", "--reason", "nalevering", "--by", "anna")
    assert result.code == 1
    said = " ".join(result.err.split())
    assert (
        "fout: Leveringsmaanden sluiten (close-delivery-months) is nu bezig; er is niets vastgelegd" in said
    )
    assert "Probeer het opnieuw als die klaar is (uiterlijk " in said
    assert [c for c in tenant.state.calls() if c.method != "GET"] == []
    journal.release("job:close-delivery-months", "elsewhere:1:x")
    assert cli("months", "open", "2026-12", "--reason", "nalevering", "--by", "anna").code == 0
    journal.close()


def test_requests_show_tells_one_request_s_status_history_with_who_and_why(
    cli: Cli, tenant: RunningSandbox
) -> None:
    run = json.loads(
        cli("jobs", "run", "progress-statuses", "--today", "2026-12-01", "--allow-future", "--json").out
    )
    moved = [c for c in run["changes"] if c.get("kind") == "move_status" and c.get("outcome") == "applied"]
    assert moved, "allocation moves requests on the first of the month"
    number = moved[0]["label"]
    shown = json.loads(cli("requests", "show", number, "--json").out)
    assert shown["request"]["order_number"] == number
    [step, *_] = shown["history"]
    assert step["by"] == "job:progress-statuses"
    assert step["reason"]
    assert set(shown) == {"request", "history", "stock", "tasks", "problems", "as_of"}
    assert cli("requests", "show", "AD1999-99999").code == 2


def test_requests_show_reads_as_staff_write_it_names_dutch_labels_and_local_times_no_ids_or_dicts(
    cli: Cli, tenant: RunningSandbox
) -> None:
    run = json.loads(
        cli("jobs", "run", "progress-statuses", "--today", "2026-12-01", "--allow-future", "--json").out
    )
    allocated = next(
        c for c in run["changes"] if c.get("kind") == "move_status" and c.get("outcome") == "applied"
    )
    number = allocated["label"]
    request = json.loads(cli("requests", "show", number, "--json").out)["request"]
    shown = cli("requests", "show", number)
    assert shown.code == 0
    assert f"Aanvraag {number}" in shown.out
    assert request["organisation"] in shown.out
    assert request["id"] not in shown.out
    assert request["organisation_id"] not in shown.out
    assert "Wacht op toekenning → Verwerking bestelling" in shown.out
    assert "tribe-sync (Toekennen en status bijwerken)" in shown.out
    assert "{" not in shown.out
    assert "'status'" not in shown.out
    months = "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
    assert re.search(rf"\d{{1,2}} ({months}) \d{{4}} \d{{2}}:\d{{2}}", shown.out)
    assert not re.search(r"\d{2}:\d{2}:\d{2}\.\d+", shown.out), "no microseconds"


def test_requests_show_says_its_stock_is_this_request_s_and_adds_the_organisation_s_total_by_name(
    cli: Cli, tenant: RunningSandbox
) -> None:
    stock = json.loads(cli("accountability", "report", "--json").out)["organisations"]
    biggest = max(stock, key=lambda r: r["in_stock"])
    requests = json.loads(cli("requests", "list", "--org", biggest["organisation_id"], "--json").out)
    one = requests["requests"][-1]  # one request of many: its own stock is not the organisation's
    shown = cli("requests", "show", one["order_number"])
    assert shown.code == 0, shown.err
    text = " ".join(shown.out.split())
    assert "Voorraad van deze aanvraag (niet de hele organisatie)" in text
    assert (
        f"{biggest['organisation']} als geheel (alle geleverde aanvragen): {biggest['in_stock']} op voorraad "
        f"({biggest['received']} ontvangen, {biggest['handed_out']} uitgegeven)"
    ) in text


def test_requests_show_gives_the_status_in_tribe_of_a_reminder_task_our_job_made_in_dutch(
    cli: Cli, tenant: RunningSandbox
) -> None:
    reminders = ("jobs", "run", "accountability-reminders", "--today", "2026-12-01", "--allow-future")
    run = json.loads(cli(*reminders, "--json").out)
    made = {c["key"] for c in run["changes"] if c["kind"] == "create_task" and c["outcome"] == "applied"}
    assert made
    tasks = tenant.state.store.all("Activity_Task")
    assert all(t.get("Phase") for t in tasks if t.get("ImportId") in made), "created in the open phase"
    organisation = next(iter(made)).rsplit("/", 1)[1]
    request = json.loads(cli("requests", "list", "--org", organisation, "--json").out)["requests"][0]
    shown = json.loads(cli("requests", "show", request["order_number"], "--json").out)
    assert shown["tasks"]
    assert {t["status"] for t in shown["tasks"]} == {"OPEN"}
    table = cli("requests", "show", request["order_number"]).out
    assert re.search(r"herinnering verantwoording, K4 2026\s*│\s*open\s*│", table)


def test_a_confirmation_for_a_request_tribe_holds_but_that_cannot_be_read_says_so_with_its_problem(
    cli: Cli, tenant: RunningSandbox, tmp_path: Path
) -> None:
    path, numbers = confirmations(tmp_path, tenant, cli)
    store = tenant.state.store
    (record,) = [r for r in store.all("Activity_SalesOrder") if r.get("Number") == numbers[0]]
    store.update(
        "Activity_SalesOrder", record["ID"], {"Phase": None}, dt.datetime(2026, 12, 2, tzinfo=dt.UTC)
    )
    path.write_text(f"ordernummer;bevestigd_op\n{numbers[0]};2026-12-03\n")
    result = cli("processor", "import", str(path))
    assert result.code == 2
    said = " ".join(result.err.split())
    assert f"regel 2: {numbers[0]} staat in Tribe maar is niet te lezen: verplicht veld" in said
    assert "(missing_field)" in said
    assert "not a known request" not in said
    assert "is empty" not in said, "the problem's Dutch message, not its English one"


def test_the_summary_under_the_dutch_confirmations_table_is_dutch_too(
    cli: Cli, tenant: RunningSandbox, tmp_path: Path
) -> None:
    path, numbers = confirmations(tmp_path, tenant, cli)
    path.write_text(f"sep=;\nordernummer;bevestigd_op\n{numbers[0]};2026-12-03\n")
    result = cli("processor", "import", str(path), "--dry-run")
    assert result.code == 0, result.err
    assert "1 regel: 1 worden vastgelegd (proefrun, niets geschreven), 0 stonden er al zo" in result.err
    assert "line(s)" not in result.err
    assert "proefdraai" not in result.err, "a dry run is a proefrun, as jobs run says"


def test_the_confirmations_table_has_dutch_dates_and_a_heading_over_every_column(
    cli: Cli, tenant: RunningSandbox, tmp_path: Path
) -> None:
    path, numbers = confirmations(tmp_path, tenant, cli)
    path.write_text(f"ordernummer;bevestigd_op;leverdatum\n{numbers[0]};03-12-2026;2026-12-10\n")
    assert cli("processor", "import", str(path)).code == 0
    older = tmp_path / "oud.csv"
    older.write_text(f"ordernummer;bevestigd_op\n{numbers[0]};2026-12-02\n{numbers[1]};2026-12-04\n")
    result = cli("processor", "import", str(older), "--dry-run")
    assert result.code == 0, result.err
    header = next(line for line in result.out.splitlines() if "regel" in line and "aanvraag" in line)
    assert [cell.strip() for cell in header.strip("┃ ").split("┃")] == [
        "regel",
        "aanvraag",
        "bevestigd op",
        "leverdatum",
        "uitkomst",
    ]
    rows = {line.split("│")[2].strip(): line for line in result.out.splitlines() if "│ AD20" in line}
    assert "│ 2 december 2026 " in rows[numbers[0]]
    assert "nieuwere bevestiging (3 december 2026) blijft staan" in rows[numbers[0]]
    assert "│ 4 december 2026 " in rows[numbers[1]]
    assert "wordt vastgelegd" in rows[numbers[1]]
    assert "2026-12-0" not in result.out, "dates in words, as the other staff tables"


def test_the_dry_run_table_staff_read_is_dutch_while_json_keeps_its_machine_values(
    cli: Cli, tenant: RunningSandbox
) -> None:
    result = cli("jobs", "run", "progress-statuses", "--today", "2026-12-01", "--dry-run")
    assert result.code == 0, result.err
    table = result.out + result.err
    assert "toegekend in ronde 1 van december 2026" in table
    assert "overgedragen aan " in table
    assert " aanvragen: AD2026-" in table
    assert "gepland" in table
    for english in ("allocated in round", "handed off to", "aanvra(a)g(en)", "│ planned", "│ applied"):
        assert english not in table
    document = json.loads(
        cli("jobs", "run", "progress-statuses", "--today", "2026-12-01", "--dry-run", "--json").out
    )
    assert {c["outcome"] for c in document["changes"]} == {"planned"}
    assert {c["kind"] for c in document["changes"]} >= {"move_status", "hand_off"}


def test_a_dry_runs_tables_are_dutch_held_requests_under_aangehouden_with_dutch_reasons(
    cli: Cli, tenant: RunningSandbox
) -> None:
    result = cli("jobs", "run", "progress-statuses", "--today", "2026-12-01", "--dry-run")
    assert result.code == 0, result.err
    assert "Aangehouden (" in result.out, "the list's name on every staff surface (console.labels.HELD)"
    assert "Tegengehouden" not in result.out
    assert "blijft wachten" in result.out
    assert "Problemen (" in result.out
    for english in ("Held back", "stays waiting", "Problems (", "what is wrong"):
        assert english not in result.out, english
    assert "Toekennen en status bijwerken (progress-statuses) voor 1 december 2026" in result.err
    assert "proefrun, niets geschreven" in result.err


def test_an_organisation_allocated_without_a_cap_is_its_own_note_not_aangehouden(
    cli: Cli, tenant: RunningSandbox
) -> None:
    document = json.loads(
        cli("jobs", "run", "progress-statuses", "--today", "2026-12-01", "--dry-run", "--json").out
    )
    uncapped = [n for n in document["held"] if n["code"] == "no_forecast" and "without a cap" in n["message"]]
    assert uncapped, "the seeded tenant allocates an organisation without a forecast (policy allow)"
    result = cli("jobs", "run", "progress-statuses", "--today", "2026-12-01", "--dry-run")
    assert f"Toegekend zonder plafond ({len(uncapped)})" in result.out
    held_table = result.out.split("Aangehouden (", 1)[1].split("Toegekend zonder plafond", 1)[0]
    assert "toegekend zonder kwartaalplafond" not in held_table
    for note in uncapped:
        assert note["label"] not in held_table


def test_plans_show_lists_held_and_uncapped_as_jobs_run_and_runs_show_do(
    cli: Cli, tenant: RunningSandbox
) -> None:
    submitted = cli(
        "jobs", "plan", "progress-statuses", "--today", "2026-12-01", "--submit", "--by", "anna", "--json"
    )
    document = json.loads(submitted.out)
    uncapped = [n for n in document["held"] if n["code"] == "no_forecast" and "without a cap" in n["message"]]
    held = [n for n in document["held"] if n not in uncapped]
    assert uncapped, "the seeded tenant allocates an organisation without a forecast (policy allow)"
    assert held, "and holds requests back"
    shown = cli("plans", "show", str(document["plan_id"]))
    assert shown.code == 0, shown.err
    assert f"Aangehouden ({len(held)})" in shown.out
    assert f"Toegekend zonder plafond ({len(uncapped)})" in shown.out
    assert "Blijft wachten (" not in shown.out
    held_table = shown.out.split("Aangehouden (", 1)[1].split("Toegekend zonder plafond", 1)[0]
    for note in uncapped:
        assert note["label"] not in held_table
    plain = shown.out.split("Toegekend zonder plafond (", 1)[1]
    for note in uncapped:
        assert note["label"] in plain


def test_the_run_summary_counts_held_and_uncapped_as_their_tables_do(
    cli: Cli, tenant: RunningSandbox
) -> None:
    document = json.loads(
        cli("jobs", "run", "progress-statuses", "--today", "2026-12-01", "--dry-run", "--json").out
    )
    uncapped = [n for n in document["held"] if n["code"] == "no_forecast" and "without a cap" in n["message"]]
    held = len(document["held"]) - len(uncapped)
    assert uncapped, "the seeded tenant allocates an organisation without a forecast (policy allow)"
    assert document["summary"]["held"] == len(document["held"]), "--json keeps its counts"
    result = cli("jobs", "run", "progress-statuses", "--today", "2026-12-01", "--dry-run")
    assert f"Aangehouden ({held})" in result.out
    assert f"Toegekend zonder plafond ({len(uncapped)})" in result.out
    summary = " ".join(result.err.split())
    assert f"aangehouden {held}, toegekend zonder plafond {len(uncapped)}" in summary
