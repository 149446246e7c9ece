"""The pages on the read model, against a small sandbox tenant: the numbers staff read are the read
model's, closing a month goes through the executor with the person as actor."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from sqlalchemy import delete

from tests.console.conftest import T0, ConsoleWorld, login, make_world
from tribe_sync.config import Settings
from tribe_sync.console.labels import PROBLEM_TITLES, PROCESSOR_NOT_YET_KNOWN, problem_title
from tribe_sync.demo import sandbox_settings
from tribe_sync.domain.problems import ProblemCode
from tribe_sync.domain.statuses import RequestStatus
from tribe_sync.sandbox import tenant as t
from tribe_sync.sandbox.server import RunningSandbox, build_state, start
from tribe_sync.store.readmodel.refresh import REFRESH_CLAIM, CatalogueKind
from tribe_sync.store.tables import mirror_catalogue

Tenant = tuple[ConsoleWorld, RunningSandbox]


def test_the_month_chart_and_table_show_the_read_models_numbers(tenant_world: Tenant) -> None:
    world, _ = tenant_world
    client = world.client()
    login(client, "lees")
    page = client.get("/leveringsmaanden").text
    months = world.services.read_model.months()
    assert months
    shown = {
        m: (int(r), c)
        for m, r, c in re.findall(r'data-month="([\d-]+)" data-requested="(\d+)" data-capacity="(\d*)"', page)
    }
    for month in months:
        if month.month in shown:
            assert shown[month.month] == (
                month.requested,
                "" if month.capacity is None else str(month.capacity),
            )
    assert "Gegevens uit Tribe van" in page
    assert "Sluiten" not in page, "a viewer gets no close button"


def test_an_approver_closes_a_month_with_a_reason_through_the_executor(tenant_world: Tenant) -> None:
    world, _ = tenant_world
    client = world.client()
    token = login(client, "beslis")
    page = client.get("/leveringsmaanden").text
    open_month = re.search(r'action="/leveringsmaanden/([\d-]+)/sluiten"', page)
    assert open_month is not None
    code = open_month.group(1)
    assert client.post(f"/leveringsmaanden/{code}/sluiten", data={"csrf_token": token}).status_code == 400
    done = client.post(f"/leveringsmaanden/{code}/sluiten", data={"csrf_token": token, "reden": "vol genoeg"})
    assert done.status_code == 200
    assert "is gesloten (run" in done.text
    (month,) = [m for m in world.services.read_model.months() if m.month == code]
    assert (month.is_open, month.closed_by, month.closed_reason) == (False, "staff", "vol genoeg")
    (run,) = world.services.journal.runs(limit=1)
    (entry,) = world.services.journal.audit_trail(run_id=int(run["id"]))
    assert entry["actor"] == "staff:beslis"
    row = re.search(rf'<tr id="maand-{code}">.*?</tr>', done.text, re.S)
    assert row is not None
    assert "medewerker (beslis)" in row.group(0), "Gesloten door names the person, not just 'medewerker'"
    reopened = client.post(
        f"/leveringsmaanden/{code}/openen", data={"csrf_token": token, "reden": "toch ruimte"}
    )
    assert "is heropend" in reopened.text
    row = re.search(rf'<tr id="maand-{code}">.*?</tr>', reopened.text, re.S)
    assert row is not None
    assert "heropend door medewerker (beslis)" in row.group(0), "an open month is not 'closed by' anyone"


def test_requests_filter_by_status_organisation_month_and_number(tenant_world: Tenant) -> None:
    world, _ = tenant_world
    client = world.client()
    login(client, "lees")
    client.get("/aanvragen")
    waiting = list(world.services.read_model.requests(status=RequestStatus.WAITING))
    page = client.get("/aanvragen", params={"status": "WAITING"}).text
    assert waiting[0].order_number in page or len(waiting) > 200
    assert "Gesloten</td>" not in page
    one = waiting[0]
    by_number = client.get("/aanvragen", params={"ordernummer": one.order_number.lower()}).text
    assert by_number.count('href="/aanvragen/AD') == 1
    partial = client.get(
        "/aanvragen", params={"organisatie": one.organisation[:6]}, headers={"HX-Request": "true"}
    )
    assert "<html" not in partial.text
    assert one.organisation in partial.text
    detail = client.get(f"/aanvragen/{one.order_number}").text
    assert one.organisation in detail
    assert "Wacht op toekenning" in detail
    assert client.get("/aanvragen/AD2099-99999").status_code == 404


def test_organisations_forecasts_and_problems_read_the_read_model(tenant_world: Tenant) -> None:
    world, _ = tenant_world
    client = world.client()
    login(client, "lees")
    organisations = client.get("/organisaties").text
    stock = world.services.read_model.stock()
    assert stock[0].organisation in organisations
    forecasts = client.get("/prognoses").text
    assert "<h2>Telt</h2>" in forecasts, "forecasts list's word for a forecast that counts"
    assert "Op tijd" not in forecasts
    assert "Deadline" in forecasts
    problems = client.get("/problemen").text
    found = list(world.services.read_model.problems())
    assert found, "the seeded tenant has broken records"
    for problem in found:
        if problem.order_number:
            assert problem.order_number in problems
    assert "Traceback" not in problems


def test_a_request_with_problems_is_found_by_its_number_and_says_what_is_wrong(tenant_world: Tenant) -> None:
    world, _ = tenant_world
    client = world.client()
    login(client, "lees")
    client.get("/problemen")  # the read model is refreshed for it
    found = list(world.services.read_model.problems(["requests"]))
    breaking = next(p for p in found if p.mapped and p.order_number)
    page = client.get(f"/aanvragen/{breaking.order_number}")
    assert page.status_code == 200
    assert "Problemen (" in page.text
    assert breaking.message_nl.replace("'", "&#39;") in page.text
    unreadable = next(p for p in found if not p.mapped and p.order_number)
    page = client.get(f"/aanvragen/{unreadable.order_number}")
    assert page.status_code == 200
    assert "kan haar niet lezen" in page.text
    assert unreadable.message_nl.replace("'", "&#39;") in page.text


def test_a_report_above_what_was_received_is_on_problemen_and_its_request_until_it_is_corrected(
    tenant_world: Tenant,
) -> None:
    world, sandbox = tenant_world
    store = sandbox.state.store
    delivered = {str(r["ID"]): r for r in store.all("Activity_SalesOrder") if r.get(t.R_DELIVERY_DATE)}
    report = next(a for a in store.all(t.REPORT) if _nav(a[t.A_REQUEST]) in delivered)
    number, reported = delivered[_nav(report[t.A_REQUEST])]["Number"], report[t.A_HANDED_OUT]
    store.update(t.REPORT, report["ID"], {t.A_HANDED_OUT: 10_000}, sandbox.state.now())
    client = world.client()
    login(client, "lees")
    problems = client.get("/problemen").text
    [found] = [p for p in world.services.read_model.problems() if p.code == "handed_out_above_received"]
    assert f"<h2>{PROBLEM_TITLES[ProblemCode.HANDED_OUT_ABOVE_RECEIVED]}</h2>" in problems
    assert number in problems
    assert found.message_nl in problems
    assert "Verbeter de verantwoording" in problems
    assert found.message_nl in client.get(f"/aanvragen/{number}").text

    store.update(t.REPORT, report["ID"], {t.A_HANDED_OUT: reported}, sandbox.state.now())
    world.clock.advance(dt.timedelta(minutes=10))  # older than mirror.max_age_s: a delta is due
    problems = client.get("/problemen").text
    assert found.message_nl not in problems
    assert f"<h2>{PROBLEM_TITLES[ProblemCode.HANDED_OUT_ABOVE_RECEIVED]}</h2>" not in problems
    assert found.message_nl not in client.get(f"/aanvragen/{number}").text


def _nav(value: object) -> str:
    return str(value["ID"] if isinstance(value, dict) else value)


def test_every_kind_of_problem_has_a_dutch_title_and_problemen_shows_no_codes(tenant_world: Tenant) -> None:
    assert set(PROBLEM_TITLES) == set(ProblemCode), "a new code needs its Dutch title"
    world, _ = tenant_world
    client = world.client()
    login(client, "lees")
    page = client.get("/problemen").text
    cards = re.findall(r'<div class="card"><h2>([^<]*)</h2>', page)
    assert cards, "the seeded tenant has problems"
    for title in cards:
        assert "_" not in title, f"a raw code as a card's title: {title}"
    codes = {p.code for p in world.services.read_model.problems()}
    for code in codes:
        assert f"<h2>{problem_title(code)}</h2>" in page
    assert problem_title("not_a_code_yet") == "Ander probleem"


def test_prognoses_and_a_request_show_the_products_name_not_its_code(tenant_world: Tenant) -> None:
    world, _ = tenant_world
    client = world.client()
    login(client, "lees")
    client.get("/aanvragen")  # the requests' refresh reads the catalogue
    forecasts = client.get("/prognoses").text
    names = world.services.read_model.product_names()
    assert names, "the catalogue keeps each product's name"
    code, name = next(iter(names.items()))
    assert code != name
    assert f"<td>{name}</td>" in forecasts
    assert f"<td>{code}</td>" not in forecasts
    request = next(r for r in world.services.read_model.requests() if r.product == code)
    page = client.get(f"/aanvragen/{request.order_number}").text
    assert f"× {name}</dd>" in page


def test_when_tribe_cannot_be_reached_a_page_shows_the_stored_copy_and_says_so(tmp_path: Path) -> None:
    with start(build_state(scale="small", seed=4, anchor=T0.date())) as sandbox:
        sandbox.state.fixed_now = T0
        world = make_world(tmp_path, sandbox_settings(Settings(crm={"max_retries": 0}), sandbox, tmp_path))  # type: ignore[arg-type]
        try:
            client = world.client()
            login(client, "lees")
            filled = client.get("/leveringsmaanden").text
            world.clock.advance(dt.timedelta(minutes=10))  # older than mirror.max_age_s: due
            sandbox.state.faults.update({"fail_rate": 1.0, "fail_statuses": (503,)})
            response = client.get("/leveringsmaanden")
        finally:
            world.services.close()
    assert response.status_code == 200
    assert "Tribe is nu niet bereikbaar" in response.text
    assert _month_rows(response.text) == _month_rows(filled) != []


def test_while_another_process_refreshes_a_page_shows_what_is_there_without_waiting(
    tenant_world: Tenant,
) -> None:
    world, _ = tenant_world
    client = world.client()
    login(client, "lees")
    filled = client.get("/leveringsmaanden").text
    world.clock.advance(dt.timedelta(minutes=10))
    world.services.journal.claim(REFRESH_CLAIM, "other-host:1:abc", world.clock(), dt.timedelta(hours=1))
    page = client.get("/leveringsmaanden").text
    assert "Tribe wordt nu opnieuw gelezen" in page
    assert _month_rows(page) == _month_rows(filled) != []


def _month_rows(page: str) -> list[str]:
    return re.findall(r'data-month="[\d-]+" data-requested="\d+" data-capacity="\d*"', page)


def test_a_request_page_names_its_processor_and_says_in_words_one_not_read_yet(tenant_world: Tenant) -> None:
    world, sandbox = tenant_world
    store = sandbox.state.store
    noord = next(o for o in store.all("Relation_Organization") if o.get("Name") == "Verwerker Noord B.V.")
    processor = next(
        s for s in store.all("Relationship_Organization_Supplier") if s.get("Organization") == noord["ID"]
    )
    handled, other = [r for r in store.all("Activity_SalesOrder") if r.get("ProductLines")][:2]
    store.update(
        "Activity_SalesOrder", handled["ID"], {t.R_PROCESSOR: {"ID": processor["ID"]}}, sandbox.state.now()
    )
    client = world.client()
    login(client, "lees")
    page = client.get(f"/aanvragen/{handled['Number']}").text
    assert "<dt>Verwerker</dt><dd>Verwerker Noord B.V.</dd>" in page
    assert "<dt>Verwerker</dt><dd>—</dd>" in client.get(f"/aanvragen/{other['Number']}").text
    with world.services.journal.engine.begin() as tx:  # as a store filled before processors were kept
        tx.execute(delete(mirror_catalogue).where(mirror_catalogue.c.kind == CatalogueKind.PROCESSORS.value))
    before = len(sandbox.state.calls(path_prefix="/"))
    page = client.get(f"/aanvragen/{handled['Number']}").text
    assert len(sandbox.state.calls(path_prefix="/")) == before, "the page asks Tribe nothing for it"
    assert f"<dt>Verwerker</dt><dd>{PROCESSOR_NOT_YET_KNOWN}</dd>" in page
    assert str(processor["ID"]) not in page
