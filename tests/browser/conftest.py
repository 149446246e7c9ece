"""One Chromium for every browser test: Debian's (/usr/bin/chromium), driven by Playwright.

Playwright's own browser download does not work on our machines, so the tests launch the system
Chromium. Without it they skip, unless TRIBE_SYNC_REQUIRE_BROWSER=1 (set by .ci/run, which installs
it), where a missing browser fails them. Screenshots of every page go to artifacts/screenshots/
(git-ignored), CI's artefacts.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.console.conftest import CHEAP_HASHER
from tribe_sync.bootstrap import Services
from tribe_sync.config import Settings
from tribe_sync.console.app import Console
from tribe_sync.demo import sandbox_settings
from tribe_sync.http_server import serve_in_thread
from tribe_sync.jobs.registry import JOBS
from tribe_sync.sandbox.server import RunningSandbox, build_state, start
from tribe_sync.store.users import Role, UserStore

CHROMIUM = Path(os.environ.get("TRIBE_SYNC_TEST_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
LAUNCH_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        reason = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("TRIBE_SYNC_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + " (TRIBE_SYNC_REQUIRE_BROWSER=1)")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only where a browser runs

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


TODAY = dt.date(2027, 1, 4)  # a Monday: January's allocation is due
NOW = dt.datetime(2027, 1, 4, 8, 0, tzinfo=dt.UTC)
PASSWORD = "een-lang-wachtwoord"
ACCOUNTS = {"lees": Role.VIEWER, "beslis": Role.APPROVER, "beheer": Role.ADMIN}


@dataclass
class Site:
    """A console serving a small sandbox tenant's programme, as staff would see it."""

    url: str
    services: Services
    sandbox: RunningSandbox
    console: Console

    def has_page(self, path: str) -> bool:
        return any(method == "GET" and route == path for method, route, _ in self.console.routes)


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    workdir = tmp_path_factory.mktemp("console-site")
    with start(build_state(scale="small", seed=3, anchor=TODAY)) as sandbox:
        sandbox.state.fixed_now = NOW
        settings = sandbox_settings(Settings(), sandbox, workdir)
        with Services(settings, clock=lambda: NOW) as services:
            users = UserStore(services.journal, services.clock, CHEAP_HASHER)
            for name, role in ACCOUNTS.items():
                users.add(name, role, PASSWORD)
            services.executor().run_job(JOBS["close-delivery-months"], TODAY)
            console = Console(services, users)
            server = serve_in_thread(console.app(), name="console-under-test")
            try:
                yield Site(server.url, services, sandbox, console)
            finally:
                server.stop()


def log_in(page: Any, site: Site, name: str) -> None:
    page.goto(f"{site.url}/login")
    page.get_by_label("Gebruikersnaam").fill(name)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(f"{site.url}/")
