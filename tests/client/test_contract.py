"""The client's contract, run twice: replayed from recorded, scrubbed fixtures (fast, exact) and live
against a sandbox on loopback. Re-record with `pytest --record-fixtures tests/client/test_contract.py`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from tests.cassettes import CASSETTES, REPLAY_BASE, replaying, scrubber
from tribe_sync.client import F, Query, TribeClient
from tribe_sync.config import CRMSettings, Settings
from tribe_sync.errors import BadRequestError, NotFoundError
from tribe_sync.mappers.metadata import check_metadata
from tribe_sync.mappers.queries import requests as requests_query
from tribe_sync.mappers.read import map_requests
from tribe_sync.mappers.schema import TenantSchema
from tribe_sync.recording import Recorder
from tribe_sync.sandbox.server import build_state, start
from tribe_sync.sandbox.state import SandboxState

SCHEMA = TenantSchema.from_settings(Settings())
ANCHOR = dt.date(2026, 11, 23)


@dataclass
class Crm:
    client: TribeClient
    sandbox: SandboxState | None  # None when replaying


@pytest.fixture(params=[pytest.param("sandbox", marks=pytest.mark.sandbox), "replay"])
def crm(request: pytest.FixtureRequest) -> Iterator[Crm]:
    name = request.node.originalname
    if request.param == "replay":
        with replaying(name):
            settings = CRMSettings(
                api_url=REPLAY_BASE, token_url=f"{REPLAY_BASE}/oauth2/token", page_size=15, max_in_flight=1
            )
            with TribeClient.from_settings(
                settings, http_client=httpx.Client(), sleep=lambda _s: None
            ) as client:
                yield Crm(client, None)
        return
    recording = request.config.getoption("--record-fixtures")
    with start(build_state(scale="small", seed=5, anchor=ANCHOR)) as sandbox:
        sandbox.state.fixed_now = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)
        transport: httpx.BaseTransport = httpx.HTTPTransport()
        recorder = Recorder(transport, scrubber()) if recording else None
        # One call at a time: a recording is replayed strictly in order.
        settings = CRMSettings(
            api_url=sandbox.url, token_url=f"{sandbox.url}/oauth2/token", page_size=15, max_in_flight=1
        )
        with TribeClient.from_settings(
            settings, http_client=httpx.Client(transport=recorder or transport)
        ) as client:
            yield Crm(client, sandbox.state)
        if recorder is not None:
            recorder.save(CASSETTES / f"{name}.json")


def test_every_waiting_request_is_read_once_across_pages(crm: Crm) -> None:
    query = requests_query(SCHEMA).with_(filter=F("Phase", "Code").eq("WACHT_OP_TOEKENNING"))
    records = crm.client.list(SCHEMA.sets.request, query)
    assert len(records) > 30, "three pages of 15 or more"
    assert len({r.id for r in records}) == len(records)
    assert crm.client.count(SCHEMA.sets.request, Query(filter=query.filter)) == len(records)
    requests, problems = map_requests(records, SCHEMA)
    assert len(requests) + len(problems) == len(records)
    assert {p.code for p in problems} <= {"several_product_lines", "no_product_line"}


def test_short_pages_lose_no_records(crm: Crm) -> None:
    if crm.sandbox is not None:
        crm.sandbox.faults.page_cap = 11  # fewer rows than the 15 asked for
    records = crm.client.list(SCHEMA.sets.forecast, Query(select=["CreationDate"]))
    assert len({r.id for r in records}) == len(records) == 240


def test_a_task_round_trips_with_a_key_full_of_awkward_characters(crm: Crm) -> None:
    key = "test/o'brien & co + 100% #1 ü"
    created = crm.client.create(
        SCHEMA.sets.task,
        {"Subject": "Herinnering", "ImportId": key, "StartDate": "2026-12-01", "EndDate": "2026-12-15"},
    )
    (found,) = crm.client.list(SCHEMA.sets.task, Query(filter=F("ImportId").eq(key), select=["ImportId"]))
    assert found.id == created.id
    assert found.get("ImportId") == key
    crm.client.update(SCHEMA.sets.task, created.id, {"Subject": "Herinnering (bijgewerkt)"})
    assert crm.client.get(SCHEMA.sets.task, created.id).get("Subject") == "Herinnering (bijgewerkt)"


def test_tribes_errors_arrive_as_typed_exceptions(crm: Crm) -> None:
    with pytest.raises(NotFoundError):
        crm.client.get(SCHEMA.sets.request, "00000000-0000-4000-8000-000000000000")
    with pytest.raises(BadRequestError, match="NoSuchField"):
        crm.client.list(SCHEMA.sets.request, Query(filter=F("NoSuchField").eq(1)))


def test_the_default_tenant_mapping_matches_the_tenants_metadata(crm: Crm) -> None:
    findings = check_metadata(crm.client.metadata(), SCHEMA)
    assert [f for f in findings if not f.ok] == []
