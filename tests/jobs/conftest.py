from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tribe_sync.bootstrap import Services
from tribe_sync.config import Settings
from tribe_sync.sandbox.server import RunningSandbox, build_state, start

TODAY = dt.date(2026, 12, 1)
NOW = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)


@dataclass
class Env:
    sandbox: RunningSandbox
    services: Services
    outbox: Path

    def phase_of(self, request_id: str) -> str:
        store = self.sandbox.state.store
        record = store.get("Activity_SalesOrder", request_id)
        assert record is not None
        phase = store.get("Datastore_Phase_ActivitySalesOrder", record["Phase"])
        assert phase is not None
        return str(phase["Code"])

    def writes(self) -> list[str]:
        return [f"{c.method} {c.path}" for c in self.sandbox.state.calls() if c.method != "GET"]

    def fresh_services(self) -> Services:
        """A new process, as after a crash: new client, same journal and outbox."""
        self.services.close()
        self.services = Services(self.services.settings, clock=lambda: NOW)
        return self.services


def make_env(tmp_path: Path, scale: str = "small", seed: int = 4) -> Iterator[Env]:
    with start(build_state(scale=scale, seed=seed, anchor=TODAY)) as sandbox:
        sandbox.state.fixed_now = NOW
        settings = Settings(
            crm={"api_url": sandbox.url, "token_url": f"{sandbox.url}/oauth2/token"},  # type: ignore[arg-type]
            store={"url": f"sqlite:///{tmp_path / 'journal.db'}"},  # type: ignore[arg-type]
            programme={"outbox_dir": str(tmp_path / "outbox")},  # type: ignore[arg-type]
        )
        env = Env(sandbox, Services(settings, clock=lambda: NOW), tmp_path / "outbox")
        yield env
        env.services.close()


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    yield from make_env(tmp_path)
