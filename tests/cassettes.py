"""Strict replay of recorded cassettes through respx: an unrecorded request fails, and so does an
exchange the test did not use."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import respx

from tribe_sync.config import TenantSettings
from tribe_sync.recording import Exchange, Recorder, Scrubber, load_cassette, personal_fields

REPLAY_BASE = "https://tribe.replay"
CASSETTES = Path(__file__).resolve().parent.parent / "fixtures" / "cassettes"


def scrubber() -> Scrubber:
    return Scrubber(personal_fields(TenantSettings()))


class StrictReplay:
    def __init__(self, exchanges: list[Exchange]) -> None:
        self.pending = deque(exchanges)
        self.recorder = Recorder(httpx.MockTransport(lambda r: httpx.Response(200)), scrubber())

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if not self.pending:
            pytest.fail(f"unrecorded request: {request.method} {request.url}")
        expected = self.pending.popleft()
        actual = (
            request.method,
            request.url.path,
            request.url.query.decode(),
            self.recorder._request_body(request),
        )
        wanted = (expected.method, expected.path, expected.query, expected.body)
        assert actual == wanted, "the request differs from the recording (re-record with --record-fixtures)"
        content = expected.response if isinstance(expected.response, str) else json.dumps(expected.response)
        return httpx.Response(expected.status, headers=expected.headers, content=content.encode())

    def assert_used_up(self) -> None:
        assert not self.pending, f"{len(self.pending)} recorded exchange(s) were not used"


@contextmanager
def replaying(name: str) -> Iterator[None]:
    path = CASSETTES / f"{name}.json"
    if not path.exists():
        pytest.fail(f"no cassette {path.name}; record it with `pytest --record-fixtures`")
    replay = StrictReplay(load_cassette(path))
    with respx.mock(base_url=REPLAY_BASE, assert_all_mocked=True, assert_all_called=True) as router:
        router.route(name="cassette").mock(side_effect=replay)
        yield
    replay.assert_used_up()
