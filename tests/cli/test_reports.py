from __future__ import annotations

import datetime as dt
import itertools
import json
from collections import Counter
from typing import cast
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, update

from tests.cli.conftest import Cli
from tribe_sync.cli import output
from tribe_sync.cli.context import AppContext
from tribe_sync.cli.reports import organisation_ids
from tribe_sync.cli.wording import day_words, forecast_state_words
from tribe_sync.domain.calendar import Month, Quarter
from tribe_sync.sandbox import tenant as t
from tribe_sync.sandbox.server import RunningSandbox
from tribe_sync.store.journal import store_engine
from tribe_sync.store.readmodel.queries import OrganisationRow, ReadModel
from tribe_sync.store.tables import mirror_quarter_stock, mirror_sets

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
    said = " ".join(none.err.split())
    assert "fout: --org: geen organisatie gevonden bij 'Stichting Bestaat Niet'" in said
    assert "Invalid value" not in said
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


def test_a_report_above_what_was_received_is_said_by_the_report_and_requests_show_until_it_is_corrected(
    cli: Cli, crm_env: RunningSandbox, store: str
) -> None:
    sandbox = crm_env.state
    delivered = {
        str(r["ID"]): r for r in sandbox.store.all("Activity_SalesOrder") if r.get(t.R_DELIVERY_DATE)
    }
    report = next(a for a in sandbox.store.all(t.REPORT) if _nav(a[t.A_REQUEST]) in delivered)
    request, reported = delivered[_nav(report[t.A_REQUEST])], report[t.A_HANDED_OUT]
    number = request["Number"]
    sandbox.store.update(t.REPORT, report["ID"], {t.A_HANDED_OUT: 10_000}, sandbox.now())
    try:
        assert cli("mirror", "refresh", "--full").code == 0
        document = json.loads(cli("accountability", "report", "--json").out)
        [found] = [p for p in document["problems"] if p["code"] == "handed_out_above_received"]
        assert (found["set"], found["order_number"], found["label"]) == ("requests", number, number)
        assert "uitgegeven, meer dan de" in found["message_nl"]
        [row] = [line for line in cli("accountability", "report").out.splitlines() if number in line]
        assert found["message_nl"] in row
        assert "aanvraag" in row
        shown = json.loads(cli("requests", "show", number, "--json").out)
        assert "handed_out_above_received" in {p["code"] for p in shown["problems"]}
        assert found["message_nl"] in " ".join(cli("requests", "show", number).out.split())
        assert_status_counts_what_the_report_says(cli)
    finally:
        sandbox.store.update(t.REPORT, report["ID"], {t.A_HANDED_OUT: reported}, sandbox.now())
    assert cli("mirror", "refresh").code == 0  # a delta
    document = json.loads(cli("accountability", "report", "--json").out)
    assert "handed_out_above_received" not in {p["code"] for p in document["problems"]}
    assert "handed_out_above_received" not in cli("accountability", "report").out
    shown = json.loads(cli("requests", "show", number, "--json").out)
    assert "handed_out_above_received" not in {p["code"] for p in shown["problems"]}
    assert_status_counts_what_the_report_says(cli)


def assert_status_counts_what_the_report_says(cli: Cli) -> None:
    """`mirror status`'s problems per set are those the lists say, derived ones included."""
    counts = {
        row["set"]: row["problems"] for row in json.loads(cli("mirror", "status", "--json").out)["sets"]
    }
    listed = Counter(p["set"] for p in json.loads(cli("accountability", "report", "--json").out)["problems"])
    for name in ("organisations", "requests", "reports"):
        assert counts[name] == listed[name], name


def _nav(value: object) -> str:
    return str(value["ID"] if isinstance(value, dict) else value)


