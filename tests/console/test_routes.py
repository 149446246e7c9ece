"""Every page and every action, for anonymous visitors and each role, with and without a CSRF token.

The routes come from the console itself, so a page added later is walked too; one whose path needs
values must have an example here, or the first test fails."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.console.conftest import ACCOUNT, ConsoleWorld, login, make_world
from tribe_sync.config import Settings
from tribe_sync.demo import sandbox_settings
from tribe_sync.jobs.registry import JOBS
from tribe_sync.plans import service
from tribe_sync.sandbox.server import build_state, start
from tribe_sync.store.plans import PlanSource
from tribe_sync.store.users import Role

T = dt.datetime(2027, 1, 4, 7, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ConsoleWorld, dict[str, str]]]:
    """A console on a small sandbox tenant, with a run, a hand-off file and a request to show."""
    folder = Path(tmp_path_factory.mktemp("routes"))
    with start(build_state(scale="small", seed=5, anchor=T.date())) as sandbox:
        sandbox.state.fixed_now = T
        world = make_world(folder, sandbox_settings(Settings(), sandbox, folder))
        yield from _seed(world)


def _seed(world: ConsoleWorld) -> Iterator[tuple[ConsoleWorld, dict[str, str]]]:
    journal = world.services.journal
    run_id = journal.start_run("close-delivery-months", T.date(), T)
    journal.finish_run(run_id, T + dt.timedelta(seconds=3), "ok", {"changes": 0, "problems": 0})
    outbox = Path(world.services.settings.programme.outbox_dir)
    outbox.mkdir(parents=True)
    (outbox / "handoff-noord-2027-01-04-run1.csv").write_text("ordernummer\n")
    world.services.mirror.refresh()
    first = next(iter(world.services.read_model.requests(limit=1)))
    # A pending allocation the daemon parked (no four eyes), for the Plannen pages and actions.
    planned = service.make_plan(JOBS["progress-statuses"], world.services, T.date(), by="daemon")
    plan, _ = service.submit(world.services, planned, by="daemon", source=PlanSource.DAEMON)
    world.console.app()
    yield (
        world,
        {
            "run_id": str(run_id),
            "name": "handoff-noord-2027-01-04-run1.csv",
            "month": "2027-02",
            "number": first.order_number,
            "plan_id": str(plan.id),
        },
    )
    world.services.close()


# Form values an action needs to do its work (the CSRF token is added by the tests).
FORMS: dict[str, dict[str, str]] = {"/plannen/{plan_id:int}/afwijzen": {"reden": "te vroeg"}}


def url_of(path: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        path = path.replace(f"{{{name}:int}}", value).replace(f"{{{name}}}", value)
    return path


def routes(world: ConsoleWorld, method: str) -> list[tuple[str, Role]]:
    return [(path, role) for m, path, role in world.console.routes if m == method]


def logged_in(world: ConsoleWorld, role: Role) -> tuple[TestClient, str]:
    client = world.client()
    return client, login(client, ACCOUNT[role])


def test_every_route_with_values_in_its_path_has_an_example(
    seeded: tuple[ConsoleWorld, dict[str, str]],
) -> None:
    world, values = seeded
    for _, path, _ in world.console.routes:
        assert "{" not in url_of(path, values), f"no example value for {path}"


def test_anonymous_visitors_get_the_login_page_for_pages_and_403_for_actions(
    seeded: tuple[ConsoleWorld, dict[str, str]],
) -> None:
    world, values = seeded
    client = world.client()
    client.get("/login")  # a session with a token, so the 403 is about the login, not the token
    for path, _ in routes(world, "GET"):
        response = client.get(url_of(path, values), follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login"), path
    for path, _ in routes(world, "POST"):
        response = client.post(url_of(path, values), data=FORMS.get(path, {}), follow_redirects=False)
        assert response.status_code == 403, path


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_each_role_sees_the_pages_it_may_and_is_refused_the_others(
    seeded: tuple[ConsoleWorld, dict[str, str]], role: Role
) -> None:
    world, values = seeded
    client, _ = logged_in(world, role)
    for path, needed in routes(world, "GET"):
        response = client.get(url_of(path, values), follow_redirects=False)
        expected = 200 if role.allows(needed) else 403
        assert response.status_code == expected, (path, role)
        if expected == 200 and response.headers["content-type"].startswith("text/html"):
            assert "<h1>" in response.text, path
            assert "Traceback" not in response.text, path


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_every_action_needs_the_csrf_token_and_the_role(
    seeded: tuple[ConsoleWorld, dict[str, str]], role: Role
) -> None:
    world, values = seeded
    for path, needed in routes(world, "POST"):
        client, token = logged_in(world, role)
        url = url_of(path, values)
        without = client.post(url, data=FORMS.get(path, {}), follow_redirects=False)
        assert without.status_code == 403, (path, role, "without token")
        forged = client.post(
            url, data={**FORMS.get(path, {}), "csrf_token": "x" + token}, follow_redirects=False
        )
        assert forged.status_code == 403, (path, role, "wrong token")
        with_token = client.post(
            url, data={**FORMS.get(path, {}), "csrf_token": token}, follow_redirects=False
        )
        if role.allows(needed):
            assert with_token.status_code not in (403, 500), (path, role)
        else:
            assert with_token.status_code == 403, (path, role)


def test_the_token_may_come_in_the_htmx_header_instead_of_the_form(
    seeded: tuple[ConsoleWorld, dict[str, str]],
) -> None:
    world, _ = seeded
    client, token = logged_in(world, Role.VIEWER)
    response = client.post("/uitloggen", headers={"X-CSRF-Token": token, "HX-Request": "true"})
    assert response.headers["HX-Redirect"] == "/login"
