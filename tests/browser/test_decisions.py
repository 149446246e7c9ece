"""Decisions in the browser: the month chart's numbers are the read model's; a viewer gets no button to
close a month; an approver closes one with a reason and sees it closed, by them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.browser.a11y import audit, tab_reaches
from tests.browser.conftest import Site, log_in
from tests.browser.test_console import watch_errors


def test_a_viewer_reads_the_month_chart_but_gets_no_close_button(browser: Any, site: Site) -> None:
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
