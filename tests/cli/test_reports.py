from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from zoneinfo import ZoneInfo

import pytest

from tests.cli.conftest import Cli
from tribe_sync.sandbox.server import RunningSandbox

pytestmark = pytest.mark.sandbox  # a live sandbox server on loopback (not in make test-fast)


def test_requests_list_filters_and_prints_one_document_with_problems_and_its_age(
    cli: Cli, crm_env: RunningSandbox
) -> None:
    document = json.loads(cli("requests", "list", "--json").out)
    assert set(document) == {"requests", "problems", "as_of"}
    everything = document["requests"]
    waiting = json.loads(cli("requests", "list", "--status", "wacht op toekenning", "--json").out)["requests"]
    assert 0 < len(waiting) < len(everything)
    assert {r["status"] for r in waiting} == {"WAITING"}
    month = waiting[0]["month"]
    by_month = json.loads(cli("requests", "list", "--month", month, "--json").out)["requests"]
    assert {r["month"] for r in by_month} == {month}
    assert cli("requests", "list", "--status", "lost").code == 2
    assert cli("requests", "list", "--month", "januari").code == 2


def test_requests_list_shows_every_request_that_does_not_map_as_a_problem_with_its_order_number(
    cli: Cli, crm_env: RunningSandbox
) -> None:
    crm = crm_env.state.store.all("Activity_SalesOrder")
    document = json.loads(cli("requests", "list", "--json").out)
    listed = {r["order_number"] for r in document["requests"]}
    problems = {p["order_number"]: p for p in document["problems"] if p["set"] == "requests"}
    assert problems, "the sandbox seeds requests that do not map"
    assert listed | set(problems) == {r["Number"] for r in crm}
    table = cli("requests", "list")
    assert "Problemen (" in table.out
    for number, found in problems.items():
        assert number in table.out
        assert found["message_nl"]
    assert "s oud" in table.err


def test_requests_list_by_organisation_and_a_name_that_matches_none_says_so(
    cli: Cli, crm_env: RunningSandbox
) -> None:
    first = json.loads(cli("requests", "list", "--json", "--limit", "1").out)["requests"][0]
    mine = json.loads(cli("requests", "list", "--org", first["organisation"], "--json").out)["requests"]
    assert mine
    assert {r["organisation_id"] for r in mine} == {first["organisation_id"]}
    none = cli("requests", "list", "--org", "Stichting Bestaat Niet")
    assert none.code == 2
    assert "no organisation matches" in none.err
    newest = json.loads(cli("requests", "list", "--newest-first", "--limit", "3", "--json").out)["requests"]
    assert len(newest) == 3
    assert newest[0]["requested_on"] >= newest[-1]["requested_on"]


def test_after_one_refresh_the_staff_lists_make_no_crm_call(cli: Cli, crm_env: RunningSandbox) -> None:
    assert cli("mirror", "refresh", "--json").code == 0
    before = len(crm_env.state.calls())
    for command in (
        ("requests", "list"),
        ("months", "list"),
        ("forecasts", "list"),
        ("accountability", "report"),
    ):
        assert cli(*command, "--json").code == 0, command
    assert len(crm_env.state.calls()) == before


def test_forecasts_list_tells_effective_superseded_and_late_apart(cli: Cli, crm_env: RunningSandbox) -> None:
    document = json.loads(cli("forecasts", "list", "--json").out)
    assert set(document) == {"forecasts", "problems", "as_of"}
    assert {r["state"] for r in document["forecasts"]} == {"effective", "superseded", "late"}
    late = json.loads(cli("forecasts", "list", "--state", "late", "--json").out)["forecasts"]
    assert late
    assert {r["state"] for r in late} == {"late"}
    assert cli("forecasts", "list", "--quarter", "5").code == 2


def test_the_accountability_report_as_table_json_and_csv(cli: Cli, crm_env: RunningSandbox) -> None:
    document = json.loads(cli("accountability", "report", "--json").out)
    rows = document["organisations"]
    assert rows
    assert all(r["in_stock"] == r["received"] - r["handed_out"] for r in rows)
    assert document["totals"]["in_stock"] == sum(r["in_stock"] for r in rows)
    csv_lines = cli("accountability", "report", "--csv").out.splitlines()
    assert csv_lines[0] == (
        "organisatie;ontvangen;uitgegeven;op voorraad;oudste levering met voorraad;laatste verantwoording"
    )
    assert len(csv_lines) == len(rows) + 1
    assert rows[0]["organisation"] in csv_lines[1]
    assert not any(r["organisation_id"] in line for r in rows for line in csv_lines), "names, not IDs"
    assert (
        "Verantwoording aan het eind van K3 2026"
        in cli("accountability", "report", "--quarter", "2026-Q3").out
    )
    assert cli("accountability", "report", "--quarter", "Q3").code == 2