@pytest.mark.parametrize("written", ["K3 2026", "K3-2026", "k3-2026", "2026-Q3"])
def test_the_accountability_report_takes_a_quarter_as_its_heading_writes_it(
    cli: Cli, crm_env: RunningSandbox, written: str
) -> None:
    result = cli("accountability", "report", "--quarter", written)
    assert result.code == 0
    assert "Verantwoording aan het eind van K3 2026" in result.out


def test_the_accountability_report_of_a_quarter_before_any_delivery_says_why_it_is_all_zeros(
    cli: Cli, crm_env: RunningSandbox
) -> None:
    result = cli("accountability", "report", "--quarter", "K1 2000")
    assert result.code == 0
    assert "Verantwoording aan het eind van K1 2000" in result.out
    assert "Nog geen organisatie had aan het eind van K1 2000 laptops ontvangen." in " ".join(
        result.err.split()
    )


def test_the_accountability_report_of_a_quarter_to_come_is_refused_and_the_current_one_is_so_far(
    cli: Cli, crm_env: RunningSandbox
) -> None:
    today = dt.date.today()  # the CLI's clock: the real date
    current = f"K{(today.month - 1) // 3 + 1} {today.year}"
    future = cli("accountability", "report", "--quarter", "2099-Q1")
    said = " ".join(future.err.split())
    assert (future.code, future.out) == (2, "")
    assert f"K1 2099 is nog niet begonnen; te rapporteren zijn de kwartalen tot en met {current}" in said
    now = cli("accountability", "report", "--quarter", current)
    assert now.code == 0
    assert f"Verantwoording {current} tot nu toe" in now.out


@pytest.mark.parametrize(
    ("said", "code"), [("te laat", "late"), ("TELT", "effective"), ("Vervangen", "superseded")]
)
def test_forecasts_list_takes_the_state_as_the_table_says_it(
    cli: Cli, crm_env: RunningSandbox, said: str, code: str
) -> None:
    by_code = json.loads(cli("forecasts", "list", "--state", code, "--json").out)["forecasts"]
    by_word = json.loads(cli("forecasts", "list", "--state", said, "--json").out)["forecasts"]
    assert by_word == by_code
    assert by_word


def test_requests_list_says_a_wrong_status_in_dutch(cli: Cli, crm_env: RunningSandbox) -> None:
    result = cli("requests", "list", "--status", "FOO")
    said = " ".join(result.err.split())
    assert result.code == 2
    assert "fout: --status: 'FOO' is geen status; kies uit wacht op toekenning," in said
    assert "Invalid value" not in said


def test_requests_list_cut_by_limit_says_how_many_there_are(cli: Cli, crm_env: RunningSandbox) -> None:
    waiting = json.loads(cli("requests", "list", "--status", "WAITING", "--json").out)["requests"]
    assert len(waiting) > 2
    cut = " ".join(cli("requests", "list", "--status", "WAITING", "--limit", "2").out.split())
    assert f"Aanvragen (2 van {len(waiting)})" in cut
    whole = " ".join(cli("requests", "list", "--status", "WAITING", "--limit", str(len(waiting))).out.split())
    assert f"Aanvragen ({len(waiting)})" in whole


def test_requests_list_cut_by_limit_alone_shows_every_problem_of_the_programme(
    cli: Cli, crm_env: RunningSandbox
) -> None:
    problems = json.loads(cli("requests", "list", "--json").out)["problems"]
    result = cli("requests", "list", "--limit", "2")
    assert f"Problemen ({len(problems)})" in " ".join(result.out.split())
    assert "buiten deze selectie" not in result.err


def test_requests_list_of_a_month_tribe_does_not_have_says_so(cli: Cli, crm_env: RunningSandbox) -> None:
    result = cli("requests", "list", "--month", "2031-05")
    assert result.code == 0
    assert "er is geen leveringsmaand mei 2031 in Tribe" in " ".join(result.err.split())


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
    assert "Invalid value" not in said, "a Dutch sentence without click's English before it"


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


