"""Logging in and out, sessions, CSRF, throttling and the headers every answer carries."""

from __future__ import annotations

import datetime as dt

from tests.console.conftest import PASSWORD, ConsoleWorld, csrf_of, login
from tribe_sync.console.security import COOKIE


def test_nothing_but_the_login_page_and_health_is_served_before_login(world: ConsoleWorld) -> None:
    client = world.client()
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/login").status_code == 200
    for path in ("/", "/runs", "/static/console.css", "/static/htmx.min.js", "/bestaat-niet"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code in (303, 404), path
        assert response.headers.get("location", "/login").startswith("/login"), path
        assert "csrf_token" not in response.text
        assert "htmx" not in response.text


def test_the_login_page_carries_its_stylesheet_inline_allowed_by_hash_only(world: ConsoleWorld) -> None:
    response = world.client().get("/login")
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy
    assert "sha256-" in policy
    assert "<style>" in response.text
    assert "<script" not in response.text
    assert 'name="username"' in response.text
    assert 'name="password"' in response.text


def test_a_staff_member_logs_in_and_the_cookie_is_signed_httponly_and_strict(world: ConsoleWorld) -> None:
    client = world.client()
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={"username": "lees", "password": PASSWORD, "csrf_token": token, "volgende": "/runs"},
        follow_redirects=False,
    )
    assert (response.status_code, response.headers["location"]) == (303, "/runs")
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Secure" not in cookie
    assert "lees" not in cookie.split(";")[0].split("=", 1)[1].split(".")[-1]
    page = client.get("/")
    assert page.status_code == 200
    assert "lees (lezer)" in page.text


def test_behind_https_the_session_cookie_is_secure(world: ConsoleWorld) -> None:
    client = world.client()
    client.base_url = "https://console.example"  # type: ignore[assignment]
    response = client.get("/login")
    assert "Secure" in response.headers["set-cookie"]


def test_a_wrong_password_and_an_unknown_name_get_the_same_answer(world: ConsoleWorld) -> None:
    client = world.client()
    token = csrf_of(client.get("/login").text)
    wrong = client.post("/login", data={"username": "lees", "password": "nee", "csrf_token": token})
    unknown = client.post("/login", data={"username": "niemand", "password": "nee", "csrf_token": token})
    assert wrong.status_code == unknown.status_code == 401
    assert "Onbekende gebruiker of onjuist wachtwoord." in wrong.text
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_login_without_the_csrf_token_is_refused(world: ConsoleWorld) -> None:
    client = world.client()
    client.get("/login")
    response = client.post("/login", data={"username": "lees", "password": PASSWORD}, follow_redirects=False)
    assert response.status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 303


def test_logins_are_throttled_per_account_and_per_address(world: ConsoleWorld) -> None:
    client = world.client()
    token = csrf_of(client.get("/login").text)
    limit = world.services.settings.console.login_max_failures
    for _ in range(limit):
        client.post("/login", data={"username": "beslis", "password": "fout", "csrf_token": token})
    refused = client.post("/login", data={"username": "beslis", "password": PASSWORD, "csrf_token": token})
    assert refused.status_code == 429
    assert "Te veel mislukte pogingen" in refused.text
    # The address is blocked too, whichever account it tries next.
    other = client.post("/login", data={"username": "lees", "password": PASSWORD, "csrf_token": token})
    assert other.status_code == 429
    world.clock.advance(dt.timedelta(seconds=world.services.settings.console.login_window_s + 1))
    assert (
        client.post(
            "/login",
            data={"username": "beslis", "password": PASSWORD, "csrf_token": token},
            follow_redirects=False,
        ).status_code
        == 303
    )


def test_an_idle_session_ends_and_an_active_one_does_not(world: ConsoleWorld) -> None:
    client = world.client()
    login(client, "lees")
    idle = dt.timedelta(minutes=world.services.settings.console.idle_timeout_min)
    for _ in range(3):  # active: each request moves the idle deadline
        world.clock.advance(idle - dt.timedelta(minutes=1))
        assert client.get("/").status_code == 200
    world.clock.advance(idle + dt.timedelta(seconds=1))
    response = client.get("/runs", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/login?verlopen=1")
    assert "Uw sessie is verlopen" in client.get("/login?verlopen=1").text


def test_a_changed_password_or_a_removed_account_ends_its_sessions(world: ConsoleWorld) -> None:
    first, second = world.client(), world.client()
    login(first, "lees")
    login(second, "beslis")
    world.clock.advance(dt.timedelta(seconds=5))
    world.users.set_password("lees", "een-ander-lang-wachtwoord")
    world.users.remove("beslis")
    assert first.get("/", follow_redirects=False).status_code == 303
    assert second.get("/", follow_redirects=False).status_code == 303


def test_a_tampered_cookie_is_a_stranger(world: ConsoleWorld) -> None:
    client = world.client()
    login(client, "beheer")
    value = client.cookies[COOKIE]
    client.cookies.clear()
    client.cookies.set(COOKIE, value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    assert client.get("/", follow_redirects=False).status_code == 303


def test_logging_out_needs_the_token_and_ends_the_session(world: ConsoleWorld) -> None:
    client = world.client()
    token = login(client, "lees")
    assert client.post("/uitloggen", data={}, follow_redirects=False).status_code == 403
    assert client.get("/").status_code == 200
    response = client.post("/uitloggen", data={"csrf_token": token}, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/login")
    assert client.get("/", follow_redirects=False).status_code == 303


def test_after_login_only_paths_on_this_site_are_followed(world: ConsoleWorld) -> None:
    client = world.client()
    token = csrf_of(client.get("/login").text)
    for target in ("https://elders.example/", "//elders.example/x", "javascript:alert(1)"):
        response = client.post(
            "/login",
            data={"username": "lees", "password": PASSWORD, "csrf_token": token, "volgende": target},
            follow_redirects=False,
        )
        assert response.headers["location"] == "/", target
        token = csrf_of(client.get("/login", follow_redirects=True).text)


def test_every_answer_carries_the_security_headers(world: ConsoleWorld) -> None:
    client = world.client()
    answers = [client.get("/login"), client.get("/healthz"), client.get("/", follow_redirects=False)]
    login(client, "lees")
    answers += [client.get("/"), client.get("/static/htmx.min.js"), client.get("/bestaat-niet")]
    for response in answers:
        assert "default-src 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
    assert answers[-1].status_code == 404
    assert "Niet gevonden" in answers[-1].text


def test_htmx_requests_of_an_expired_session_are_sent_to_the_login_page(world: ConsoleWorld) -> None:
    client = world.client()
    login(client, "lees")
    world.clock.advance(dt.timedelta(days=1))
    response = client.get("/runs", headers={"HX-Request": "true"})
    assert response.headers["HX-Redirect"] == "/login?verlopen=1"
