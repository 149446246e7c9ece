"""Plannen: a pending allocation explained round by round, Goedkeuren applies it at once through the
one executor, four eyes are honoured, Afwijzen needs a reason, a stale plan says which records moved."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.console.conftest import T0, ConsoleWorld, login
from tribe_sync.console.labels import outcome, problem_title
from tribe_sync.domain.statuses import RequestStatus
from tribe_sync.jobs.registry import JOBS
from tribe_sync.plans import service
from tribe_sync.sandbox.server import RunningSandbox
from tribe_sync.store.plans import PlanSource, PlanStatus

pytestmark = pytest.mark.sandbox

Tenant = tuple[ConsoleWorld, RunningSandbox]
REQUESTS = "Activity_SalesOrder"
PHASES = "Datastore_Phase_ActivitySalesOrder"


def submitted(world: ConsoleWorld, by: str, source: PlanSource = PlanSource.STAFF) -> int:
    """January's allocation, planned and submitted for approval; the read model refreshed as the
    console would find it."""
    world.services.mirror.refresh()
    planned = service.make_plan(JOBS["progress-statuses"], world.services, T0.date(), by=by)
    row, _ = service.submit(world.services, planned, by=by, source=source)
    return row.id


def allocated_numbers(world: ConsoleWorld, plan_id: int) -> list[str]:
    document = service.plan_store(world.services).get(plan_id).document
    return [str(c["order_number"]) for c in document["changes"] if c["step"] == "allocation"]


def status_in_crm(world: ConsoleWorld, number: str) -> RequestStatus:
    snapshot = world.services.crm.snapshot({"requests"})
    (request,) = [r for r in snapshot.requests if str(r.number) == number]
    return request.status


def held(world: ConsoleWorld, plan_id: int, code: str) -> dict[str, Any]:
    document = service.plan_store(world.services).get(plan_id).document
    return next(n for n in document["held"] if n["code"] == code)


def test_a_viewer_reads_the_allocation_round_by_round_with_reasons_but_gets_no_buttons(
    tenant_world: Tenant,
) -> None:
    world, _ = tenant_world
    plan_id = submitted(world, "beheer")
    client = world.client()
    login(client, "lees")
    overview = client.get("/").text
    assert f'<a href="/plannen/{plan_id}">Plan {plan_id}</a>: Toekennen en status bijwerken' in overview
    listing = client.get("/plannen").text
    assert f'href="/plannen/{plan_id}"' in listing
    assert "wacht op goedkeuring" in listing
    page = client.get(f"/plannen/{plan_id}")
    assert page.status_code == 200
    text = page.text
    assert "Toekenning januari 2027" in text
    assert "Ronde 1" in text
    assert "Ronde 2" in text
    first = allocated_numbers(world, plan_id)[0]
    assert f">{first}</a>" in text
    capped = held(world, plan_id, "cap")
    assert capped["label"] in text
    assert "kwartaalplafond uit de prognose van" in text, "a cap says which forecast it came from"
    assert "voor het 1e kwartaal 2027" in text
    assert "te weinig capaciteit: nog" in text
    assert "round " not in text
    assert "stays waiting" not in text, "Dutch, not the planner's English"
    assert "Goedkeuren" not in text
    assert "Afwijzen" not in text
    assert 'action="/plannen/' not in text
    assert "Wacht op toekenning → Verwerking bestelling" in text, "each change in its own words"


def test_an_approver_approves_a_colleagues_plan_and_sees_it_applied(tenant_world: Tenant) -> None:
    world, _ = tenant_world
    plan_id = submitted(world, "beheer")
    numbers = allocated_numbers(world, plan_id)
    assert status_in_crm(world, numbers[0]) is RequestStatus.WAITING
    client = world.client()
    token = login(client, "beslis")
    assert ">Goedkeuren</button>" in client.get(f"/plannen/{plan_id}").text
    answer = client.post(f"/plannen/{plan_id}/goedkeuren", data={"csrf_token": token, "notitie": "akkoord"})
    assert answer.status_code == 200, answer.text
    row = service.plan_store(world.services).get(plan_id)
    assert row.status is PlanStatus.APPLIED
    assert (row.decided_by, row.note) == ("beslis", "akkoord")
    assert f"Goedgekeurd en uitgevoerd in run {row.run_id}." in answer.text
    assert f'href="/runs/{row.run_id}"' in answer.text
    run = world.services.journal.run(int(row.run_id or 0))
    assert run is not None
    assert run["trigger"] == "approved-plan"
    assert f"{outcome(str(run['outcome']))[0]}</span>" in answer.text
    applied = int(run["counts"]["applied"])
    assert f"{applied} {'wijziging' if applied == 1 else 'wijzigingen'} geschreven" in answer.text
    assert ">Goedkeuren</button>" not in answer.text, "nothing left to decide"
    assert all(status_in_crm(world, n) is not RequestStatus.WAITING for n in numbers)
    again = client.post(f"/plannen/{plan_id}/goedkeuren", data={"csrf_token": token})
    assert again.status_code == 409
    assert "er valt niets meer over te beslissen" in again.text


def test_four_eyes_the_submitter_is_told_in_dutch_and_the_plan_stays_pending(tenant_world: Tenant) -> None:
    world, _ = tenant_world
    plan_id = submitted(world, "beslis")
    client = world.client()
    token = login(client, "beslis")
    page = client.get(f"/plannen/{plan_id}").text
    assert "een collega het goedkeuren" in page
    assert ">Goedkeuren</button>" not in page
    refused = client.post(f"/plannen/{plan_id}/goedkeuren", data={"csrf_token": token})
    assert refused.status_code == 409
    assert "U hebt dit plan zelf ingediend" in refused.text
    assert service.plan_store(world.services).get(plan_id).status is PlanStatus.PENDING
    assert world.services.journal.runs("progress-statuses") == []


def test_a_plan_the_daemon_parked_may_be_approved_by_anyone_with_the_role(tenant_world: Tenant) -> None:
    world, _ = tenant_world
    plan_id = submitted(world, "daemon", PlanSource.DAEMON)
    client = world.client()
    token = login(client, "beheer")
    page = client.get(f"/plannen/{plan_id}").text
    assert "de planner (daemon)" in page
    answer = client.post(f"/plannen/{plan_id}/goedkeuren", data={"csrf_token": token})
    assert answer.status_code == 200
    assert service.plan_store(world.services).get(plan_id).status is PlanStatus.APPLIED


def test_rejecting_needs_a_reason_and_writes_nothing(tenant_world: Tenant) -> None:
    world, _ = tenant_world
    plan_id = submitted(world, "beheer")
    client = world.client()
    token = login(client, "beslis")
    without = client.post(f"/plannen/{plan_id}/afwijzen", data={"csrf_token": token, "reden": " "})
    assert without.status_code == 400
    assert "Geef een reden op" in without.text
    answer = client.post(f"/plannen/{plan_id}/afwijzen", data={"csrf_token": token, "reden": "te vroeg"})
    assert answer.status_code == 200
    assert "Afgewezen" in answer.text
    row = service.plan_store(world.services).get(plan_id)
    assert (row.status, row.decided_by, row.note) == (PlanStatus.REJECTED, "beslis", "te vroeg")
    assert world.services.journal.runs("progress-statuses") == []
    assert status_in_crm(world, allocated_numbers(world, plan_id)[0]) is RequestStatus.WAITING
    listing = client.get("/plannen").text
    assert "Onlangs beslist" in listing
    assert "afgewezen" in listing
    assert "te vroeg" in listing


def test_a_stale_plan_is_refused_and_names_the_request_that_moved(tenant_world: Tenant) -> None:
    world, sandbox = tenant_world
    plan_id = submitted(world, "beheer")
    first = allocated_numbers(world, plan_id)[0]
    store = sandbox.state.store
    (record,) = [r for r in store.all(REQUESTS) if r.get("Number") == first]
    (closed,) = [p["ID"] for p in store.all(PHASES) if p["Code"] == "GESLOTEN"]
    store.update(REQUESTS, record["ID"], {"Phase": {"ID": closed}}, T0 + dt.timedelta(minutes=5))
    world.services.mirror.refresh()
    client = world.client()
    token = login(client, "beslis")
    page = client.get(f"/plannen/{plan_id}").text
    assert "veranderd</span>" in page, "the read model already shows the request moved"
    check = client.get(f"/plannen/{plan_id}/controle")
    assert check.status_code == 200
    assert f"Aanvraag {first} is gewijzigd" in check.text
    assert "zou nu anders uitvallen" in check.text
    refused = client.post(f"/plannen/{plan_id}/goedkeuren", data={"csrf_token": token})
    assert refused.status_code == 409
    assert "Tribe is veranderd sinds het plan is gemaakt; er is niets geschreven" in refused.text
    assert f"Aanvraag {first} is gewijzigd" in refused.text
    assert f"{first} (Toekenning): niet meer gepland" in refused.text
    assert service.plan_store(world.services).get(plan_id).status is PlanStatus.STALE
    assert world.services.journal.runs("progress-statuses") == []
    later = client.get(f"/plannen/{plan_id}").text
    assert "Dit plan is verouderd" in later
    assert f'href="/plannen/{plan_id}/controle"' in later


def test_a_plan_older_than_the_approval_age_is_refused_as_expired(tenant_world: Tenant) -> None:
    world, _ = tenant_world
    plan_id = submitted(world, "beheer")
    hours = world.services.settings.approval.max_age_hours
    world.clock.advance(dt.timedelta(hours=hours + 1))
    client = world.client()
    token = login(client, "beslis")
    refused = client.post(f"/plannen/{plan_id}/goedkeuren", data={"csrf_token": token})
    assert refused.status_code == 409
    assert f"Het plan is ouder dan {hours:g} uur en daarom verlopen" in refused.text
    assert "Maak een nieuw plan" in refused.text
    assert "approval.max_age_hours" not in refused.text, "staff read hours, not the setting's name"
    assert service.plan_store(world.services).get(plan_id).status is PlanStatus.EXPIRED
    assert world.services.journal.runs("progress-statuses") == []


def test_an_allocated_request_with_a_data_problem_is_marked_for_the_approver(tenant_world: Tenant) -> None:
    world, _ = tenant_world
    plan_id = submitted(world, "beheer")
    document = service.plan_store(world.services).get(plan_id).document
    allocated = {
        str(c["request_id"]): str(c["order_number"])
        for c in document["changes"]
        if c["step"] == "allocation" and c["kind"] == "move_status"
    }
    flawed = [p for p in world.services.read_model.problems(["requests"]) if p.record_id in allocated]
    assert flawed, "the seeded tenant allocates a request with a data problem"
    client = world.client()
    login(client, "beslis")
    page = client.get(f"/plannen/{plan_id}?alles=1").text
    for found in flawed:
        row = page.split(f">{allocated[found.record_id]}</a>", 1)[1].split("</tr>", 1)[0]
        assert f"Let op: {problem_title(found.code)}" in row
        assert found.code not in row, "in Dutch, not the code"