@pytest.mark.parametrize(
    ("command", "own_sets"),
    [(("months", "list"), {"months"}), (("accountability", "report"), {"organisations", "reports"})],
)
def test_a_view_shows_the_problems_of_what_it_shows_and_counts_the_requests_ones(
    cli: Cli, crm_env: RunningSandbox, command: tuple[str, ...], own_sets: set[str]
) -> None:
    problems = json.loads(cli(*command, "--json").out)["problems"]
    of_requests = [p for p in problems if p["set"] not in own_sets]
    assert of_requests, "the sandbox seeds requests with problems"
    assert {p["set"] for p in of_requests} == {"requests"}
    result = cli(*command)
    shown = " ".join(result.out.split())
    assert result.code == 0
    for found in of_requests:
        assert found["order_number"] not in shown
    said = " ".join(result.err.split())
    many = "probleem" if len(of_requests) == 1 else "problemen"
    assert f"{len(of_requests)} {many} bij aanvragen; `tribe-sync requests list` toont ze" in said


def test_requests_list_by_a_loose_org_says_on_stderr_how_many_and_which_organisations_it_matched(
    cli: Cli, crm_env: RunningSandbox
) -> None:
    customers = crm_env.state.store.all("Relation_Organization")
    matched = sorted(str(c["Name"]) for c in customers if "sociaal domein" in str(c.get("Name")).casefold())
    assert len(matched) > 3, "the seeded tenant has several municipalities"
    loose = cli("requests", "list", "--org", "sociaal domein", "--json")
    assert loose.code == 0
    said = " ".join(loose.err.split())
    assert (
        f"let op: --org 'sociaal domein' past bij {len(matched)} organisaties: {', '.join(matched[:3])} "
        f"en {len(matched) - 3} andere; geef de hele naam voor één organisatie"
    ) in said
    document = json.loads(loose.out)
    assert set(document) == {"requests", "problems", "as_of"}
    assert {r["organisation"] for r in document["requests"]} <= set(matched)
    exact = cli("requests", "list", "--org", matched[0])
    assert exact.code == 0
    assert "let op: --org" not in exact.err


class Named:
    """The read model's organisations, as `--org` looks them up (ID or part of a name, any case)."""

    def __init__(self, *names: str) -> None:
        self.rows = [OrganisationRow(f"id-{n}", name, True) for n, name in enumerate(names)]

    def organisations(self, needle: str) -> list[OrganisationRow]:
        return [r for r in self.rows if r.id == needle or needle.casefold() in r.name.casefold()]


def test_org_by_a_whole_name_is_that_organisation_even_inside_others_names() -> None:
    model = cast(ReadModel, Named("Bibliotheek Venlo 1", "Bibliotheek Venlo 13", "Bibliotheek Venlo 14"))
    context = cast(AppContext, None)  # nothing to say: one organisation is named
    assert organisation_ids(model, "bibliotheek venlo 1", context) == ["id-0"]
    assert organisation_ids(model, "Bibliotheek Venlo 13", context) == ["id-1"]


def test_requests_list_takes_the_month_as_the_table_shows_it(cli: Cli, crm_env: RunningSandbox) -> None:
    month = json.loads(cli("requests", "list", "--json", "--limit", "1").out)["requests"][0]["month"]
    by_code = json.loads(cli("requests", "list", "--month", month, "--json").out)["requests"]
    label = Month.parse(month).label.upper()  # "JANUARI 2027": any case
    by_label = cli("requests", "list", "--month", label, "--json")
    assert by_label.code == 0, by_label.err
    assert json.loads(by_label.out)["requests"] == by_code


@pytest.mark.parametrize("command", [("requests", "list"), ("forecasts", "list")])
@pytest.mark.parametrize("empty", ["", "   "])
def test_an_empty_org_is_a_usage_error_in_dutch_not_every_organisation(
    cli: Cli, crm_env: RunningSandbox, command: tuple[str, ...], empty: str
) -> None:
    result = cli(*command, "--org", empty)
    assert result.code == 2
    assert result.out == ""
    assert "fout: --org: geef (een deel van) de naam" in " ".join(result.err.split())


