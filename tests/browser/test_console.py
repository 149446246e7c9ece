"""The console in a real browser: what staff see and do, screenshots of every page, accessibility basics.

One browser for all of them; each test is a whole visit, not one assertion."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.browser.a11y import audit, tab_reaches
from tests.browser.conftest import Site, log_in
from tribe_sync.console.app import NAVIGATION


def watch_errors(page: Any) -> list[str]:
    """Console errors (a CSP violation, a failed script) collected while the page lives."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def test_a_staff_member_logs_in_and_reads_every_page_by_keyboard_too(
    browser: Any, site: Site, screenshots: Path
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    page = context.new_page()
    errors = watch_errors(page)
    page.goto(f"{site.url}/runs")
    assert page.url.startswith(f"{site.url}/login")
    assert audit(page) == []
    page.screenshot(path=str(screenshots / "00-inloggen.png"), full_page=True)
    log_in(page, site, "beslis")
    for number, (path, label) in enumerate(NAVIGATION, start=1):
        if not site.has_page(path):
            continue
        page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name=label, exact=True).click()
        page.wait_for_load_state()
        assert page.url == f"{site.url}{path}"
        assert page.locator("h1").inner_text() != "Niet gevonden", path
        assert page.get_by_role("link", name=label, exact=True).get_attribute("aria-current") == "page"
        assert audit(page) == [], path
        page.screenshot(path=str(screenshots / f"{number:02d}-{label.lower()}.png"), full_page=True)
    assert tab_reaches(page, "header button:has-text('Uitloggen')")
    assert tab_reaches(page, "nav a:has-text('Runs')")
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url(f"{site.url}/login")
    assert errors == []
    context.close()


def test_the_runs_filter_narrows_the_table_in_place(browser: Any, site: Site) -> None:
    context = browser.new_context()
    page = context.new_page()
    errors = watch_errors(page)
    log_in(page, site, "lees")
    page.goto(f"{site.url}/runs")
    assert page.locator("#runs tbody tr").count() >= 1
    page.get_by_label("Uitkomst").select_option("failed")
    page.wait_for_url("**/runs?**uitkomst=failed**")
    assert page.locator("#runs").inner_text().count("Geen runs gevonden.") == 1
    page.get_by_label("Uitkomst").select_option("")
    page.get_by_label("Taak").select_option("close-delivery-months")
    page.wait_for_url("**taak=close-delivery-months**")
    assert page.locator("#runs tbody tr").first.inner_text().count("Leveringsmaanden sluiten") == 1
    page.locator("#runs tbody tr a").first.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("Run ")
    assert errors == []
    context.close()


def test_a_long_table_pages_in_place_and_a_misspelt_organisation_is_named(
    browser: Any, site: Site, screenshots: Path
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    page = context.new_page()
    errors = watch_errors(page)
    log_in(page, site, "lees")
    page.goto(f"{site.url}/aanvragen")
    pager = page.get_by_role("navigation", name="Bladeren", exact=True)
    assert pager.inner_text().startswith("1–100 van ")
    first = page.locator("#aanvragen tbody tr").first.inner_text()
    pager.get_by_role("link", name="Toon meer").click()
    page.wait_for_url("**/aanvragen?vanaf=100")
    pager = page.get_by_role("navigation", name="Bladeren", exact=True)
    pager.get_by_text("101–").wait_for()
    assert page.locator("#aanvragen tbody tr").first.inner_text() != first
    assert page.locator("#aanvragen tbody tr").count() <= 100
    assert audit(page) == []
    page.screenshot(path=str(screenshots / "40-aanvragen-tweede-pagina.png"), full_page=True)
    page.get_by_role("link", name="Vorige").first.click()
    page.wait_for_url(f"{site.url}/aanvragen")
    page.get_by_label("Organisatie").fill("Stichtnig Xyzzy")
    page.get_by_role("button", name="Zoeken").click()
    notice = page.get_by_role("status")
    notice.wait_for()
    assert "Geen organisatie heet zo" in notice.inner_text()
    page.screenshot(path=str(screenshots / "41-aanvragen-onbekende-organisatie.png"), full_page=True)
    assert errors == []
    context.close()
