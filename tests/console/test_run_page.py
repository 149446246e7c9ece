"""A run's page in staff's words: Dutch counts and change kinds, statuses by their labels, the plan it
carried out and who approved it; never a raw key like `done_already` or `confirmed_on: None`."""

from __future__ import annotations

import re

import pytest

from tests.console.conftest import T0, ConsoleWorld, login
from tests.console.test_plans import submitted
from tribe_sync.console.audit_words import change_words, count_rows
from tribe_sync.console.labels import is_uncapped
from tribe_sync.console.plans_pages import _problem
from tribe_sync.jobs.registry import JOBS
from tribe_sync.plans import service
from tribe_sync.sandbox.server import RunningSandbox

Tenant = tuple[ConsoleWorld, RunningSandbox]
RAW = ("done_already", "not_reached", "Record", "status:", "confirmed_on", "closed_by", "WAITING", "None")


def text_of(html: str) -> str:
    main = html.split('<main id="inhoud">', 1)[1]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


@pytest.mark.sandbox
def test_an_approved_plans_run_names_the_plan_who_approved_it_and_each_status_move(
    tenant_world: Tenant,
) -> None:
    world, _ = tenant_world
    plan_id = submitted(world, "beheer")
    client = world.client()
    token = login(client, "beslis")
    client.post(f"/plannen/{plan_id}/goedkeuren", data={"csrf_token": token, "notitie": "akkoord"})
    run_id = service.plan_store(world.services).get(plan_id).run_id
    page = client.get(f"/runs/{run_id}")
    assert page.status_code == 200
    text = text_of(page.text)
    assert f"Plan {plan_id} (uitgevoerd), ingediend door beheer" in text
    assert "Goedgekeurd door beslis" in text
    assert "“akkoord”" in text
    assert "Gestart een goedgekeurd plan" in text
    assert "Wijzigingen in het plan" in text
    assert "Uitgevoerd" in text
    assert "Status van een aanvraag" in text
    assert "Wacht op toekenning → Verwerking bestelling" in text
    for raw in RAW:
        assert raw not in text, raw


@pytest.mark.sandbox
def test_a_month_closed_in_the_console_shows_who_closed_it_and_why(tenant_world: Tenant) -> None:
    world, _ = tenant_world
    client = world.client()
    token = login(client, "beslis")
    page = client.get("/leveringsmaanden").text
    code = re.search(r'action="/leveringsmaanden/([\d-]+)/sluiten"', page)
    assert code is not None
    client.post(
        f"/leveringsmaanden/{code.group(1)}/sluiten", data={"csrf_token": token, "reden": "vol genoeg"}
    )
    (run,) = world.services.journal.runs(limit=1)
    assert run["trigger"] == "console", "a console-started run says so, never blank or 'unknown trigger'"
    text = text_of(client.get(f"/runs/{run['id']}").text)
    assert "door een medewerker in de console" in text
    assert "Leveringsmaand gesloten of geopend" in text
    assert "open → gesloten, gesloten door een medewerker (reden: vol genoeg)" in text
    assert "Door beslis" in text
    for raw in RAW:
        assert raw not in text, raw


def test_before_and_after_read_as_sentences() -> None:
    assert (
        change_words(
            "record_confirmation",
            {"confirmed_on": None, "delivery_date": None},
            {"confirmed_on": "2027-01-05", "delivery_date": "2027-01-20"},
        )
        == "bevestigd: nog niet → 5 januari 2027; leverdatum: geen → 20 januari 2027"
    )
    assert (
        change_words("move_status", {"status": "WAITING"}, {"status": "PROCESSING", "month": "2027-02"})
        == "Wacht op toekenning → Verwerking bestelling, leveringsmaand februari 2027"
    )
    assert change_words("create_month", {}, {"month": "2027-06", "capacity": 300, "closed": False}) == (
        "leveringsmaand juni 2027 aangemaakt, capaciteit 300, open"
    )
    assert change_words("create_task", {}, {"task": "Prognose te laat", "due": "2027-01-11"}) == (
        "taak “Prognose te laat”, uiterlijk 11 januari 2027"
    )
    assert change_words("hand_off", {"status": "PROCESSING"}, {"processor": "Noord", "rows": 3}) == (
        "Verwerking bestelling → naar de verwerker, bestand voor Noord (3 regels)"
    )


def test_counts_are_labelled_and_zero_ones_left_out() -> None:
    rows = count_rows(
        {"changes": 4, "applied": 3, "done_already": 1, "planned": 0, "failed": 0, "problems": 2}
    )
    assert rows == [
        ("Wijzigingen in het plan", 4),
        ("Uitgevoerd", 3),
        ("Was al zo", 1),
        ("Problemen in de gegevens", 2),
    ]


def test_a_run_without_a_plan_says_the_job_carried_out_its_own_plan(world: ConsoleWorld) -> None:
    journal = world.services.journal
    run_id = journal.start_run("audit", T0.date(), T0, trigger="schedule")
    journal.finish_run(run_id, T0, "ok", {"changes": 0, "problems": 0})
    client = world.client()
    login(client, "lees")
    text = text_of(client.get(f"/runs/{run_id}").text)
    assert "Gestart volgens het schema" in text
    assert "geen: de taak voerde uit wat zij zelf plande" in text
    assert "Deze run schreef niets." in text