def test_forecasts_list_takes_the_quarter_as_its_column_shows_it(cli: Cli, crm_env: RunningSandbox) -> None:
    first = json.loads(cli("forecasts", "list", "--json", "--limit", "1").out)["forecasts"][0]
    year, number = (int(part) for part in first["quarter"].split("-Q"))  # "2027-Q1"
    by_number = json.loads(
        cli("forecasts", "list", "--year", str(year), "--quarter", str(number), "--json").out
    )
    by_label = cli("forecasts", "list", "--quarter", f"K{number} {year}", "--json")
    assert by_label.code == 0, by_label.err
    assert json.loads(by_label.out)["forecasts"] == by_number["forecasts"]
    other = cli("forecasts", "list", "--quarter", f"K{number} {year}", "--year", str(year + 1))
    assert other.code == 2
    assert f"valt niet in {year + 1}" in " ".join(other.err.split())


def test_forecasts_list_cut_by_limit_says_how_many_there_are_as_requests_list_does(
    cli: Cli, crm_env: RunningSandbox
) -> None:
    everything = json.loads(cli("forecasts", "list", "--json").out)["forecasts"]
    assert len(everything) > 2
    cut = " ".join(cli("forecasts", "list", "--limit", "2").out.split())
    assert f"Prognoses (2 van {len(everything)})" in cut
    whole = " ".join(cli("forecasts", "list", "--limit", str(len(everything))).out.split())
    assert f"Prognoses ({len(everything)})" in whole
    late = json.loads(cli("forecasts", "list", "--state", "late", "--json").out)["forecasts"]
    assert len(late) > 1, "the sandbox seeds late forecasts"
    cut = " ".join(cli("forecasts", "list", "--state", "late", "--limit", "1").out.split())
    assert f"Prognoses (1 van {len(late)})" in cut, "a state the rules decide is counted as it is listed"


def table_rows(out: str) -> list[list[str]]:
    """The cells of each row of the first table in `out`, drawn (rich) or plain (tab-separated)."""
    lines = out.split("\n")
    if "\t" in lines[1]:  # plain: the title, the header, then one line a row (cells between tabs)
        rows = itertools.takewhile(lambda line: "\t" in line, lines[2:])
        return [line.split("\t") for line in rows]
    drawn = lines[: next(i for i, line in enumerate(lines) if line.startswith("└"))]
    return [[cell.strip() for cell in line.strip("│").split("│")] for line in drawn if line.startswith("│")]


