"""An action's address opened with GET (a reload after the form, a bookmark, the address bar) goes to
the page the action belongs to, never an empty 405; before login, to the login page."""

from __future__ import annotations

from tests.console.conftest import ConsoleWorld, login
from tribe_sync.store.users import Role

EXAMPLES = {"{plan_id:int}": "7", "{month}": "2027-02"}


def url_of(path: str) -> str:
    for name, value in EXAMPLES.items():
        path = path.replace(name, value)
    return path


def test_every_action_has_a_page_to_go_back_to(world: ConsoleWorld) -> None:
    world.console.app()
    posted = {path for method, path, _ in world.console.routes if method == "POST"}
    assert posted == {path for path, _ in world.console.returns}
    assert dict(world.console.returns)["/plannen/{plan_id:int}/goedkeuren"] == "/plannen/{plan_id}"


def test_a_get_on_an_action_redirects_to_its_page_for_every_role(world: ConsoleWorld) -> None:
    world.console.app()
    for name in ("lees", "beslis", "beheer"):
        client = world.client()
        login(client, name)
        for path, target in world.console.returns:
            response = client.get(url_of(path), follow_redirects=False)
            assert response.status_code == 303, (name, path)
            assert response.headers["location"] == url_of(target.replace("{plan_id}", "{plan_id:int}")), path
    assert Role.VIEWER  # every role may be sent to the page; the page itself decides what it shows


def test_before_login_a_get_on_an_action_goes_to_the_login_page(world: ConsoleWorld) -> None:
    world.console.app()
    client = world.client()
    for path, _ in world.console.returns:
        response = client.get(url_of(path), follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")


def test_the_month_close_reload_lands_on_leveringsmaanden(world: ConsoleWorld) -> None:
    client = world.client()
    login(client, "beslis")
    response = client.get("/leveringsmaanden/2027-02/sluiten", follow_redirects=False)
    assert response.headers["location"] == "/leveringsmaanden"
