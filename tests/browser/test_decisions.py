"""Decisions in the browser: the month chart's numbers are the read model's; a viewer gets no button to
close a month nor to approve a plan; an approver closes one with a reason and sees it closed, by them;
an approver who did not submit January's allocation approves it and sees it applied. The viewer's visit
comes first, while the plan still waits."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.a11y import audit, tab_reaches
from tests.browser.conftest import TODAY, Site, log_in
from tests.browser.test_console import watch_errors
from tribe_sync.jobs.plan import Step
from tribe_sync.jobs.registry import JOBS
from tribe_sync.plans import service
from tribe_sync.store.plans import PlanStatus


@pytest.fixture(scope="module")
def january_plan(site: Site) -> int:
    """January's allocation, planned and submitted by the admin (beheer), waiting for approval."""
    site.services.mirror.refresh()
    planned = service.make_plan(JOBS["progress-statuses"], site.services, TODAY, by="beheer")
    row, _ = service.submit(site.services, planned, by="beheer")
    assert planned.plan.in_step(Step.ALLOCATION), "the tenant has requests to allocate"
    return row.id


def open_plan(page: Any, site: Site, plan_id: int) -> None:
    page.goto(f"{site.url}/plannen")
    page.get_by_role("link", name=f"Plan {plan_id}", exact=True).click()
    page.wait_for_url(f"{site.url}/plannen/{plan_id}")


def test_a_viewer_reads_the_month_chart_and_the_pending_plan_but_gets_no_buttons(
    browser: Any, site: Site, january_plan: int
) -> None:
    context = browser.new_context()
    page = context.new_page()
    errors = watch_errors(page)
    log_in(page, site, "lees")
    page.goto(f"{site.url}/leveringsmaanden")
    for month in site.services.read_model.months():
        bar = page.locator(f"svg.chart g.month[data-month='{month.month}']")
        if bar.count():
            assert int(str(bar.get_attribute("data-requested"))) == month.requested
            capacity = "" if month.capacity is None else str(month.capacity)
            assert bar.get_attribute("data-capacity") == capacity
            label = str(bar.locator("text.value").text_content())
            assert label.startswith(f"{month.requested:,}".replace(",", ".") + " / ")
    assert page.get_by_role("button", name="Sluiten").count() == 0
    assert page.get_by_role("button", name="Heropenen").count() == 0
    open_plan(page, site, january_plan)
    assert page.locator("#planstatus").inner_text() == "wacht op goedkeuring"
    assert page.get_by_role("table", name="Ronde 1").count() == 1
    assert page.get_by_role("button", name="Goedkeuren").count() == 0
    assert page.get_by_role("button", name="Afwijzen").count() == 0
    assert errors == []
    context.close()


def test_an_approver_closes_a_month_with_a_reason_and_sees_it_closed(
    browser: Any, site: Site, screenshots: Path
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = watch_errors(page)
    log_in(page, site, "beslis")
    page.goto(f"{site.url}/leveringsmaanden")
    row = page.locator("#maand-2027-03")
    assert "open" in row.inner_text()
    assert tab_reaches(page, "#maand-2027-03 button")
    row.get_by_label("Reden").fill("genoeg aanvragen voor maart")
    row.get_by_role("button", name="Sluiten").click()
    page.wait_for_load_state()
    assert "maart 2027 is gesloten (run" in page.get_by_role("status").inner_text()
    row = page.locator("#maand-2027-03")
    assert "gesloten" in row.inner_text()
    assert "medewerker" in row.inner_text()
    assert "genoeg aanvragen voor maart" in row.inner_text()
    assert page.locator("svg.chart g.month[data-month='2027-03']").get_attribute("data-open") == "nee"
    assert audit(page) == []
    page.screenshot(path=str(screenshots / "20-maand-gesloten.png"), full_page=True)
    (run,) = site.services.journal.runs(limit=1)
    (entry,) = site.services.journal.audit_trail(run_id=int(run["id"]))
    assert entry["actor"] == "staff:beslis"
    assert errors == []
    context.close()


def test_an_approver_approves_januarys_allocation_and_sees_it_applied(
    browser: Any, site: Site, screenshots: Path, january_plan: int
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    page = context.new_page()
    errors = watch_errors(page)
    log_in(page, site, "beslis")
    page.goto(f"{site.url}/plannen")
    assert "wacht op goedkeuring" in page.locator(f"#plan-{january_plan}").inner_text()
    page.screenshot(path=str(screenshots / "29-plannen.png"), full_page=True)
    open_plan(page, site, january_plan)
    assert page.locator("#planstatus").inner_text() == "wacht op goedkeuring"
    page.get_by_role("link", name="Controleer of Tribe intussen veranderde").click()
    checked = page.locator("#controle #controle-uitkomst")
    checked.wait_for()
    assert page.url == f"{site.url}/plannen/{january_plan}", "checked in place (htmx), no navigation"
    said = checked.inner_text()  # March may have been closed above: a record moved, the plan holds
    assert "precies" in said
    assert "anders uitvallen" not in said
    first_round = page.get_by_role("table", name="Ronde 1")
    assert first_round.get_by_text("toegekend", exact=True).count() >= 1
    assert audit(page) == []
    assert tab_reaches(page, "button:has-text('Goedkeuren')")
    page.screenshot(path=str(screenshots / "30-plan-wacht.png"), full_page=True)
    page.get_by_label("Notitie (optioneel)").fill("akkoord, januari")
    page.get_by_role("button", name="Goedkeuren").click()
    page.wait_for_load_state()
    row = service.plan_store(site.services).get(january_plan)
    assert row.status is PlanStatus.APPLIED
    assert (row.decided_by, row.note) == ("beslis", "akkoord, januari")
    assert page.get_by_role("status").inner_text() == f"Goedgekeurd en uitgevoerd in run {row.run_id}."
    assert page.locator("#planstatus").inner_text() == "uitgevoerd"
    assert re.search(r"\b(1 wijziging|\d+ wijzigingen) geschreven", page.locator("#uitkomst").inner_text())
    assert page.get_by_role("button", name="Goedkeuren").count() == 0
    assert audit(page) == []
    page.screenshot(path=str(screenshots / "31-plan-uitgevoerd.png"), full_page=True)
    page.get_by_role("link", name=f"run {row.run_id}", exact=True).click()
    page.wait_for_url(f"{site.url}/runs/{row.run_id}")
    facts = page.locator("dl.facts").inner_text()
    assert f"Plan {january_plan} (uitgevoerd)" in facts
    assert "beslis" in page.locator("#goedgekeurd-door").inner_text()
    assert "akkoord, januari" in page.locator("#goedgekeurd-door").inner_text()
    changes = page.get_by_role("table").first.inner_text()
    assert "Wacht op toekenning → Verwerking bestelling" in changes
    for raw in ("done_already", "WAITING", "status:", "Record"):
        assert raw not in page.locator("main").inner_text(), raw
    assert audit(page) == []
    page.screenshot(path=str(screenshots / "32-run-van-het-plan.png"), full_page=True)
    page.goto(f"{site.url}/plannen/{january_plan}/goedkeuren")  # the form's address, reloaded
    page.wait_for_url(f"{site.url}/plannen/{january_plan}")
    assert page.locator("h1").inner_text().startswith(f"Plan {january_plan}")
    assert errors == []
    context.close()