def test_mirror_status_says_per_set_how_old_it_is_and_a_full_refresh_what_it_removed(
    cli: Cli, crm_env: RunningSandbox
) -> None:
    full = json.loads(cli("mirror", "refresh", "--full", "--json").out)["sets"]
    assert {s["mode"] for s in full} == {"full"}
    status = json.loads(cli("mirror", "status", "--json").out)
    by_set = {s["set"]: s for s in status["sets"]}
    assert {"organisations", "requests", "months", "forecasts", "reports", "tasks"} <= set(by_set)
    assert by_set["requests"]["records"] > 0
    assert by_set["requests"]["age_s"] is not None
    assert by_set["requests"]["last_full_at"]


def test_requests_show_of_a_request_that_does_not_map_shows_why(cli: Cli, crm_env: RunningSandbox) -> None:
    problems = json.loads(cli("requests", "list", "--json").out)["problems"]
    broken = next(p for p in problems if p["set"] == "requests" and p["code"] == "no_product_line")
    shown = json.loads(cli("requests", "show", broken["order_number"], "--json").out)
    assert shown["request"] is None
    assert [p["code"] for p in shown["problems"]] == ["no_product_line"]
    table = cli("requests", "show", broken["order_number"])
    assert (table.code, "de aanvraag heeft geen productregel" in table.out) == (0, True)


def test_requests_show_of_an_unknown_number_says_so_in_dutch_at_local_time(
    cli: Cli, crm_env: RunningSandbox
) -> None:
    def local_minute() -> str:
        as_of = dt.datetime.fromisoformat(json.loads(cli("requests", "list", "--json").out)["as_of"])
        return f"{as_of.astimezone(ZoneInfo('Europe/Amsterdam')):%H:%M})"

    before = local_minute()
    result = cli("requests", "show", "AD2026-99999")
    after = local_minute()
    said = " ".join(result.err.replace("│", " ").split())
    assert result.code == 2
    assert "er is geen aanvraag AD2026-99999 in Tribe (stand van " in said
    assert before in said or after in said, "the time staff read is local, like the rest"
    assert "no request" not in said


def test_requests_list_heads_the_order_number_column_ordernummer(cli: Cli, crm_env: RunningSandbox) -> None:
    header = next(line for line in cli("requests", "list").out.splitlines() if "organisatie" in line)
    assert header.split()[1] == "ordernummer"


def test_requests_list_for_one_month_shows_that_months_problems_and_counts_the_others(
    cli: Cli, crm_env: RunningSandbox
) -> None:
    everything = json.loads(cli("requests", "list", "--json").out)
    by_month = Counter(r["month"] for r in everything["requests"])
    month = by_month.most_common()[-1][0]
    listed = [r for r in everything["requests"] if r["month"] == month]
    ours = [
        p
        for p in everything["problems"]
        if (p["set"], p["record_id"]) in {("requests", r["id"]) for r in listed}
        or (p["set"], p["record_id"]) in {("organisations", r["organisation_id"]) for r in listed}
    ]
    others = len(everything["problems"]) - len(ours)
    assert others > 0, "the tenant has problems outside the month"

    result = cli("requests", "list", "--month", month, "--fresh")
    said = " ".join(result.err.replace("│", " ").split())
    shown = " ".join(result.out.replace("│", " ").split())
    assert result.code == 0
    assert (f"Problemen ({len(ours)})" in shown) if ours else ("Problemen (" not in shown)
    assert f"{others} {'ander probleem' if others == 1 else 'andere problemen'} buiten deze selectie" in said
    assert "(zojuist uit Tribe gelezen)" in said
    assert "--fresh leest Tribe opnieuw" not in said, "not the hint to do what was just done"

    unfiltered = cli("requests", "list")
    assert f"Problemen ({len(everything['problems'])})" in " ".join(unfiltered.out.replace("│", " ").split())
    assert "buiten deze selectie" not in unfiltered.err
