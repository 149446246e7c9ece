"""Long tables a page at a time: "101–200 van 3.456", Vorige and Toon meer keep the filters."""

from __future__ import annotations

import re

from tests.console.conftest import T0, ConsoleWorld, login
from tribe_sync.console.paging import Pager
from tribe_sync.sandbox.server import RunningSandbox

Tenant = tuple[ConsoleWorld, RunningSandbox]


def test_the_first_page_says_which_rows_and_links_to_the_next_keeping_the_filters() -> None:
    pager = Pager.of("/aanvragen", {"status": "WAITING", "maand": ""}, 3456)
    assert pager.summary == "1–100 van 3.456"
    assert pager.previous_url is None
    assert pager.next_url == "/aanvragen?status=WAITING&vanaf=100"
    assert pager.rows(list(range(3456))) == list(range(100))


def test_a_middle_page_links_both_ways_and_the_last_page_has_no_next() -> None:
    middle = Pager.of("/prognoses", {"kwartaal": "2027-Q1", "vanaf": "100"}, 250)
    assert middle.summary == "101–200 van 250"
    assert middle.previous_url == "/prognoses?kwartaal=2027-Q1"
    assert middle.next_url == "/prognoses?kwartaal=2027-Q1&vanaf=200"
    last = Pager.of("/prognoses", {"vanaf": "200"}, 250)
    assert (last.summary, last.next_url) == ("201–250 van 250", None)


def test_an_offset_past_the_end_or_not_a_number_shows_a_page_that_exists() -> None:
    assert Pager.of("/problemen", {"vanaf": "9999"}, 250).start == 200
    assert Pager.of("/problemen", {"vanaf": "abc"}, 250).start == 0
    assert Pager.of("/problemen", {"vanaf": "-5"}, 250).start == 0
    assert Pager.of("/problemen", {}, 0).summary == "0 van 0"


def test_each_long_table_shows_its_pager(tenant_world: Tenant) -> None:
    world, _ = tenant_world
    client = world.client()
    login(client, "lees")
    for path in ("/aanvragen", "/organisaties", "/prognoses", "/problemen"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert re.search(
            r'<nav class="pager" aria-label="Bladeren">\s*<span>1–\d+ van [\d.]+</span>', page.text
        ), path
    total = world.services.read_model.count_requests()
    assert f"van {total:,}".replace(",", ".") in client.get("/aanvragen").text


def test_the_second_page_of_requests_follows_the_first(tenant_world: Tenant) -> None:
    world, _ = tenant_world
    client = world.client()
    login(client, "lees")
    client.get("/aanvragen")  # the read model is read from Tribe on the way
    numbers = [r.order_number for r in world.services.read_model.requests(newest_first=True)]
    assert len(numbers) > 100, "the small tenant has more than one page of requests"
    second = client.get("/aanvragen?vanaf=100").text
    shown = re.findall(r'<td><a href="/aanvragen/([^"]+)">', second)
    assert shown == numbers[100:200]
    previous = re.search(r'<a href="([^"]*)"[^>]*rel="prev">Vorige</a>', second)
    assert previous is not None
    assert previous.group(1) == "/aanvragen"


def test_a_misspelt_organisation_says_no_organisation_matches(tenant_world: Tenant) -> None:
    world, _ = tenant_world
    client = world.client()
    login(client, "lees")
    requests = client.get("/aanvragen", params={"organisatie": "Stichtnig Xyzzy"}).text
    assert "Geen organisatie heet zo of bevat “Stichtnig Xyzzy”" in requests
    organisations = client.get("/organisaties", params={"naam": "Stichtnig Xyzzy"}).text
    assert "Geen organisatie heet zo of bevat “Stichtnig Xyzzy”" in organisations
    some = next(iter(world.services.read_model.organisations()))
    found = client.get("/organisaties", params={"naam": some.name[:5].lower()}).text
    assert some.name in found


def test_runs_page_a_hundred_at_a_time_newest_first_keeping_the_filters(world: ConsoleWorld) -> None:
    journal = world.services.journal
    for n in range(130):
        run_id = journal.start_run("audit", T0.date(), T0)
        journal.finish_run(run_id, T0, "problems" if n % 2 else "ok", {"applied": 0})
    client = world.client()
    login(client, "lees")
    first = client.get("/runs").text
    assert "1–100 van 130" in first
    assert 'href="/runs?vanaf=100"' in first
    assert first.count('href="/runs/') == 100
    assert 'href="/runs/130"' in first, "newest first"
    second = client.get("/runs?vanaf=100").text
    assert "101–130 van 130" in second
    assert 'href="/runs/1"' in second
    filtered = client.get("/runs?uitkomst=ok").text
    assert "65 runs." in filtered
    assert "Toon meer" not in filtered