def test_a_plans_problem_about_a_late_forecast_names_the_organisation_and_quarter() -> None:
    found = {
        "code": "late_forecast",
        "entity": "forecast",
        "record_id": "5f700fd6-bc36-4246-b5b5-d857212eeba1",
        "message": "submitted on 2026-12-20, after the deadline 2026-12-16",
        "message_nl": "ingediend op 20 december 2026, na de deadline van 16 december 2026",
        "context": {"organisation": "Bibliotheek Noord", "quarter": "2027-Q1"},
    }
    assert _problem(found).startswith("Bibliotheek Noord, K1 2027: ingediend op 20 december 2026")
    assert "5f700fd6" not in _problem(found)


def test_a_large_runs_changes_are_shown_a_page_at_a_time(world: ConsoleWorld) -> None:
    journal = world.services.journal
    run_id = journal.start_run("progress-statuses", T0.date(), T0, trigger="schedule")
    journal.record_many(
        run_id,
        [
            {
                "keys": [f"status/r-{i}"],
                "entity_set": "move_status",
                "target_id": f"r-{i}",
                "before": {"status": "WAITING"},
                "after": {"status": "PROCESSING"},
                "reason": "toegekend in ronde 1 van januari 2027",
                "actor": "job:progress-statuses",
                "at": T0,
                "label": f"AD2026-{i:05d}",
            }
            for i in range(1, 151)
        ],
    )
    journal.finish_run(run_id, T0, "ok", {"changes": 150, "applied": 150})
    assert journal.audit_count(run_id=run_id) == 150
    client = world.client()
    login(client, "lees")
    first = client.get(f"/runs/{run_id}").text
    assert "1–100 van 150" in first
    assert first.count("Wacht op toekenning → Verwerking bestelling") == 100
    assert f'href="/runs/{run_id}?vanaf=100" rel="next">Toon meer</a>' in first
    second = client.get(f"/runs/{run_id}?vanaf=100").text
    assert "101–150 van 150" in second
    assert ">AD2026-00101</a>" in second
    assert ">AD2026-00100</a>" not in second


def test_a_runs_reasons_read_dutch_whatever_words_the_journal_kept(world: ConsoleWorld) -> None:
    """The planner keeps two English reasons (a saved plan's changes hold them) and an older journal
    more: the page says each in Dutch (jobs.reasons.reason_words)."""
    journal = world.services.journal
    run_id = journal.start_run("progress-statuses", T0.date(), T0, trigger="schedule")
    kept = {
        "AD2026-00001": ("AT_PROCESSOR", "AWAITING_DELIVERY_DATE", "the processor confirmed on 2026-12-03"),
        "AD2026-00002": ("AWAITING_DELIVERY_DATE", "CLOSED", "delivered on 2026-12-10"),
    }
    journal.record_many(
        run_id,
        [
            {
                "keys": [f"status/{label}"],
                "entity_set": "move_status",
                "target_id": label,
                "before": {"status": before},
                "after": {"status": after},
                "reason": reason,
                "actor": "job:progress-statuses",
                "at": T0,
                "label": label,
            }
            for label, (before, after, reason) in kept.items()
        ],
    )
    journal.finish_run(run_id, T0, "ok", {"changes": 2, "applied": 2})
    client = world.client()
    login(client, "lees")
    text = text_of(client.get(f"/runs/{run_id}").text)
    assert "bevestigd door de verwerker op 3 december 2026" in text
    assert "geleverd op 10 december 2026" in text
    assert "confirmed" not in text
    assert "delivered" not in text


def test_the_runs_page_counts_one_run_as_run_and_more_as_runs(world: ConsoleWorld) -> None:
    journal = world.services.journal
    client = world.client()
    login(client, "lees")
    first = journal.start_run("audit", T0.date(), T0, trigger="schedule")
    journal.finish_run(first, T0, "ok", {"changes": 0, "problems": 0})
    assert "1 run." in text_of(client.get("/runs").text)
    second = journal.start_run("audit", T0.date(), T0, trigger="schedule")
    journal.finish_run(second, T0, "ok", {"changes": 0, "problems": 0})
    text = text_of(client.get("/runs").text)
    assert "2 runs." in text
    assert "run(s)" not in text


@pytest.mark.sandbox
def test_a_runs_page_lists_its_problems_and_held_requests_by_name_in_dutch(tenant_world: Tenant) -> None:
    world, _ = tenant_world
    report = world.services.executor().run_job(JOBS["progress-statuses"], T0.date())
    assert report.problems, "the seeded tenant has broken records"
    assert report.held, "January's allocation holds requests back"
    client = world.client()
    login(client, "lees")
    page = client.get(f"/runs/{report.run_id}").text
    text = text_of(page)
    assert 'id="problemen"' in page
    assert 'id="aangehouden"' in page
    for found in report.problems:
        if found.label:
            assert found.label in text
        assert found.code not in text, "a problem reads by its Dutch title"
    held = [n for n in report.held if not is_uncapped(n.code, n.message)]
    for notice in held:
        assert notice.label in text
    assert "blijft wachten" in text, "why a request was held, in Dutch"
    for notice in report.held:
        if is_uncapped(notice.code, notice.message):
            assert "Toegekend zonder plafond" in text


def test_a_run_from_before_the_journal_kept_its_notes_says_only_its_counts_are_known(
    world: ConsoleWorld,
) -> None:
    journal = world.services.journal
    run_id = journal.start_run("audit", T0.date(), T0)
    journal.finish_run(run_id, T0, "problems", {"problems": 16})
    client = world.client()
    login(client, "lees")
    assert "alleen de aantallen bewaard" in text_of(client.get(f"/runs/{run_id}").text)
