from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import httpx
import pytest

from tribe_sync.sandbox.server import RunningSandbox, build_state, start
from tribe_sync.sandbox.state import Faults

ANCHOR = dt.date(2026, 11, 23)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[RunningSandbox]:
    with start(build_state(scale="small", seed=3, anchor=ANCHOR)) as running:
        yield running


@pytest.fixture
def api(sandbox: RunningSandbox) -> Iterator[httpx.Client]:
    """An httpx client already holding a token, talking raw HTTP to the sandbox."""
    sandbox.state.faults = Faults()  # every test starts without faults
    with httpx.Client(base_url=sandbox.url) as raw:
        form = {"grant_type": "client_credentials", "client_id": "sandbox", "client_secret": "sandbox"}
        token = raw.post("/oauth2/token", data=form).json()["access_token"]
        raw.headers["Authorization"] = f"Bearer {token}"
        yield raw
