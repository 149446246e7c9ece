"""Overzicht: CRM calls in the last hour, every process on the store together, against the budget."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from tests.console.conftest import T0, ConsoleWorld, login, make_world
from tribe_sync.config import UNLIMITED_REQUESTS_PER_S, Settings
from tribe_sync.sandbox.server import RunningSandbox
from tribe_sync.store.crmcalls import CallCounts, CallLog


def budget_text(html: str) -> str:
    match = re.search(r'<section[^>]*id="crm-budget".*?</section>', html, re.S)
    assert match, "the Overzicht has the CRM budget panel"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0)))


def test_the_overview_shows_the_last_hours_calls_and_429s_against_the_hours_budget(
    world: ConsoleWorld,
) -> None:
    calls = CallLog(world.services.journal.engine)
    calls.add({T0 - dt.timedelta(minutes=10): CallCounts(1200, 3)}, now=T0)
    calls.add({T0 - dt.timedelta(minutes=61): CallCounts(5000, 40)}, now=T0)  # over an hour ago
    client = world.client()
    login(client, "lees")
    text = budget_text(client.get("/").text)
    budget = int(world.services.settings.crm.max_requests_per_s * 3600)
    assert f"1.200 van {budget:,} aanroepen".replace(",", ".") in text
    assert "3 keer geweigerd door Tribe (429" in text


def test_without_refusals_the_overview_says_tribe_refused_nothing(world: ConsoleWorld) -> None:
    client = world.client()
    login(client, "lees")
    text = budget_text(client.get("/").text)
    assert "0 van" in text
    assert "geen 429" in text


def test_without_a_real_limit_the_overview_counts_calls_without_a_budget(tmp_path: Path) -> None:
    world = make_world(
        tmp_path,
        Settings(
            store={"url": f"sqlite:///{tmp_path / 'journal.db'}"},  # type: ignore[arg-type]
            crm={"max_requests_per_s": 1_000_000},  # type: ignore[arg-type]
        ),
    )
    try:
        client = world.client()
        login(client, "lees")
        text = budget_text(client.get("/").text)
        assert "0 aanroepen; geen limiet" in text
        assert " van " not in text
    finally:
        world.services.close()


def test_calls_this_console_made_count_before_they_are_written(
    tenant_world: tuple[ConsoleWorld, RunningSandbox],
) -> None:
    world, _ = tenant_world
    client = world.client()
    login(client, "lees")
    client.get("/leveringsmaanden")  # the read model is refreshed from Tribe first
    pending = sum(c.calls for c in world.services.crm_calls.pending().values())
    written = CallLog(world.services.journal.engine).last_hour(world.clock()).calls
    assert pending + written > 0
    shown = re.search(r"([\d.]+) aanroepen", budget_text(client.get("/").text))
    assert shown is not None
    assert int(shown.group(1).replace(".", "")) >= pending + written
    world.services.crm_calls.flush()
    assert CallLog(world.services.journal.engine).last_hour(world.clock()).calls >= pending + written


def test_without_a_rate_limit_the_overview_says_geen_limiet_and_names_no_setting(tmp_path: Path) -> None:
    settings = Settings(
        store={"url": f"sqlite:///{tmp_path / 'journal.db'}"},  # type: ignore[arg-type]
        crm={"max_requests_per_s": UNLIMITED_REQUESTS_PER_S},  # type: ignore[arg-type]
    )
    world = make_world(tmp_path, settings)
    try:
        CallLog(world.services.journal.engine).add({T0 - dt.timedelta(minutes=3): CallCounts(899, 0)}, now=T0)
        client = world.client()
        login(client, "lees")
        html = client.get("/").text
        text = budget_text(html)
        assert "899 aanroepen; geen limiet" in text
        assert "3.600.000.000" not in text
        assert "max_requests_per_s" not in html, "staff read words, not a setting's name"
    finally:
        world.services.close()


def test_with_a_rate_limit_the_budget_is_said_in_words(world: ConsoleWorld) -> None:
    client = world.client()
    login(client, "lees")
    html = client.get("/").text
    assert "16 aanroepen per seconde, een uur lang" in budget_text(html)
    assert "max_requests_per_s" not in html