@pytest.fixture(params=["drawn", "plain"])
def long_tables(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """A table drawn as it is for a short list, and as plain as for the whole programme at scale (the
    module's tenant has a few hundred rows: every table counts as long here)."""
    if request.param == "plain":
        monkeypatch.setattr(output, "PLAIN_FROM", 1)
    return str(request.param)


@pytest.mark.parametrize("extra", [(), ("--limit", "7"), ("--state", "te laat")])
@pytest.mark.usefixtures("long_tables")
def test_forecasts_list_shows_each_forecast_its_json_lists_in_staffs_words_in_the_same_order(
    cli: Cli, crm_env: RunningSandbox, extra: tuple[str, ...]
) -> None:
    listed = json.loads(cli("forecasts", "list", "--json", *extra).out)["forecasts"]
    assert listed
    shown = cli("forecasts", "list", *extra).out
    every = json.loads(cli("forecasts", "list", "--json").out)["forecasts"]
    title = f"Prognoses ({len(listed)} van {len(every)})"
    assert shown.split("\n")[0].strip() == (title if "--limit" in extra else f"Prognoses ({len(listed)})")
    assert table_rows(shown) == [
        [
            f["organisation"],
            Quarter.parse(f["quarter"]).label,
            f["product"].lower(),
            str(f["quantity"]),
            day_words(f["submitted_on"]),
            day_words(f["deadline"]),
            forecast_state_words(f["state"]),
        ]
        for f in listed
    ]


@pytest.mark.parametrize("extra", [(), ("--limit", "7"), ("--status", "WAITING", "--newest-first")])
@pytest.mark.usefixtures("long_tables")
def test_requests_list_shows_each_request_its_json_lists_in_staffs_words_in_the_same_order(
    cli: Cli, crm_env: RunningSandbox, extra: tuple[str, ...]
) -> None:
    listed = json.loads(cli("requests", "list", "--json", *extra).out)["requests"]
    assert listed
    shown = cli("requests", "list", *extra).out
    title = (
        f"Aanvragen ({len(listed)} van {len(json.loads(cli('requests', 'list', '--json').out)['requests'])})"
    )
    assert shown.split("\n")[0].strip() == (title if "--limit" in extra else f"Aanvragen ({len(listed)})")
    assert table_rows(shown) == [
        [
            r["order_number"],
            r["organisation"],
            r["status_label"],
            str(r["quantity"]),
            Month.parse(r["month"]).label,
            day_words(r["requested_on"]),
            day_words(r["delivery_date"]),
        ]
        for r in listed
    ]


def test_a_report_whose_stock_is_not_worked_out_says_so_and_exits_1_instead_of_showing_zeros(
    cli: Cli, crm_env: RunningSandbox, store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The quarters' stock of a store whose table a revision added and nothing filled yet, Tribe
    unreachable: no table of zeros, no empty JSON or CSV; `store upgrade` works it out without Tribe."""
    assert cli("mirror", "refresh").code == 0
    expected = cli("accountability", "report", "--quarter", "2026-Q3", "--json").out
    engine = store_engine(store)
    with engine.begin() as tx:
        tx.execute(delete(mirror_quarter_stock))
    engine.dispose()
    monkeypatch.setenv("TRIBE_SYNC_MIRROR__MAX_AGE_S", "0")
    monkeypatch.setenv("TRIBE_SYNC_CRM__API_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("TRIBE_SYNC_CRM__TOKEN_URL", "http://127.0.0.1:9/oauth2/token")
    for shown in ((), ("--json",), ("--csv",)):
        result = cli("accountability", "report", "--quarter", "2026-Q3", *shown)
        assert (result.code, result.out) == (1, ""), shown
        said = " ".join(result.err.split())
        assert "fout: de voorraad is nog niet uitgerekend" in said
        assert "`tribe-sync store upgrade` rekent hem uit zonder Tribe" in said
    upgraded = cli("store", "upgrade")
    assert upgraded.code == 0
    assert "already at" in upgraded.err
    assert "stock worked out from the read model's stored rows" in upgraded.err
    again = cli("accountability", "report", "--quarter", "2026-Q3", "--json")
    assert again.code == 0
    assert {k: v for k, v in json.loads(again.out).items() if k != "as_of"} == {
        k: v for k, v in json.loads(expected).items() if k != "as_of"
    }


def test_a_set_due_for_a_whole_read_again_says_so_before_it_is_read(
    cli: Cli, crm_env: RunningSandbox, store: str
) -> None:
    assert cli("mirror", "refresh").code == 0
    engine = store_engine(store)
    with engine.begin() as tx:  # as a revision asks for it
        tx.execute(
            update(mirror_sets)
            .where(mirror_sets.c.name == "reports")
            .values(last_full_at=None, stale_since=dt.datetime.now(dt.UTC))
        )
    engine.dispose()
    result = cli("accountability", "report")
    assert result.code == 0
    said = " ".join(result.err.split())
    told = "De verantwoordingen worden in hun geheel opnieuw uit Tribe gelezen; dat kan even duren."
    assert told in said
    assert said.index(told) < said.index("gegevens van")
    assert "in hun geheel" not in " ".join(cli("accountability", "report").err.split()), "once"
