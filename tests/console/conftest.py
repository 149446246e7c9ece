"""A console on a SQLite store with one account per role and a clock the tests move."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from starlette.testclient import TestClient

from tribe_sync.bootstrap import Services
from tribe_sync.config import Settings
from tribe_sync.console.app import Console
from tribe_sync.console.security import LoginThrottle
from tribe_sync.demo import sandbox_settings
from tribe_sync.sandbox.server import RunningSandbox, build_state, start
from tribe_sync.store.users import Role, UserStore

T0 = dt.datetime(2027, 1, 4, 8, 0, tzinfo=dt.UTC)
PASSWORD = "een-lang-wachtwoord"
ROLES = {"lees": Role.VIEWER, "beslis": Role.APPROVER, "beheer": Role.ADMIN}
ACCOUNT = {role: name for name, role in ROLES.items()}
# argon2id still, at a cost fit for tests; production uses argon2-cffi's defaults.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@dataclass
class Clock:
    """Wall time that moves only when a test says so."""

    now: dt.datetime = T0
    monotonic: float = 1000.0
    moves: list[dt.timedelta] = field(default_factory=list)

    def __call__(self) -> dt.datetime:
        return self.now

    def tick(self) -> float:
        return self.monotonic

    def advance(self, delta: dt.timedelta) -> None:
        self.now += delta
        self.monotonic += delta.total_seconds()


@dataclass
class ConsoleWorld:
    console: Console
    services: Services
    users: UserStore
    clock: Clock

    def client(self) -> TestClient:
        return TestClient(self.console.app(), base_url="http://testserver")


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page carries a CSRF token"
    return match.group(1)


def login(client: TestClient, name: str, password: str = PASSWORD) -> str:
    """Log in through the form; returns the session's CSRF token."""
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login", data={"username": name, "password": password, "csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/runs").text)


def make_world(tmp_path: Path, settings: Settings | None = None) -> ConsoleWorld:
    clock = Clock()
    settings = settings or Settings(
        store={"url": f"sqlite:///{tmp_path / 'journal.db'}"},  # type: ignore[arg-type]
        programme={"outbox_dir": str(tmp_path / "outbox")},  # type: ignore[arg-type]
    )
    services = Services(settings, clock=clock)
    users = UserStore(services.journal, clock, CHEAP_HASHER)
    for name, role in ROLES.items():
        users.add(name, role, PASSWORD)
    throttle = LoginThrottle(
        settings.console.login_max_failures, settings.console.login_window_s, clock=clock.tick
    )
    console = Console(services, users, throttle)
    return ConsoleWorld(console, services, users, clock)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[ConsoleWorld]:
    world = make_world(tmp_path)
    yield world
    world.services.close()


@pytest.fixture
def tenant_world(tmp_path: Path) -> Iterator[tuple[ConsoleWorld, RunningSandbox]]:
    """A console whose CRM is a small sandbox tenant (for the pages that act through the executor)."""
    with start(build_state(scale="small", seed=4, anchor=T0.date())) as sandbox:
        sandbox.state.fixed_now = T0
        world = make_world(tmp_path, sandbox_settings(Settings(), sandbox, tmp_path))
        yield world, sandbox
        world.services.close()
