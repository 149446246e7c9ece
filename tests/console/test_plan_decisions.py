"""The plan page says what is left to decide: nothing to approve in a plan without changes, no "Nu
uitvoeren" once a plan for a later day is approved, and requests allocated earlier that carried on
are not shown as a loss."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.console.conftest import T0, ConsoleWorld, login
from tribe_sync.console.plans_pages import explain
from tribe_sync.jobs.registry import JOBS
from tribe_sync.plans import service
from tribe_sync.sandbox.server import RunningSandbox
from tribe_sync.store.plans import PlanSource, PlanStatus

Tenant = tuple[ConsoleWorld, RunningSandbox]


def empty_plan(world: ConsoleWorld) -> int:
    document = {"job": "progress-statuses", "today": "2027-01-04", "changes": [], "held": [], "problems": []}
    row, _ = service.plan_store(world.services).submit(
        document, "leeg", by="daemon", source=PlanSource.DAEMON, at=T0
    )
    return row.id


def test_a_plan_without_changes_says_there_is_nothing_to_approve_and_refuses_goedkeuren(
    world: ConsoleWorld,
) -> None:
    plan_id = empty_plan(world)
    client = world.client()
    token = login(client, "beslis")
    page = client.get(f"/plannen/{plan_id}").text
    assert "Dit plan wijzigt niets: er valt niets goed te keuren." in page
    assert ">Goedkeuren</button>" not in page
    assert ">Afwijzen</button>" in page, "it can still be taken off the list"
    refused = client.post(f"/plannen/{plan_id}/goedkeuren", data={"csrf_token": token})
    assert refused.status_code == 409
    assert "er valt niets goed te keuren" in refused.text
    assert service.plan_store(world.services).get(plan_id).status is PlanStatus.PENDING


@pytest.mark.sandbox
def test_after_approving_a_plan_for_a_later_day_there_is_no_nu_uitvoeren_and_one_besluit(
    tenant_world: Tenant,
) -> None:
    world, _ = tenant_world
    world.services.mirror.refresh()
    later = T0.date() + dt.timedelta(days=1)
    planned = service.make_plan(JOBS["progress-statuses"], world.services, later, by="beheer")
    row, _ = service.submit(world.services, planned, by="beheer")
    client = world.client()
    token = login(client, "beslis")
    answer = client.post(f"/plannen/{row.id}/goedkeuren", data={"csrf_token": token})
    assert answer.status_code == 200
    assert service.plan_store(world.services).get(row.id).status is PlanStatus.APPROVED
    for page in (answer.text, client.get(f"/plannen/{row.id}").text):
        assert "Nu uitvoeren" not in page
        assert "wordt die dag uitgevoerd" in page
        assert page.count('<h2 id="besluit-kop">Besluit</h2>') == 1
        assert "<dt>Besluit</dt>" not in page, "one heading, not also a fact named Besluit"
        assert "<dt>Beslist door</dt>" in page


def test_a_request_allocated_earlier_that_the_rounds_would_not_choose_now_is_no_loss(
    world: ConsoleWorld,
) -> None:
    document = {
        "job": "progress-statuses",
        "today": "2026-12-01",
        "changes": [],
        "held": [
            {
                "code": "allocated_but_not_chosen",
                "step": "allocation",
                "record_id": "r-1",
                "label": "AD2026-00007",
                "message": "round 2: allocated earlier; the rounds would not choose it now (capacity)",
            }
        ],
    }
    (_, decisions), *_ = explain(world.console, document).rounds
    (decision,) = decisions
    assert decision.label == "eerder toegekend, blijft zo"
    assert decision.tone == "neutral", "not marked as bad (✗)"
    assert "wordt nooit teruggedraaid" in decision.why


def test_a_large_plan_shows_100_rows_per_table_and_everything_on_request(world: ConsoleWorld) -> None:
    changes = [
        {"step": "hand-off", "kind": "hand_off", "label": f"AD2027-{i:05d}", "describe": "naar de verwerker"}
        for i in range(150)
    ]
    document = {"job": "progress-statuses", "today": "2027-01-04", "changes": changes, "records": {"x": "y"}}
    row, _ = service.plan_store(world.services).submit(
        document, "groot", by="daemon", source=PlanSource.DAEMON, at=T0
    )
    client = world.client()
    login(client, "lees")
    page = client.get(f"/plannen/{row.id}").text
    assert "Naar de verwerker (150)" in page
    assert page.count("<td>naar de verwerker</td>") == 100
    assert "100 van de 150 getoond." in page
    assert f'href="/plannen/{row.id}?alles=1#stap-1">Toon alle</a>' in page
    everything = client.get(f"/plannen/{row.id}?alles=1").text
    assert everything.count("<td>naar de verwerker</td>") == 150
    assert "Toon alle" not in everything


def test_a_plans_held_decisions_outside_the_rounds_and_its_reasons_read_as_on_the_command_line(
    world: ConsoleWorld,
) -> None:
    document = {
        "job": "progress-statuses",
        "today": "2026-12-10",
        "changes": [
            {
                "step": "delivery",
                "kind": "move_status",
                "label": "AD2026-00009",
                "describe": "In afwachting van leverdatum → Gesloten",
                "reason": "delivered on 2026-12-10",
            }
        ],
        "held": [
            {
                "code": "reopened_by_staff",
                "step": "close",
                "record_id": "m-1",
                "label": "januari 2027",
                "message": "would close (vol), but staff reopened it: left open",
            },
            {
                "code": "confirmation_older",
                "step": "confirmation",
                "record_id": "r-2",
                "label": "AD2026-00010",
                "message": "line 3: Tribe holds a newer confirmation; it stays",
            },
        ],
    }
    explained = explain(world.console, document)
    assert [h["why"] for h in explained.held] == [
        "zou sluiten, maar een medewerker heropende de maand: blijft open",
        "regel 3: Tribe heeft een nieuwere bevestiging; die blijft staan",
    ]
    ((_, rows),) = explained.steps
    assert [r["why"] for r in rows] == ["geleverd op 10 december 2026"]
