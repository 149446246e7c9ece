"""Overzicht: CRM calls in the last hour, every process on the store together, against the budget."""

from __future__ import annotations

import datetime as dt
import re

from tests.console.conftest import T0, ConsoleWorld, login
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


def test_the_consoles_own_calls_to_tribe_are_counted(
    tenant_world: tuple[ConsoleWorld, RunningSandbox],
) -> None:
    world, _ = tenant_world
    client = world.client()
    login(client, "lees")
    client.get("/leveringsmaanden")  # the read model is refreshed from Tribe first
    world.services.crm_calls.flush()
    used = CallLog(world.services.journal.engine).last_hour(world.clock())
    assert used.calls > 0
    assert f"{used.calls} van" in budget_text(client.get("/").text).replace(".", "")
