from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

from tests.conftest import FIXTURES, FakeClock
from tribe_sync.client import TribeClient
from tribe_sync.config import CRMSettings

API = "https://api.tribe.test"
TOKEN_URL = "https://auth.tribe.test/oauth2/token"
ROOT = f"{API}/v1/odata/"
SECRET = "s3cr3t-client-value"


def sales_orders() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads((FIXTURES / "tribe" / "sales_orders.json").read_text())["value"]
    return rows


def page(rows: list[dict[str, Any]], **extra: Any) -> httpx.Response:
    return httpx.Response(
        200, json={"@odata.context": "$metadata#OData.Activity_SalesOrder", "value": rows, **extra}
    )


def token_response(token: str = "tok-1", expires_in: int = 3600) -> httpx.Response:
    return httpx.Response(200, json={"access_token": token, "token_type": "bearer", "expires_in": expires_in})


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as mock:
        yield mock


@pytest.fixture
def token_route(router: respx.MockRouter) -> respx.Route:
    return router.post(TOKEN_URL, name="token").mock(return_value=token_response())


def make_client(clock: FakeClock, **overrides: Any) -> TribeClient:
    settings = CRMSettings(
        api_url=API, token_url=TOKEN_URL, client_id="tribe-sync-test", client_secret=SECRET, **overrides
    )
    return TribeClient.from_settings(settings, http_client=httpx.Client(), sleep=clock.sleep, clock=clock)


@pytest.fixture
def client(clock: FakeClock, token_route: respx.Route) -> Iterator[TribeClient]:
    with make_client(clock) as tribe:
        yield tribe
