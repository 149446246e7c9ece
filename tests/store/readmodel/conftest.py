"""A sandbox CRM and a read model over it; edits go straight into the sandbox's own store, as a
person working in Tribe would make them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tribe_sync.client.tribe import TribeClient
from tribe_sync.config import Settings
from tribe_sync.mappers.schema import TenantSchema
from tribe_sync.sandbox.server import RunningSandbox, build_state, start
from tribe_sync.store.journal import open_journal
from tribe_sync.store.readmodel.queries import ReadModel
from tribe_sync.store.readmodel.refresh import Mirror

TASK_PREFIXES = ("notify/delivery-date/", "reminder/", "staff/")


@dataclass
class Tenant:
    sandbox: RunningSandbox
    mirror: Mirror
    model: ReadModel
    store_file: Path | None

    def edit(self, entity_set: str, record_id: str, **changes: Any) -> None:
        self.sandbox.state.store.update(entity_set, record_id, changes, self.sandbox.state.now())

    def calls(self) -> int:
        return len(self.sandbox.state.calls("GET"))


def make_mirror(url: str, sandbox: RunningSandbox, overlap_s: float = 120) -> tuple[Mirror, TribeClient]:
    settings = Settings(crm={"api_url": sandbox.url, "token_url": f"{sandbox.url}/oauth2/token"})  # type: ignore[arg-type]
    client = TribeClient.from_settings(settings.crm)
    journal = open_journal(url)
    mirror = Mirror(
        journal.engine,
        client,
        TenantSchema.from_settings(settings),
        clock=lambda: dt.datetime.now(dt.UTC),
        overlap=dt.timedelta(seconds=overlap_s),
        task_prefixes=TASK_PREFIXES,
    )
    return mirror, client


@pytest.fixture
def tenant(tmp_path: Path) -> Iterator[Tenant]:
    with start(build_state(scale="small", seed=5, anchor=dt.date(2026, 11, 23))) as sandbox:
        store = tmp_path / "journal.db"
        mirror, client = make_mirror(f"sqlite:///{store}", sandbox)
        try:
            yield Tenant(sandbox, mirror, ReadModel(mirror.engine), store)
        finally:
            client.close()
            mirror.engine.dispose()
